"""Properties of the rules over many generated checks: a check is never missed before the
last finish + interval + grace, and always missed after it when nothing else arrived."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from beatwatch.core.model import Check, PingKind, State
from beatwatch.core.rules import evaluate
from tests.unit.factory import CREATED, DAY, every, finished, make_check

# A check whose last event is a success at `last`, with its interval and grace.
Case = tuple[Check, float, int, int]
intervals = st.integers(min_value=30, max_value=7 * DAY)


@st.composite
def finished_checks(draw: st.DrawFn) -> Case:
    interval = draw(intervals)
    grace = draw(st.integers(min_value=0, max_value=interval // 2))
    last = CREATED + draw(st.integers(min_value=0, max_value=30 * DAY))
    check = make_check(every(interval), grace, **finished(last))
    return check, last, interval, grace


@given(finished_checks(), st.floats(min_value=0, max_value=1))
def test_never_missed_before_the_deadline(case: Case, fraction: float) -> None:
    check, last, interval, grace = case
    now = last + fraction * (interval + grace) - 0.001
    assert evaluate(check, max(now, last)).state in (State.UP, State.LATE)


@given(finished_checks(), st.floats(min_value=0, max_value=365 * DAY))
def test_always_missed_from_the_deadline_on(case: Case, after: float) -> None:
    check, last, interval, grace = case
    evaluation = evaluate(check, last + interval + grace + after)
    assert evaluation.state is State.MISSED
    assert evaluation.since == last + interval + grace


@given(finished_checks())
def test_the_next_change_is_where_the_state_changes(case: Case) -> None:
    check, last, *_ = case
    up = evaluate(check, last)
    assert up.next_change_at is not None
    assert evaluate(check, up.next_change_at - 0.001).state is up.state
    assert evaluate(check, up.next_change_at).state is not up.state


@given(intervals, st.integers(min_value=0, max_value=30 * DAY))
def test_a_failure_is_failing_until_the_deadline_then_missed(interval: int, offset: int) -> None:
    last = CREATED + offset
    check = make_check(every(interval), interval // 2, **finished(last, PingKind.FAIL))
    assert evaluate(check, last + interval).state is State.FAILING
    assert evaluate(check, last + interval + interval // 2).state is State.MISSED
