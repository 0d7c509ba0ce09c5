"""Due times for cron checks: local time in the check's zone across DST, the tolerance for a
ping a little early for its slot, and stuck for a cron check."""

from __future__ import annotations

import pytest

from beatwatch.core.model import PingKind, Schedule, State
from beatwatch.core.rules import Evaluation, evaluate
from beatwatch.core.schedule import due_after, next_slot
from tests.unit.factory import GRACE, HOUR, MINUTE, cron, every, finished, make_check, utc


def runs(schedule: Schedule, after: float, count: int) -> list[float]:
    """Successive due times of a job that finishes exactly when it is due."""
    due: list[float] = []
    t = after
    for _ in range(count):
        t = due_after(schedule, GRACE, t)
        due.append(t)
    return due


def test_interval_due_time_is_the_last_event_plus_the_interval() -> None:
    assert due_after(every(600), GRACE, 1000.0) == 1600.0


@pytest.mark.parametrize(
    ("schedule", "after", "expected"),
    [
        pytest.param(
            # 2025-03-30 03:00 EET jumps to 04:00 EEST: 03:30 does not exist that day, and
            # the job runs at 04:00 local instead of being skipped.
            cron("30 3 * * *", "Europe/Riga"),
            utc(2025, 3, 28, 12),
            [utc(2025, 3, 29, 1, 30), utc(2025, 3, 30, 1), utc(2025, 3, 31, 0, 30)],
            id="riga-spring-forward",
        ),
        pytest.param(
            # 2025-10-26 04:00 EEST falls back to 03:00 EET: 03:30 happens twice, runs once.
            cron("30 3 * * *", "Europe/Riga"),
            utc(2025, 10, 25, 12),
            [utc(2025, 10, 26, 0, 30), utc(2025, 10, 27, 1, 30)],
            id="riga-fall-back",
        ),
        pytest.param(
            # 2025-03-09 02:00 EST jumps to 03:00 EDT: the 02:30 run moves to 03:00 EDT.
            cron("30 2 * * *", "America/New_York"),
            utc(2025, 3, 8, 12),
            [utc(2025, 3, 9, 7), utc(2025, 3, 10, 6, 30)],
            id="new-york-spring-forward",
        ),
        pytest.param(
            # 2025-11-02 02:00 EDT falls back to 01:00 EST: 01:30 happens twice, runs once.
            cron("30 1 * * *", "America/New_York"),
            utc(2025, 11, 1, 12),
            [utc(2025, 11, 2, 5, 30), utc(2025, 11, 3, 6, 30)],
            id="new-york-fall-back",
        ),
        pytest.param(
            # An hourly job runs in both passes of the repeated hour: every real hour.
            cron("0 * * * *", "America/New_York"),
            utc(2025, 11, 2, 4, 30),
            [utc(2025, 11, 2, 5), utc(2025, 11, 2, 6), utc(2025, 11, 2, 7)],
            id="new-york-hourly-through-fall-back",
        ),
    ],
)
def test_cron_due_times_across_dst(schedule: Schedule, after: float, expected: list[float]) -> None:
    assert runs(schedule, after, len(expected)) == expected


@pytest.mark.parametrize("expr", ["30 1 * * *", "30,45 1 * * *", "30 1,3 * * *", "15 * * * *"])
@pytest.mark.parametrize("minute", [0, 5, 35, 59])
def test_next_slot_is_after_an_anchor_in_the_repeated_hour(expr: str, minute: int) -> None:
    # 06:xx UTC on 2025-11-02 is the second 01:xx in New York.
    anchor = utc(2025, 11, 2, 6, minute)
    schedule = cron(expr, "America/New_York")

    assert next_slot(schedule, anchor) > anchor
    assert due_after(schedule, GRACE, anchor) > anchor


def test_a_success_in_the_repeated_hour_is_not_missed_at_once() -> None:
    finish = utc(2025, 11, 2, 6, 5)
    check = make_check(
        cron("30,45 1 * * *", "America/New_York"), created_at=finish - 86400, **finished(finish)
    )

    assert evaluate(check, finish + 1) == Evaluation(State.UP, finish, utc(2025, 11, 3, 6, 30))


DAILY_3AM = cron("0 3 * * *")
SLOT = utc(2026, 1, 6, 3)
NEXT_DAY_SLOT = SLOT + 86400


@pytest.mark.parametrize("early_by", [1, 5, GRACE])
@pytest.mark.parametrize("kind", [PingKind.SUCCESS, PingKind.FAIL])
def test_a_ping_a_little_early_counts_for_its_slot(early_by: int, kind: PingKind) -> None:
    ping = SLOT - early_by
    check = make_check(DAILY_3AM, **finished(ping, kind))

    assert due_after(DAILY_3AM, GRACE, ping) == NEXT_DAY_SLOT
    for now in (SLOT, SLOT + GRACE, SLOT + 3600):
        assert evaluate(check, now).state is (
            State.UP if kind is PingKind.SUCCESS else State.FAILING
        )


def test_a_ping_early_by_more_than_the_grace_does_not_count() -> None:
    ping = SLOT - GRACE - 1
    check = make_check(DAILY_3AM, **finished(ping))

    assert due_after(DAILY_3AM, GRACE, ping) == SLOT
    assert evaluate(check, SLOT + 1) == Evaluation(State.LATE, SLOT, SLOT + GRACE)
    assert evaluate(check, SLOT + GRACE) == Evaluation(State.MISSED, SLOT + GRACE, None)


@pytest.mark.parametrize(
    ("early_by", "due"),
    [
        pytest.param(20, 2 * MINUTE, id="inside-half-the-gap"),
        pytest.param(30, 2 * MINUTE, id="exactly-half-the-gap"),
        pytest.param(31, MINUTE, id="beyond-half-the-gap"),
    ],
)
def test_the_tolerance_never_exceeds_half_the_gap_to_the_following_slot(
    early_by: int, due: int
) -> None:
    # A minutely job with 5 minutes of grace: a long grace must not let a run be skipped.
    minute_start = utc(2026, 1, 6, 12)
    ping = minute_start + MINUTE - early_by

    assert due_after(cron("* * * * *"), GRACE, ping) == minute_start + due


HOURLY_CRON = cron("0 * * * *")
TEN = utc(2026, 1, 6, 10)


@pytest.mark.parametrize(
    ("started", "finish", "due"),
    [
        pytest.param(TEN, TEN + 56 * MINUTE, TEN + HOUR, id="ends-just-before-next-slot"),
        pytest.param(TEN, TEN + 90 * MINUTE, TEN + 2 * HOUR, id="overran-the-next-slot"),
        pytest.param(TEN - 3, TEN - 1, TEN + HOUR, id="whole-run-early-by-clock-skew"),
        pytest.param(TEN + 5, TEN + 10 * MINUTE, TEN + HOUR, id="ordinary-run"),
    ],
)
def test_a_finish_with_a_known_start_counts_for_its_starts_slot(
    started: float, finish: float, due: float
) -> None:
    assert due_after(HOURLY_CRON, GRACE, finish, started) == due


def test_a_run_ending_just_before_its_next_slot_does_not_cover_that_slot() -> None:
    # Hourly, 56 minutes a run: when the 11:00 run never starts, missed at 11:05, not 12:05.
    finish = TEN + 56 * MINUTE
    check = make_check(
        HOURLY_CRON, created_at=TEN - HOUR, **finished(finish), last_duration=finish - TEN
    )

    assert evaluate(check, TEN + HOUR + GRACE).state is State.MISSED


def test_stuck_for_cron_is_the_first_slot_after_the_start_plus_grace() -> None:
    started = SLOT + 10
    check = make_check(DAILY_3AM, run_started_at=started, max_duration_seconds=2 * 3600)
    stuck_at = NEXT_DAY_SLOT + GRACE

    assert evaluate(check, stuck_at - 1) == Evaluation(State.RUNNING_LONG, started + 7200, stuck_at)
    assert evaluate(check, stuck_at) == Evaluation(State.STUCK, stuck_at, None)


def test_cron_missed_is_the_first_slot_after_creation_plus_grace() -> None:
    created = SLOT - 3600
    check = make_check(DAILY_3AM, created_at=created)

    assert evaluate(check, SLOT - 1) == Evaluation(State.NEW, created, SLOT)
    assert evaluate(check, SLOT) == Evaluation(State.LATE, SLOT, SLOT + GRACE)
    assert evaluate(check, SLOT + GRACE) == Evaluation(State.MISSED, SLOT + GRACE, None)


def test_a_check_created_just_before_a_slot_is_due_at_that_slot() -> None:
    # Only a ping a little early counts for the slot ahead: a new check has had no run yet.
    created = SLOT - 60
    check = make_check(DAILY_3AM, created_at=created)

    assert evaluate(check, SLOT - 1) == Evaluation(State.NEW, created, SLOT)
    assert evaluate(check, SLOT + GRACE) == Evaluation(State.MISSED, SLOT + GRACE, None)


def test_cron_in_a_zone_compares_local_slots_in_utc() -> None:
    # 03:00 in Riga in January is 01:00 UTC.
    check = make_check(cron("0 3 * * *", "Europe/Riga"), created_at=utc(2026, 1, 5, 12))

    assert evaluate(check, utc(2026, 1, 5, 13)).next_change_at == utc(2026, 1, 6, 1)
