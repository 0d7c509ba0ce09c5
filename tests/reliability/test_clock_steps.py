"""A stepped wall clock (NTP catching up, a VM resumed, an admin's `date -s`) must not spray
alerts: a jump forward makes at most the one transition the rules give for the new time,
stamped with its due time, and a jump back re-alerts nothing.

The evaluator runs its real loop over a real database, on a clock in the test's hand.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from beatwatch.config import Settings
from beatwatch.core.model import Check, PingKind, PingRequest, State
from beatwatch.core.validation import CheckSpec
from beatwatch.service.service import Service
from tests.virtual_clock import VirtualClock

HOUR = 3600
GRACE = HOUR // 2
MINUTE = 60


@dataclass
class Rig:
    service: Service
    clock: VirtualClock
    check: Check

    async def step(self, seconds: float) -> None:
        """Step the clock, as NTP or `date -s` would, and let the evaluator look at it."""
        self.clock.step(seconds)
        self.service.evaluator.poke()
        await self.clock.settle()

    async def moves(self) -> list[tuple[State, State]]:
        transitions = reversed(await self.service.transitions(self.check.slug))
        return [(t.from_state, t.to_state) for t in transitions]

    async def alerts_queued(self) -> int:
        return sum((await self.service.store.outbox_counts()).values())


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    clock = VirtualClock(time.time())
    settings = Settings(data_dir=tmp_path, listen_host="127.0.0.1")
    service = await Service.open(settings, clock=clock)
    # Nothing delivers in this test: the outbox rows are what is counted.
    await service.alerts.add_channel("ops", "json://127.0.0.1:9/hook", is_default=True)
    check = await service.add_check(
        CheckSpec(name="backup", every_seconds=HOUR, grace_seconds=GRACE)
    )
    await service.record_ping(PingRequest(kind=PingKind.SUCCESS, uuid=check.uuid, at=clock.now()))
    loop = asyncio.create_task(service.evaluator.run())
    rig = Rig(service, clock, check)
    await clock.settle()
    yield rig
    loop.cancel()
    await asyncio.gather(loop, return_exceptions=True)
    await service.close()


async def test_a_jump_forward_within_the_interval_changes_nothing(rig: Rig) -> None:
    await rig.step(10 * MINUTE)
    assert await rig.moves() == [(State.NEW, State.UP)]
    assert await rig.alerts_queued() == 0


async def test_a_jump_over_the_deadline_alerts_once_and_a_jump_back_not_again(rig: Rig) -> None:
    stored = await rig.service.get_check(rig.check.slug)
    assert stored.last_finish_at is not None
    # The schedule runs from the later of the ping and the check's creation (on the real clock).
    anchor = max(stored.last_finish_at, stored.clock_start)
    await rig.step(HOUR + 25 * MINUTE)  # late, five minutes short of missed
    assert await rig.moves() == [(State.NEW, State.UP), (State.UP, State.LATE)]
    assert await rig.alerts_queued() == 0

    await rig.step(10 * MINUTE)  # the clock jumps over the missed deadline
    assert (await rig.moves())[2:] == [(State.LATE, State.MISSED)]
    missed = (await rig.service.transitions(rig.check.slug))[0]
    due_time = anchor + HOUR + GRACE
    assert missed.at == pytest.approx(due_time, abs=1e-3), "stamped with its due time"
    assert await rig.alerts_queued() == 1

    await rig.step(10 * HOUR)  # ten more cycles in one jump
    await rig.step(-12 * HOUR)  # and back to before the last ping
    await rig.step(12 * HOUR)  # and forward again
    assert len(await rig.moves()) == 3, "no transition per cycle, none for going back"
    assert await rig.alerts_queued() == 1
    assert (await rig.service.get_check(rig.check.slug)).state is State.MISSED


async def test_a_jump_back_on_a_healthy_check_queues_nothing_and_it_is_still_watched(
    rig: Rig,
) -> None:
    await rig.step(-6 * HOUR)
    assert await rig.alerts_queued() == 0
    await rig.step(6 * HOUR + HOUR + GRACE + MINUTE)  # back, and past the real deadline
    assert await rig.moves() == [(State.NEW, State.UP), (State.UP, State.MISSED)]
    assert await rig.alerts_queued() == 1


async def test_a_run_across_a_jump_back_never_lasts_less_than_nothing(rig: Rig) -> None:
    uuid = rig.check.uuid
    await rig.service.record_ping(PingRequest(kind=PingKind.START, uuid=uuid, at=rig.clock.now()))
    await rig.step(-10 * MINUTE)
    finish = PingRequest(kind=PingKind.SUCCESS, uuid=uuid, at=rig.clock.now())
    outcome = await rig.service.record_ping(finish)
    assert outcome.ping is not None and outcome.ping.duration == 0.0
