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
    """One for the writer, used by every batch: a handler is slow to make (a lock, and a
    place in logging's own list), and a batch is made for every few pings."""

    def __init__(self, name: str = "beatwatch") -> None:
        super().__init__()
        self._logger = logging.getLogger(name)
        self._thread = threading.get_ident()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def drop_own(self) -> None:
        """Forget what this thread logged; lines from other threads still go out."""
        self.records = [r for r in self.records if r.thread != self._thread]

    @contextmanager
    def holding(self) -> Iterator[None]:
        """Hold every line logged under the name until the block ends, then let them go."""
        logger = self._logger
        handlers, propagate = logger.handlers, logger.propagate
        logger.handlers, logger.propagate = [self], False
        self._thread = threading.get_ident()
        try:
            yield
        finally:
            logger.handlers, logger.propagate = handlers, propagate
            records, self.records = self.records, []
            for record in records:
                logger.handle(record)
