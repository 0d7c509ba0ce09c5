"""Shared parts of the UI tests: a real service on a real SQLite file in tmp_path."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from beatwatch.config import Settings
from beatwatch.service.service import Service

SIZE = (120, 40)


@pytest.fixture(autouse=True)
def utc(monkeypatch):
    """Local times on screen are UTC, so snapshots look the same everywhere."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def settings_for(data_dir: Path) -> Settings:
    return Settings(
        data_dir=data_dir,
        listen_host="127.0.0.1",
        listen_port=0,
        public_url="http://monitor.lan:8790",
    )


@pytest.fixture
async def service(tmp_path) -> AsyncIterator[Service]:
    opened = await Service.open(settings_for(tmp_path))
    yield opened
    await opened.close()


def cli_json(data_dir: Path, *args: str) -> Any:
    """What `beatwatch --data-dir DIR ARGS --json` prints, run in a process of its own, as
    from a shell: how a setting made in the TUI is read back."""
    command = [sys.executable, "-c", "from beatwatch.cli import main; main()"]
    done = subprocess.run(
        [*command, "--data-dir", str(data_dir), *args, "--json"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)
