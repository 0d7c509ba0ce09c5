"""Shared parts of the UI tests: a real service on a real SQLite file in tmp_path."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from beatwatch.config import Settings
from beatwatch.core.model import EventKind
from beatwatch.engine import event_log
from beatwatch.engine.lock import EngineLock
from beatwatch.service.service import Service
from beatwatch.ui.app import BeatwatchApp
from beatwatch.ui.screens.check_detail import CheckDetailScreen
from beatwatch.ui.widgets.checks_table import ChecksTable
from tests.conftest import wait_for

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


@contextlib.asynccontextmanager
async def serve_process(data_dir: Path) -> AsyncIterator[subprocess.Popen[bytes]]:
    """`beatwatch serve` in a process of its own on `data_dir`, once it holds the engine;
    stopped on the way out."""
    engine = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from beatwatch.cli import main; main()",
            "--data-dir",
            str(data_dir),
            "serve",
            "--listen",
            "127.0.0.1:0",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        holder = EngineLock(data_dir)
        await wait_for(lambda: holder.holder() is not None, timeout=15)
        yield engine
    finally:
        engine.terminate()
        await wait_for(lambda: engine.poll() is not None, timeout=30)


def cli_json(data_dir: Path, *args: str) -> Any:
    """What `beatwatch --data-dir DIR ARGS --json` prints, run in a process of its own, as
    from a shell: how a setting made in the TUI is read back."""
    command = [sys.executable, "-c", "from beatwatch.cli import main; main()"]
    done = subprocess.run(
        [*command, "--data-dir", str(data_dir), *args, "--json"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


async def open_detail(app: BeatwatchApp, pilot: Pilot[None], check_id: int) -> None:
    """From the checks table, the check's detail, once its row is shown (the first row)."""
    await wait_for(lambda: check_id in app.screen.query_one(ChecksTable).shown_ids)
    await pilot.press("enter")
    await wait_for(lambda: isinstance(app.screen, CheckDetailScreen))


async def log_line(service: Service, at: float, level: str, text: str) -> None:
    """A line in the event log, as the engine writes one."""
    await service.store.write(
        partial(event_log.record, at=at, level=level, kind=EventKind.ENGINE, text=text)
    )
