"""Running the real `beatwatch` command as a subprocess, isolated from the user's own config."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

BEATWATCH = [sys.executable, "-c", "from beatwatch.cli import main; main()"]
TIMEOUT = 60


@dataclass(frozen=True)
class Result:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        assert self.code == 0, self.stderr
        return json.loads(self.stdout)


def assert_one_line_error(result: Result, code: int, *mentions: str) -> None:
    """The command failed with `code` and said so in one `beatwatch:` line on stderr."""
    assert result.code == code, result
    assert "Traceback" not in result.stderr, result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith("beatwatch: "), line
    for mention in mentions:
        assert mention in line, line


class Beatwatch:
    """`beatwatch --data-dir DIR ...` with an environment free of BEATWATCH_* and user config."""

    def __init__(self, data_dir: Path | None, env: dict[str, str]) -> None:
        self.data_dir = data_dir
        self.env = env

    def argv(self, args: tuple[str, ...]) -> list[str]:
        location = ["--data-dir", str(self.data_dir)] if self.data_dir else []
        return [*BEATWATCH, *location, *args]

    def __call__(self, *args: str) -> Result:
        done = subprocess.run(
            self.argv(args), capture_output=True, text=True, env=self.env, timeout=TIMEOUT
        )
        return Result(done.returncode, done.stdout, done.stderr)

    def all_at_once(self, *commands: tuple[str, ...]) -> list[Result]:
        """Independent commands run side by side, to keep the suite quick."""
        running = [
            subprocess.Popen(
                self.argv(args),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=self.env,
            )
            for args in commands
        ]
        results = []
        for process in running:
            stdout, stderr = process.communicate(timeout=TIMEOUT)
            results.append(Result(process.returncode, stdout, stderr))
        return results


@pytest.fixture
def clean_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BEATWATCH_")}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    return env


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def beatwatch(data_dir: Path, clean_env: dict[str, str]) -> Beatwatch:
    return Beatwatch(data_dir, clean_env)
