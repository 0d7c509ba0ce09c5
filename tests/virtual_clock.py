"""A clock for tests that skips the waiting: once every task of the event loop is asleep on
it, it moves straight to the earliest moment one of them waits for and wakes that one.

A task that waits on anything else (a commit on the writer's thread, a read, a send) is
awake as far as the clock is concerned, so the clock never moves while real I/O is under
way: it only decides what time it is. A task awaiting other tasks (a gather) is awake too,
so a test waits on the clock itself. A test may also move it by hand (`step`, `set`), or
wait for the engine to finish what is due now (`settle`).
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass

from beatwatch.engine.clock import Alarm


@dataclass
class _Sleep:
    until: float | None
    order: int
    woken: asyncio.Future[bool]


class VirtualClock:
    def __init__(self, start: float) -> None:
        self._now = start
        self._ticks = 0.0  # monotonic: moves forward only
        self._asleep: dict[asyncio.Task[object], _Sleep] = {}
        self._idle: set[asyncio.Task[object]] = set()  # waiting on real time
        self._settling: dict[asyncio.Task[object], asyncio.Future[None]] = {}
        self._watched: set[asyncio.Task[object]] = set()
        self._order = itertools.count()
        self._look_scheduled = False

    # -- the Clock protocol ----------------------------------------------------------------

    def now(self) -> float:
        return self._now

    def monotonic(self) -> float:
        return self._ticks

    async def sleep_until(self, moment: float) -> None:
        await VirtualAlarm(self).wait(moment)

    async def idle(self, seconds: float) -> None:
        task = _current()
        self._idle.add(task)
        self._look_soon()
        try:
            await asyncio.sleep(seconds)
        finally:
            self._idle.discard(task)

    def alarm(self) -> Alarm:
        return VirtualAlarm(self)

    # -- by hand ---------------------------------------------------------------------------

    def set(self, moment: float) -> None:
        """Move to `moment` (back, too: a stepped wall clock) and wake whoever it is due."""
        self._ticks += max(0.0, moment - self._now)
        self._now = moment
        self._wake_due()

    def step(self, seconds: float) -> None:
        self.set(self._now + seconds)

    async def settle(self) -> None:
        """Return once every other task is asleep: what was due by now has been done."""
        task = _current()
        settled = self._settling[task] = asyncio.get_running_loop().create_future()
        self._look_soon()
        try:
            await settled
        finally:
            self._settling.pop(task, None)

    # -- moving on -------------------------------------------------------------------------

    def _sleep(self, task: asyncio.Task[object], until: float | None) -> _Sleep:
        sleep = _Sleep(until, next(self._order), asyncio.get_running_loop().create_future())
        self._asleep[task] = sleep
        self._look_soon()
        return sleep

    def _wake(self, task: asyncio.Task[object], rung: bool) -> None:
        sleep = self._asleep.pop(task, None)
        if sleep is not None and not sleep.woken.done():
            sleep.woken.set_result(rung)
        # Awake now: it will sleep again, which looks around, or end, which must too.
        self._watch(task)

    def _watch(self, task: asyncio.Task[object]) -> None:
        if task not in self._watched:
            self._watched.add(task)
            task.add_done_callback(self._awake_task_done)

    def _sleeping(self, task: asyncio.Task[object]) -> bool:
        return task.done() or task in self._asleep or task in self._idle or task in self._settling

    def _look_soon(self) -> None:
        if not self._look_scheduled:
            self._look_scheduled = True
            asyncio.get_running_loop().call_soon(self._look)

    def _look(self) -> None:
        self._look_scheduled = False
        awake = [t for t in asyncio.all_tasks() if not self._sleeping(t)]
        if awake:
            for task in awake:
                self._watch(task)
            return
        if self._settling:
            # Everything due by now is done: the settling tasks go on before time moves.
            for future in self._settling.values():
                if not future.done():
                    future.set_result(None)
            self._settling.clear()
            return
        deadlines = [s.until for s in self._asleep.values() if s.until is not None]
        if deadlines:
            self.set(max(self._now, min(deadlines)))

    def _awake_task_done(self, task: asyncio.Task[object]) -> None:
        self._watched.discard(task)
        self._look_soon()

    def _wake_due(self) -> None:
        due = sorted(
            (s.until, s.order, task)
            for task, s in self._asleep.items()
            if s.until is not None and s.until <= self._now
        )
        for _, _, task in due:
            self._wake(task, rung=False)


class VirtualAlarm:
    def __init__(self, clock: VirtualClock) -> None:
        self._clock = clock
        self._rung = False
        self._waiter: asyncio.Task[object] | None = None

    def ring(self) -> None:
        if self._waiter is not None:
            # Woken at once, so the clock counts the waiter awake from this moment.
            self._clock._wake(self._waiter, rung=True)
            self._waiter = None
        else:
            self._rung = True

    async def wait(self, until: float | None) -> bool:
        if self._rung:
            self._rung = False
            return True
        if until is not None and until <= self._clock.now():
            return False
        task = _current()
        self._waiter = task
        sleep = self._clock._sleep(task, until)
        try:
            return await sleep.woken
        finally:
            self._waiter = None
            self._clock._asleep.pop(task, None)


def _current() -> asyncio.Task[object]:
    task = asyncio.current_task()
    assert task is not None, "the virtual clock is waited on from a task"
    return task
