"""Log setup: one line a record. Headless, to stderr (journald adds its own time stamps);
under the TUI, to a file, since nothing may write to the terminal the UI draws on."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

LOG_FILE = "beatwatch.log"


def _quiet_libraries() -> None:
    # At DEBUG some Apprise plugins log tokens; aiohttp's access log would log every ping.
    logging.getLogger("apprise").setLevel(logging.WARNING)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)


def log_to_stderr(level: int = logging.INFO) -> None:
    under_journald = bool(os.environ.get("JOURNAL_STREAM"))
    fmt = "%(levelname)s %(name)s: %(message)s"
    if not under_journald:
        fmt = "%(asctime)s " + fmt
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(fmt, datefmt="%Y-%m-%dT%H:%M:%S%z"))
    _install(handler, level)


def log_to_file(data_dir: Path, level: int = logging.INFO) -> Path:
    path = data_dir / LOG_FILE
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_CREAT | os.O_APPEND | os.O_WRONLY, 0o600)
    os.close(fd)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%dT%H:%M:%S%z")
    )
    _install(handler, level)
    return path


def _install(handler: logging.Handler, level: int) -> None:
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    _quiet_libraries()
