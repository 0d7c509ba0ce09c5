"""The clocks the engine waits on: the wall clock's alarm wakes on a ring or at its moment;
the virtual clock skips the waiting, but never while a task waits on real I/O."""

from __future__ import annotations

import asyncio
import threading

from beatwatch.engine.clock import WALL_CLOCK
from tests.virtual_clock import VirtualClock

START = 1_800_000_000.0


async def test_the_wall_alarm_wakes_when_rung_and_when_its_moment_comes() -> None:
    alarm = WALL_CLOCK.alarm()
    alarm.ring()  # a ring before the wait is kept for it
    assert await alarm.wait(WALL_CLOCK.now() + 60) is True
    assert await alarm.wait(WALL_CLOCK.now() + 0.05) is False
    asyncio.get_running_loop().call_later(0.05, alarm.ring)
    assert await alarm.wait(None) is True


async def test_the_virtual_clock_jumps_to_each_deadline_in_turn() -> None:
    clock = VirtualClock(START)
    woke: list[tuple[str, float]] = []

    async def sleeper(name: str, seconds: float) -> None:
        await clock.sleep_until(START + seconds)
        woke.append((name, clock.now()))

    sleepers = [
        asyncio.create_task(sleeper(name, seconds))
        for name, seconds in (("hour", 3600), ("day", 86400), ("minute", 60))
    ]
    # The test's own task sleeps on the clock too: a task awaiting others counts as awake.
    await clock.sleep_until(START + 86400 + 1)
    assert woke == [("minute", START + 60), ("hour", START + 3600), ("day", START + 86400)]
    assert all(task.done() for task in sleepers)


async def test_the_virtual_clock_waits_for_a_task_doing_real_io() -> None:
    clock = VirtualClock(START)
    released = threading.Event()
    seen: list[float] = []

    async def writer() -> None:
        await asyncio.to_thread(released.wait, 5)  # a commit on another thread
        seen.append(clock.now())

    writing = asyncio.create_task(writer())
    threading.Timer(0.2, released.set).start()
    await clock.sleep_until(START + 3600)
    assert seen == [START], "the clock moved while a task waited on a thread"
    assert clock.now() == START + 3600 and writing.done()


async def test_a_rung_virtual_alarm_wakes_before_its_moment() -> None:
    clock = VirtualClock(START)
    alarm = clock.alarm()

    async def ring_soon() -> None:
        await clock.sleep_until(START + 5)
        alarm.ring()

    ringer = asyncio.create_task(ring_soon())
    assert await alarm.wait(START + 3600) is True
    assert clock.now() == START + 5
    await ringer
