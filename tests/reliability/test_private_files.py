"""Secrets on disk: `export --with-secrets --output` writes a file only its owner can read,
from its creation; printed, the export warns that it holds secrets; `serve` says, once, which
of its files other users can read."""

from __future__ import annotations

import asyncio
import os
import pty
import stat
import subprocess
from pathlib import Path

from beatwatch.store.database import DB_FILE
from tests.reliability.conftest import BEATWATCH, ServeProcess

SECRET_URL = "json://alert:PlantedPw123@127.0.0.1:9/hook"
WARNING = "beatwatch: warning: this export holds secrets"


def run(data_dir: Path, *args: str, **options: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*BEATWATCH, *args, "--data-dir", str(data_dir)],
        text=True,
        timeout=60,
        check=True,
        **options,  # type: ignore[arg-type]
    )


def test_export_with_secrets_to_a_file_is_private(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    run(data_dir, "channel", "add", "ops", SECRET_URL, capture_output=True)
    target = tmp_path / "setup.toml"
    target.write_text("old\n")
    target.chmod(0o644)

    done = run(data_dir, "export", "--with-secrets", "--output", str(target), capture_output=True)

    assert (done.stdout, done.stderr) == ("", "")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert "PlantedPw123" in target.read_text()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_export_with_secrets_to_a_pipe_or_terminal_warns(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    run(data_dir, "channel", "add", "ops", SECRET_URL, capture_output=True)

    piped = run(data_dir, "export", "--with-secrets", capture_output=True)
    plain = run(data_dir, "export", capture_output=True)
    controller, terminal = pty.openpty()
    try:
        shown = run(data_dir, "export", "--with-secrets", stdout=terminal, stderr=subprocess.PIPE)
    finally:
        os.close(terminal)
        os.close(controller)

    assert "PlantedPw123" in piped.stdout
    [line] = piped.stderr.splitlines()
    assert line.startswith(WARNING) and "--output FILE" in line
    assert shown.stderr.splitlines() == [line]
    assert plain.stderr == ""


async def test_serve_warns_once_about_files_open_to_others(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    run(data_dir, "check", "add", "backup", "--every", "1h", capture_output=True)
    data_dir.chmod(0o755)
    (data_dir / DB_FILE).chmod(0o644)
    serve = ServeProcess(data_dir)
    await serve.start()
    assert await serve.stop() == 0
    assert serve.process is not None and serve.process.stderr is not None
    log = (await serve.process.stderr.read()).decode()

    for path, mode in ((data_dir, "755"), (data_dir / DB_FILE, "644")):
        [line] = [line for line in log.splitlines() if f"{path} is open to other users" in line]
        assert f"(mode {mode})" in line
    # The write-ahead log and its index take the database's mode; each path is named once.
    named = [
        line.split(" is open to other users")[0].rsplit(" ", 1)[1]
        for line in log.splitlines()
        if "open to other users" in line
    ]
    assert len(named) == len(set(named))
    assert set(named) <= {
        str(data_dir),
        *(f"{data_dir / DB_FILE}{s}" for s in ("", "-wal", "-shm")),
    }


async def test_serve_says_nothing_about_private_files(tmp_path: Path) -> None:
    serve = ServeProcess(tmp_path / "data")
    await serve.start()
    await asyncio.wait_for(serve.stop(), 15)
    assert serve.process is not None and serve.process.stderr is not None
    assert "open to other users" not in (await serve.process.stderr.read()).decode()
