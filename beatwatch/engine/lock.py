"""One engine per data dir: an flock'd file that says which process runs it and where."""

from __future__ import annotations

import fcntl
import json
import os
from dataclasses import dataclass
from pathlib import Path

LOCK_FILE = "engine.lock"


@dataclass(frozen=True, slots=True)
class EngineInfo:
    pid: int
    listen: str


class EngineLock:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / LOCK_FILE
        self._fd: int | None = None

    def acquire(self, listen: str) -> bool:
        """Take the lock; False if another process holds it."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        self.announce(listen)
        return True

    def announce(self, listen: str) -> None:
        """Record where the engine listens (once bound, the real port of a port-0 listen)."""
        assert self._fd is not None, "announce needs the lock"
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, json.dumps({"pid": os.getpid(), "listen": listen}).encode(), 0)
        os.fsync(self._fd)

    def release(self) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def holder(self) -> EngineInfo | None:
        """Who runs the engine now, or None if nobody does."""
        if not self.path.exists():
            return None
        fd = os.open(self.path, os.O_RDONLY)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                try:
                    data = json.loads(self.path.read_text() or "{}")
                    return EngineInfo(int(data.get("pid", 0)), str(data.get("listen", "")))
                except (ValueError, OSError):
                    return EngineInfo(0, "")
            fcntl.flock(fd, fcntl.LOCK_UN)
            return None
        finally:
            os.close(fd)
