"""The evaluator on a running engine: it acts at a check's due time (stamping the transition
with that time), catches up once after downtime, and notices other processes' writes. Every
transition is published, those a pause, a resume or an edit makes too."""

from __future__ import annotations

import time
from collections.abc import Callable

import aiohttp
import pytest

from beatwatch.config import Settings
from beatwatch.core.model import PingKind, PingRequest, State, Transition
from beatwatch.core.validation import CheckSpec
from beatwatch.engine.events import Event, EventBus, StateChanged
from beatwatch.runtime import start_engine
from beatwatch.service.service import Service
from tests.conftest import running_engine, wait_for
from tests.engine.conftest import sender, shift_into_past

INTERVAL = 30
GRACE = 15  # the default: half of a 30 s interval


def record_state_changes(events: EventBus) -> list[tuple[float, Transition]]:
    """Each transition the engine publishes, with the wall-clock time it was published."""
    seen: list[tuple[float, Transition]] = []

    def listener(event: Event) -> None:
        if isinstance(event, StateChanged):
            seen.append((time.time(), event.transition))

    events.subscribe(listener)
    return seen


def moves(transitions: list[Transition]) -> list[tuple[State, State]]:
    return [(t.from_state, t.to_state) for t in transitions]


def is_in_state(service: Service, slug: str, state: State) -> Callable[[], object]:
    async def check() -> bool:
        return (await service.get_check(slug)).state is state

    return check


async def test_a_deadline_passed_while_stopped_is_settled_once_at_start(
    settings: Settings, http: aiohttp.ClientSession
) -> None:
    async with running_engine(settings) as first:
        check = await first.add_check(CheckSpec(name="sync", every_seconds=INTERVAL))
        await sender(first, http)(f"/ping/{check.uuid}")
        store = first.store
    downtime = 3600  # 120 intervals
    shift_into_past(store, check.id, downtime)

    async with running_engine(settings) as second:
        await wait_for(is_in_state(second, check.slug, State.MISSED), what="missed")
        stored = await second.get_check(check.slug)
        missed, up = await second.transitions(check.slug)
        assert moves([up, missed]) == [(State.NEW, State.UP), (State.UP, State.MISSED)]
        assert stored.last_finish_at is not None
        assert missed.at == pytest.approx(stored.last_finish_at + INTERVAL + GRACE, abs=1e-3)
        assert stored.next_change_at is None

        assert await second.evaluator.run_pass() == 0
        assert len(await second.transitions(check.slug)) == 2


async def test_the_evaluator_acts_within_a_second_of_the_due_time(settings: Settings) -> None:
    service = await Service.open(settings)
    try:
        check = await service.add_check(CheckSpec(name="sync", every_seconds=INTERVAL))
        shift_into_past(service.store, check.id, INTERVAL - 1)  # due in about 1 s
        due = check.clock_start - (INTERVAL - 1) + INTERVAL
        seen = record_state_changes(service.events)

        await start_engine(service)
        await wait_for(lambda: seen, what="the late transition")

        [(published_at, transition)] = seen
        assert moves([transition]) == [(State.NEW, State.LATE)]
        assert transition.at == pytest.approx(due, abs=1e-3)
        assert due <= published_at < due + 1.0
    finally:
        await service.close()


async def test_a_change_by_another_process_reaches_the_engine_within_a_second(
    engine: Service, settings: Settings
) -> None:
    check = await engine.add_check(CheckSpec(name="sync", every_seconds=3600))
    seen = record_state_changes(engine.events)

    other = await Service.open(settings)  # the command line, say: no engine of its own
    try:
        until = time.time() + 1.0
        await other.pause_check(check.slug, until)
    finally:
        await other.close()
    await wait_for(lambda: seen, what="the end of the pause")

    [(published_at, transition)] = seen
    assert moves([transition]) == [(State.PAUSED, State.NEW)]
    assert transition.at == pytest.approx(until, abs=1e-3)
    assert until <= published_at < until + 1.0


async def test_a_pause_a_resume_and_an_edit_publish_their_transitions(engine: Service) -> None:
    check = await engine.add_check(CheckSpec(name="sync", every_seconds=3600))
    started = PingRequest(PingKind.START, uuid=check.uuid, at=time.time() - 120)
    await engine.record_ping(started)
    seen = record_state_changes(engine.events)

    await engine.pause_check(check.slug)
    await engine.resume_check(check.slug)
    await engine.record_ping(started)
    await engine.update_check(check.slug, max_duration_seconds=60)

    assert moves([transition for _, transition in seen]) == [
        (State.RUNNING, State.PAUSED),
        (State.PAUSED, State.NEW),
        (State.NEW, State.RUNNING),
        (State.RUNNING, State.RUNNING_LONG),
    ]
