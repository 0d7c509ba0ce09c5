"""The state of a check at a moment: the one place the state table lives. Pure.

Boundaries are inclusive: a check with interval I and grace G is missed from exactly
A + I + G on (the contract's "more than" differs only at that single instant, and an
inclusive boundary lets the evaluator act at the due time itself).
"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple

from beatwatch.core.model import ALERT_TYPE_OF_STATE, Check, PingKind, State
from beatwatch.core.schedule import due_after, next_due


class Evaluation(NamedTuple):
    """Where a check stands at a moment. A named tuple: every ping makes one or two."""

    state: State
    # When this state began, as far as the pings and the clock tell: the due time for a
    # clock-driven state, the ping time for a ping-driven one.
    since: float
    # The next moment the state changes if no ping arrives; None when only a ping can change it.
    next_change_at: float | None


def is_paused(check: Check, now: float) -> bool:
    """A pause holds from paused_at until paused_until, or until resumed if it has no end."""
    return check.paused_at is not None and (check.paused_until is None or now < check.paused_until)


def evaluate(check: Check, now: float) -> Evaluation:
    clock_start = check.clock_start
    run_start = check.run_started_at
    if check.paused_at is not None:
        if is_paused(check, now):
            return Evaluation(State.PAUSED, check.paused_at, check.paused_until)
        assert check.paused_until is not None
        # A timed pause has run out: the clock restarts when it ended, and runs opened before
        # the pause began are abandoned (the same as a resume by hand does).
        clock_start = max(clock_start, check.paused_until)
        if run_start is not None and run_start < check.paused_at:
            run_start = None

    grace = check.grace_seconds
    if run_start is not None:
        stuck_at = due_after(check.schedule, grace, run_start) + grace
        long_at = run_start + check.max_duration_seconds if check.max_duration_seconds else None
        if now >= stuck_at:
            return Evaluation(State.STUCK, stuck_at, None)
        if long_at is not None and now >= long_at:
            return Evaluation(State.RUNNING_LONG, long_at, stuck_at)
        next_at = stuck_at if long_at is None else min(stuck_at, long_at)
        return Evaluation(State.RUNNING, run_start, next_at)

    last_finish = check.last_finish_at
    anchor = clock_start if last_finish is None else max(last_finish, clock_start)
    # A finish a little early counts for its slot; creation or a resume is no ping, so the
    # next slot after it counts, however near.
    if anchor == last_finish:
        # last_duration is that of the run the last finish closed, None when it closed none.
        started = None if check.last_duration is None else anchor - check.last_duration
        due = due_after(check.schedule, grace, anchor, started)
    else:
        due = next_due(check.schedule, anchor)
    missed_at = due + grace
    if now >= missed_at:
        return Evaluation(State.MISSED, missed_at, None)
    if check.last_finish_kind is PingKind.FAIL and last_finish is not None:
        return Evaluation(State.FAILING, last_finish, missed_at)
    if now >= due:
        return Evaluation(State.LATE, due, missed_at)
    if last_finish is None:
        return Evaluation(State.NEW, clock_start, due)
    return Evaluation(State.UP, anchor, due)


def due_at(check: Check, evaluation: Evaluation) -> float | None:
    """When the run the check waits for is or was due (for stuck, the run after the one that
    never finished); None while paused or running."""
    match evaluation.state:
        case State.UP | State.NEW:
            return evaluation.next_change_at
        case State.LATE:
            return evaluation.since
        case State.MISSED | State.STUCK:
            return evaluation.since - check.grace_seconds
        case State.FAILING if evaluation.next_change_at is not None:
            return evaluation.next_change_at - check.grace_seconds
    return None


def transition_time(previous: Check, evaluation: Evaluation) -> float:
    """When a clock-driven change happened: its due time, never before the previous state
    began, nor before the clock last (re)started: a timed pause that ran out ended at its
    end, even when the state after it (failing, say) was reached long before the pause."""
    return max(evaluation.since, previous.state_since, previous.clock_start)


class AlertAction(StrEnum):
    NONE = "none"
    OPEN = "open"  # a new bad state: open an incident and tell people
    OPEN_SILENT = "open_silent"  # a new bad state whose alert type is switched off
    RESOLVE = "resolve"  # healthy again after a bad spell: one recovery message
    RESOLVE_SILENT = "resolve_silent"  # paused while bad: close the incident, tell nobody


def alert_action(check: Check) -> AlertAction:
    """What the check's current state means for alerting, given the state it last alerted
    for. Comparing with `alerted_state` (not with the previous state) is what makes it one
    alert per bad state however often this is asked."""
    state, alerted = check.state, check.alerted_state
    if state.is_bad:
        if state is alerted:
            return AlertAction.NONE
        if state is State.FAILING and check.failure_streak < check.failure_threshold:
            return AlertAction.NONE
        if ALERT_TYPE_OF_STATE[state] not in check.alerts:
            return AlertAction.OPEN_SILENT
        return AlertAction.OPEN
    if alerted is None:
        return AlertAction.NONE
    if state is State.PAUSED:
        return AlertAction.RESOLVE_SILENT
    # A job whose last run failed has not recovered by starting again (whatever it was
    # alerted for since: a stuck run after the failure, say); its next success will say so.
    if state is State.UP or (state is State.RUNNING and check.failure_streak == 0):
        return AlertAction.RESOLVE
    return AlertAction.NONE
