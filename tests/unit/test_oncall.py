"""Who is on call, worked out from a rotation, its overrides and an explicit `now`: hand-offs
on DST days, overrides over a weekend, and which escalation policy a check follows."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from beatwatch.core.escalation import (
    Policy,
    Step,
    TargetKind,
    check_steps,
    due_steps,
    next_step_at,
    parse_step,
    policy_for,
)
from beatwatch.core.model import Channel, Check, Schedule
from beatwatch.core.oncall import (
    Handoff,
    Override,
    Rotation,
    Unit,
    describe,
    handoffs,
    next_in_line,
    on_call,
    parse_every,
    shift_start,
)
from beatwatch.core.reach import AlertFacts, Reach


def utc(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def rotation(
    people: tuple[str, ...] = ("alice", "bob"),
    every: int = 1,
    unit: Unit = Unit.WEEKS,
    start: date = date(2026, 3, 22),
    minute: int = 9 * 60,
    tz: str = "Europe/Berlin",
) -> Rotation:
    return Rotation(1, "primary", people, every, unit, start, minute, tz, 0.0)


def test_a_weekly_rotation_hands_off_at_local_time_on_both_sides_of_dst() -> None:
    # Sundays 09:00 Berlin: 08:00 UTC in winter time, 07:00 UTC once summer time began
    # (the clocks went forward early on Sunday 29 March 2026).
    weekly = rotation()
    assert shift_start(weekly, 0) == utc("2026-03-22T08:00:00")
    assert shift_start(weekly, 1) == utc("2026-03-29T07:00:00")
    assert on_call(weekly, [], utc("2026-03-29T06:59:59")) == "alice"
    assert on_call(weekly, [], utc("2026-03-29T07:00:00")) == "bob"
    assert on_call(weekly, [], utc("2026-04-05T07:00:00")) == "alice"


def test_a_hand_off_the_clock_skips_happens_when_the_clock_jumps() -> None:
    # 02:30 does not exist in Berlin on 29 March 2026: the clock jumps from 02:00 to 03:00
    # (01:00 UTC). The hand-off happens then, as cron daemons run a skipped job.
    nightly = rotation(unit=Unit.DAYS, start=date(2026, 3, 27), minute=2 * 60 + 30)
    assert shift_start(nightly, 2) == utc("2026-03-29T01:00:00")
    assert on_call(nightly, [], utc("2026-03-29T00:59:59")) == "bob"
    assert on_call(nightly, [], utc("2026-03-29T01:00:00")) == "alice"
    # The next day 02:30 exists again: 00:30 UTC in summer time.
    assert shift_start(nightly, 3) == utc("2026-03-30T00:30:00")


def test_a_hand_off_at_a_time_that_happens_twice_takes_the_first() -> None:
    # On 25 October 2026 Berlin lives 02:30 twice; the hand-off is at the first (00:30 UTC).
    nightly = rotation(unit=Unit.DAYS, start=date(2026, 10, 24), minute=2 * 60 + 30)
    assert shift_start(nightly, 1) == utc("2026-10-25T00:30:00")
    assert shift_start(nightly, 2) == utc("2026-10-26T01:30:00")


def test_shifts_run_back_before_the_start_date() -> None:
    weekly = rotation(people=("alice", "bob", "carol"))
    assert on_call(weekly, [], utc("2026-03-22T07:59:59")) == "carol"
    assert next_in_line(weekly, utc("2026-03-22T07:59:59")) == "alice"


def test_an_override_over_a_weekend_and_the_hand_offs_it_makes() -> None:
    # Bob's week (from Sunday 29 March); Alice covers Friday 18:00 to Monday 09:00 Berlin.
    weekly = rotation()
    cover = Override(7, 1, "alice", utc("2026-04-03T16:00:00"), utc("2026-04-06T07:00:00"), 0.0)
    friday_noon = utc("2026-04-03T10:00:00")
    assert on_call(weekly, [cover], friday_noon) == "bob"
    # The override spans the scheduled hand-off (Sunday 5 April, 09:00) back to Alice.
    assert on_call(weekly, [cover], utc("2026-04-04T12:00:00")) == "alice"
    assert on_call(weekly, [cover], utc("2026-04-05T12:00:00")) == "alice"
    assert on_call(weekly, [cover], utc("2026-04-06T07:00:00")) == "alice"  # her own week
    assert handoffs(weekly, [cover], friday_noon, 2) == [
        Handoff(utc("2026-04-03T16:00:00"), "alice", "bob"),
        Handoff(utc("2026-04-12T07:00:00"), "bob", "alice"),
    ]


def test_an_override_inside_one_shift_hands_back_when_it_ends() -> None:
    weekly = rotation()
    cover = Override(1, 1, "carol", utc("2026-03-30T08:00:00"), utc("2026-03-30T20:00:00"), 0.0)
    assert handoffs(weekly, [cover], utc("2026-03-30T00:00:00"), 3) == [
        Handoff(utc("2026-03-30T08:00:00"), "carol", "bob"),
        Handoff(utc("2026-03-30T20:00:00"), "bob", "carol"),
        Handoff(utc("2026-04-05T07:00:00"), "alice", "bob"),
    ]


def test_of_two_overrides_the_newer_wins() -> None:
    weekly = rotation()
    older = Override(1, 1, "carol", utc("2026-03-30T00:00:00"), utc("2026-03-31T00:00:00"), 0.0)
    newer = Override(2, 1, "dave", utc("2026-03-30T06:00:00"), utc("2026-03-30T12:00:00"), 0.0)
    assert on_call(weekly, [newer, older], utc("2026-03-30T07:00:00")) == "dave"
    assert on_call(weekly, [newer, older], utc("2026-03-30T13:00:00")) == "carol"


def test_hand_off_periods_and_words() -> None:
    assert parse_every("1w") == (1, Unit.WEEKS)
    assert parse_every(" 3D ") == (3, Unit.DAYS)
    for wrong in ("0d", "1h", "w", "53w"):
        with pytest.raises(ValueError):
            parse_every(wrong)
    assert describe(rotation()) == "every week, Sundays at 09:00 (Europe/Berlin)"
    assert describe(rotation(every=2, unit=Unit.DAYS)) == "every 2 days at 09:00 (Europe/Berlin)"
    assert describe(rotation(), terse=True) == "weekly, Sun 09:00 Europe/Berlin"
    assert (
        describe(rotation(every=2, unit=Unit.DAYS), terse=True) == "every 2d, 09:00 Europe/Berlin"
    )


def test_steps_read_and_written_back() -> None:
    assert parse_step("rotation:primary") == Step(0, TargetKind.ROTATION, "primary")
    assert parse_step("15m next:primary") == Step(900, TargetKind.NEXT, "primary")
    assert parse_step("1h 30m channel:ops pager") == Step(5400, TargetKind.CHANNEL, "ops pager")
    for step in (Step(0, TargetKind.PERSON, "alice"), Step(5400, TargetKind.CHANNEL, "ops")):
        assert parse_step(step.text) == step
    for wrong in ("primary", "15m pager:ops", "soon rotation:x"):
        with pytest.raises(ValueError):
            parse_step(wrong)


def test_steps_must_start_at_once_and_keep_their_order() -> None:
    first = Step(0, TargetKind.ROTATION, "primary")
    check_steps((first, Step(600, TargetKind.NEXT, "primary")))
    with pytest.raises(ValueError, match="no delay"):
        check_steps((Step(60, TargetKind.ROTATION, "primary"),))
    with pytest.raises(ValueError, match="step 3 comes before step 2"):
        check_steps((first, Step(600, TargetKind.NEXT, "x"), Step(300, TargetKind.CHANNEL, "y")))
    with pytest.raises(ValueError, match="at least one"):
        check_steps(())


def test_due_steps_count_from_the_first_alert() -> None:
    steps = (
        Step(0, TargetKind.ROTATION, "primary"),
        Step(900, TargetKind.NEXT, "primary"),
        Step(1800, TargetKind.CHANNEL, "ops"),
    )
    policy = Policy(1, "night", steps, (), False, 0.0)
    assert due_steps(policy, 1, 1000.0, 1899.0) == []
    assert due_steps(policy, 1, 1000.0, 1900.0) == [2]
    assert due_steps(policy, 1, 1000.0, 5000.0) == [2, 3]
    assert next_step_at(policy, 2, 1000.0) == 2800.0
    assert next_step_at(policy, 3, 1000.0) is None


def _check(**fields: object) -> Check:
    return Check(1, "u", "backup", "backup", Schedule(60), 30, 0.0, 0.0, **fields)  # type: ignore[arg-type]


def test_which_policy_a_check_follows() -> None:
    step = (Step(0, TargetKind.CHANNEL, "ops"),)
    named = Policy(1, "named", step, (), False, 0.0)
    tagged = Policy(2, "tagged", step, ("db",), False, 0.0)
    default = Policy(3, "default", step, (), True, 0.0)
    policies = [named, tagged, default]
    assert policy_for(_check(escalation_policy="named", tags=("db",)), policies) == named
    assert policy_for(_check(tags=("db",)), policies) == tagged
    assert policy_for(_check(), policies) == default
    # A check that names its own channels keeps alerting them, default policy or not.
    assert policy_for(_check(channels=("ops",)), policies) is None
    assert policy_for(_check(), [named]) is None


def test_a_check_following_a_policy_reaches_whom_its_first_step_reaches() -> None:
    phone = Channel(1, "alice-phone", "json://x", False, (), 0.0)
    pager = Policy(1, "pager", (Step(0, TargetKind.ROTATION, "primary"),), (), True, 0.0)
    check = _check()  # names no channel, and there is no default: only the policy tells
    facts = AlertFacts(channels=(phone,), policies=(pager,), first_reach={"pager": (phone,)})
    assert Reach.NOBODY not in facts.reach(check, frozenset())
    failing = replace(phone, failing=True)
    facts = AlertFacts(channels=(failing,), policies=(pager,), first_reach={"pager": (failing,)})
    assert Reach.NOBODY in facts.reach(check, frozenset())
    # A first step that reaches no channel falls back to the check's channels: none here.
    facts = AlertFacts(channels=(phone,), policies=(pager,), first_reach={"pager": ()})
    assert Reach.NOBODY in facts.reach(check, frozenset())
