"""The deadline-driven loop: sleeps until the earliest next_change_at, never scans all checks.

It wakes early when poked (a ping or an edit in this process), and reads the earliest
deadline again at every WATCH_INTERVAL, which is how an edit by another process (the command
line) that brings a deadline forward is noticed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from collections.abc import Callable

from beatwatch.core.model import Check, Transition
from beatwatch.engine.transitions import settle
from beatwatch.store import database
from beatwatch.store.database import Store

log = logging.getLogger("beatwatch.evaluator")

# Checks settled per writer job: a job runs on the event loop's thread, so a pass over many
# due checks is cut into jobs of a few milliseconds each.
BATCH = 200
# How often other processes' writes are looked for, and the longest single sleep (so a
# stepped wall clock is noticed promptly).
WATCH_INTERVAL = 0.5

Settled = list[tuple[Check, Transition | None]]


def evaluate_due(conn: sqlite3.Connection, now: float, limit: int) -> Settled:
    """Writer job: settle every check whose next change is due."""
    return [
        settle(conn, check, now, clock_driven=True, stored=check)
        for check in database.load_due_checks(conn, now, limit)
    ]


class Evaluator:
    def __init__(
        self,
        db: Store,
        on_settled: Callable[[Settled], None],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._db = db
        self._on_settled = on_settled
        self._clock = clock
        self._wake = asyncio.Event()
        # The deadline the loop sleeps towards (None: nothing scheduled).
        self._earliest: float | None = None
        self.last_pass_at: float | None = None
        # Monotonic time of the loop's latest turn: how the self-ping knows it is healthy.
        self.alive_at: float | None = None

    def poke(self) -> None:
        self._wake.set()

    def reschedule(self, next_change_at: float | None) -> None:
        """A check's next change moved to `next_change_at`: wake only if that is sooner than
        what the loop sleeps towards (a ping usually moves a deadline later)."""
        if next_change_at is not None and (
            self._earliest is None or next_change_at < self._earliest
        ):
            self._wake.set()

    async def run(self) -> None:
        while True:
            self.alive_at = time.monotonic()
            await self.run_pass()
            earliest = self._earliest
            while earliest is None or earliest > self._clock():
                self.alive_at = time.monotonic()
                delay = WATCH_INTERVAL
                if earliest is not None:
                    delay = min(delay, max(0.0, earliest - self._clock()))
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for swallows a cancel
                # that lands just as the event is set, and the engine would never stop.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(delay):
                        await self._wake.wait()
                if self._wake.is_set():
                    self._wake.clear()
                    break
                # Another process (the command line) may have brought a deadline forward.
                earliest = self._earliest = await self._db.earliest_change()

    async def run_pass(self) -> int:
        """Settle everything due now; returns how many checks were looked at.

        Nothing due means no write. The writes are quiet: the loop that made them need not
        be woken by them, and on_settled tells the rest of the engine what changed."""
        total = 0
        while True:
            now = self._clock()
            earliest = self._earliest = await self._db.earliest_change()
            if earliest is None or earliest > now:
                self.last_pass_at = now
                return total
            settled = await self._db.write(
                lambda conn, now=now: evaluate_due(conn, now, BATCH), quiet=True
            )
            total += len(settled)
            if settled:
                self._on_settled(settled)
