"""Log setup: one line a record. Headless, to stderr (journald adds its own time stamps);
under the TUI, to a file, since nothing may write to the terminal the UI draws on."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any

from beatwatch.core.terminal_text import terminal_text

LOG_FILE = "beatwatch.log"
LINE_FORMAT = "%(levelname)s %(name)s: %(message)s"
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S%z"


class TerminalSafeFormatter(logging.Formatter):
    """Log lines hold user agents, names and channel errors: each record stays one line, with
    no control character that would steer the terminal of whoever reads the log or the
    journal. A traceback keeps its lines."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        return terminal_text(super().formatMessage(record))

    def formatException(self, ei: Any) -> str:
        return terminal_text(super().formatException(ei), multiline=True)

    def formatStack(self, stack_info: str) -> str:
        return terminal_text(super().formatStack(stack_info), multiline=True)


def _quiet_libraries() -> None:
    # At DEBUG some Apprise plugins log tokens; aiohttp's access log would log every ping.
    logging.getLogger("apprise").setLevel(logging.WARNING)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)


def log_to_stderr(level: int = logging.INFO) -> None:
    under_journald = bool(os.environ.get("JOURNAL_STREAM"))
    fmt = LINE_FORMAT if under_journald else f"%(asctime)s {LINE_FORMAT}"
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(TerminalSafeFormatter(fmt, TIME_FORMAT))
    _install(handler, level)


def log_to_file(data_dir: Path, level: int = logging.INFO) -> Path:
    path = data_dir / LOG_FILE
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_CREAT | os.O_APPEND | os.O_WRONLY, 0o600)
    os.close(fd)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(TerminalSafeFormatter(f"%(asctime)s {LINE_FORMAT}", TIME_FORMAT))
    _install(handler, level)
    return path


def _install(handler: logging.Handler, level: int) -> None:
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    _quiet_libraries()
