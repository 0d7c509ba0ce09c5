"""Alert texts say when the missing run was due, whatever stamped the change."""

from __future__ import annotations

from beatwatch.engine.messages import local_time, why
from beatwatch.engine.model import Check, PingKind, Schedule, State

NOW = 1_800_000_000.0
EVERY, GRACE = 3600, 300


def missed_check(state_since: float) -> Check:
    finished = NOW - 10_000
    return Check(
        id=1,
        uuid="0c6f4d2e-5b7a-4e1f-9a3b-2c8d7e6f5a4b",
        name="backup",
        slug="backup",
        schedule=Schedule(every_seconds=EVERY),
        grace_seconds=GRACE,
        created_at=finished - 100,
        clock_start=finished - 100,
        last_ping_at=finished,
        last_finish_at=finished,
        last_finish_kind=PingKind.SUCCESS,
        state=State.MISSED,
        state_since=state_since,
    )


def test_a_missed_alert_names_the_due_time_when_the_evaluator_stamped_it() -> None:
    due = NOW - 10_000 + EVERY
    assert f"was due by {local_time(due)}" in why(missed_check(due + GRACE), None, NOW)


def test_a_missed_alert_names_the_due_time_when_an_edit_caused_it() -> None:
    due = NOW - 10_000 + EVERY
    assert f"was due by {local_time(due)}" in why(missed_check(NOW), None, NOW)
