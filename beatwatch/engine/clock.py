"""Time as an input: the one place the engine learns what time it is and waits for a moment.

Every part of the engine (the receiver, ingest, the evaluator, the dispatcher, incidents,
maintenance, pauses, rate limits, pruning, the self-ping) takes its time from a Clock handed
to the Service, and waits on it. Production runs on the wall clock; a test can hand in a
clock of its own and run weeks of schedules in seconds. Waiting on real I/O (a commit's
fsync, a read, a send) still takes real time whatever the clock: a clock only decides what
time it is.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Protocol

# The longest single wait on the wall clock, so a stepped clock (NTP catching up, a VM
# resumed, `date -s`) is noticed within this long.
STEP_NOTICED_WITHIN = 0.5


class Alarm(Protocol):
    """A waiter's wake-up: rung by whoever has news (a ping, an edit), or by the clock."""

    def ring(self) -> None:
        """Wake the waiter now (or at once when it next waits)."""

    async def wait(self, until: float | None) -> bool:
        """Wait until rung (True) or until the clock reaches `until` (False); None: until
        rung. A ring is used up by the wait that sees it."""


class Clock(Protocol):
    def now(self) -> float:
        """Epoch seconds, UTC."""

    def monotonic(self) -> float:
        """Seconds that never go back, for rates: a stepped wall clock neither blocks nor
        frees anyone."""

    async def sleep_until(self, moment: float) -> None:
        """Return once now() has reached `moment`."""

    async def idle(self, seconds: float) -> None:
        """Wait `seconds` of real time, whatever the clock says: for watching what other
        processes write, which happens in real time."""

    def alarm(self) -> Alarm: ...


class WallClock:
    def now(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep_until(self, moment: float) -> None:
        await self.alarm().wait(moment)

    async def idle(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    def alarm(self) -> Alarm:
        return WallAlarm()


class WallAlarm:
    def __init__(self) -> None:
        self._rung = asyncio.Event()

    def ring(self) -> None:
        self._rung.set()

    async def wait(self, until: float | None) -> bool:
        while not self._rung.is_set():
            delay = None
            if until is not None:
                left = until - time.time()
                if left <= 0:
                    return False
                delay = min(left, STEP_NOTICED_WITHIN)
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for swallows a cancel that
            # lands just as the event is set, and the engine would never stop.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self._rung.wait()
        self._rung.clear()
        return True


WALL_CLOCK: Clock = WallClock()
