"""Alert texts say when the missing run was due, whatever stamped the change; storm digests
say what they hold."""

from __future__ import annotations

import pytest

from beatwatch.core.alert_text import digest, why
from beatwatch.core.model import Check, PingKind, Schedule, State
from beatwatch.core.timefmt import long_time

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
    assert f"was due by {long_time(due)}" in why(missed_check(due + GRACE), None, NOW)


def test_a_missed_alert_names_the_due_time_when_an_edit_caused_it() -> None:
    due = NOW - 10_000 + EVERY
    assert f"was due by {long_time(due)}" in why(missed_check(NOW), None, NOW)


def test_a_reason_keeps_no_relative_time_that_would_go_stale() -> None:
    # Reminders repeat the reason hours later; "(45s ago)" would then be a lie.
    reason = why(missed_check(NOW), None, NOW)
    assert "ago" not in reason and "just now" not in reason
    assert long_time(NOW - 10_000) in reason


@pytest.mark.parametrize(
    ("kinds", "title"),
    [
        (["alert"], "Alert storm: 1 more check went bad"),
        (["alert", "alert", "recovery"], "Alert storm: 2 more checks went bad, 1 recovered"),
        (["recovery"], "Mass recovery: 1 more check is back"),
        (["recovery", "recovery"], "Mass recovery: 2 more checks are back"),
    ],
)
def test_a_digest_title_counts_what_went_bad_and_what_came_back(
    kinds: list[str], title: str
) -> None:
    held = [
        (kind, f"job-{n} is {'UP again' if kind == 'recovery' else 'MISSED'}")
        for n, kind in enumerate(kinds)
    ]
    shown_title, body = digest(held)
    assert shown_title == title
    assert all(f"- {line}" in body for _, line in held)
