"""Log lines held back while a batch's jobs run, until it is known whether their work stays.

A batch whose jobs run together is undone and run again when one of them fails; the lines
its jobs logged on the way describe work that was never stored, and running them again
logs them a second time. So they are held, and dropped with the work they describe.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class HeldLogs(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self._thread = threading.get_ident()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def drop_own(self) -> None:
        """Forget what this thread logged; lines from other threads still go out."""
        self.records = [r for r in self.records if r.thread != self._thread]


@contextmanager
def held_logs(name: str = "beatwatch") -> Iterator[HeldLogs]:
    """Hold every line logged under `name` until the block ends, then let them go out."""
    logger = logging.getLogger(name)
    held = HeldLogs()
    handlers, propagate = logger.handlers, logger.propagate
    logger.handlers, logger.propagate = [held], False
    try:
        yield held
    finally:
        logger.handlers, logger.propagate = handlers, propagate
        for record in held.records:
            logger.handle(record)
