"""The deadline-driven loop: sleeps until the earliest next_change_at, never scans all checks.

It wakes early when poked: by a ping or an edit in this process, or by the service when
another process (the command line) has committed something, which may bring a deadline
forward.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

from beatwatch.core.model import Check, Transition
from beatwatch.engine.clock import WALL_CLOCK, Clock
from beatwatch.engine.duties import Duties
from beatwatch.engine.transitions import settle
from beatwatch.store import database
from beatwatch.store.connection import Connection
from beatwatch.store.database import Store
from beatwatch.store.node_rows import EVALUATE, DutyLost

log = logging.getLogger("beatwatch.evaluator")

# Checks settled per writer job: a job runs on the event loop's thread, so a pass over many
# due checks is cut into jobs of a few milliseconds each.
BATCH = 200

Settled = list[tuple[Check, Transition | None]]


def evaluate_due(
    conn: Connection, now: float, limit: int, fence: Callable[[Connection], None] | None = None
) -> Settled:
    """Writer job: settle every check whose next change is due (after `fence`, which raises
    if this node no longer holds the duty)."""
    if fence is not None:
        fence(conn)
    return [
        settle(conn, check, now, clock_driven=True, stored=check)
        for check in database.load_due_checks(conn, now, limit)
    ]


class Evaluator:
    def __init__(
        self,
        db: Store,
        on_settled: Callable[[Settled], None],
        clock: Clock = WALL_CLOCK,
    ) -> None:
        self._db = db
        self._on_settled = on_settled
        self._clock = clock
        self._alarm = clock.alarm()
        # The deadline the loop sleeps towards (None: nothing scheduled).
        self._earliest: float | None = None
        self.last_pass_at: float | None = None
        # When the pass under way began (monotonic; None while the loop waits): how the
        # self-ping tells a wedged evaluator from an idle one.
        self._pass_began: float | None = None
        # Where nodes share a database, the duty this loop acts under (None: always acts).
        self.duties: Duties | None = None

    def poke(self) -> None:
        self._alarm.ring()

    def reschedule(self, next_change_at: float | None) -> None:
        """A check's next change moved to `next_change_at`: wake only if that is sooner than
        what the loop sleeps towards (a ping usually moves a deadline later)."""
        if next_change_at is not None and (
            self._earliest is None or next_change_at < self._earliest
        ):
            self._alarm.ring()

    def busy_for(self) -> float:
        """How long the pass under way has been going; 0 while the loop waits."""
        if self._pass_began is None:
            return 0.0
        return self._clock.monotonic() - self._pass_began

    async def run(self) -> None:
        while True:
            self._pass_began = self._clock.monotonic()
            await self.run_pass()
            self._pass_began = None
            await self._alarm.wait(self._earliest)

    async def run_pass(self) -> int:
        """Settle everything due now; returns how many checks were looked at.

        Nothing due means no write. The writes are quiet: the loop that made them need not
        be woken by them, and on_settled tells the rest of the engine what changed."""
        total = 0
        while True:
            now = self._clock.now()
            fence = self.duties.fence(EVALUATE) if self.duties is not None else None
            if self.duties is not None and fence is None:
                # Another node evaluates; this loop waits to be poked when the duty is its.
                self._earliest = None
                self.last_pass_at = now
                return total
            earliest = self._earliest = await self._db.earliest_change()
            if earliest is None or earliest > now:
                self.last_pass_at = now
                return total
            try:
                settled = await self._db.write(
                    partial(evaluate_due, now=now, limit=BATCH, fence=fence), quiet=True
                )
            except DutyLost:
                assert self.duties is not None
                self.duties.lost(EVALUATE)
                continue
            total += len(settled)
            if settled:
                self._on_settled(settled)
