"""The state table of SPEC §3, row by row, with each state's `since` and `next_change_at`.

Interval checks here run every hour (I) with 5 minutes of grace (G), created at CREATED."""

from __future__ import annotations

import pytest

from beatwatch.core.model import Check, PingKind, State
from beatwatch.core.rules import Evaluation, evaluate
from tests.unit.factory import CREATED, GRACE, HOUR, MINUTE, every, finished, make_check

I, G = HOUR, GRACE  # noqa: E741 - the SPEC's own names for interval and grace
# The last finish (A), and a run started shortly before the next one was due (S).
A = CREATED + 10 * MINUTE
S = A + I - 2 * MINUTE
M = 20 * MINUTE
# A pause that began after the last finish (P) and was set to end at U.
P = A + 10 * MINUTE
U = P + 6 * HOUR


def case(
    check: Check, now: float, state: State, since: float, next_change_at: float | None, id: str
) -> object:
    return pytest.param(check, now, Evaluation(state, since, next_change_at), id=id)


TABLE = [
    # new: no ping yet; the clock runs from creation, so a job that never starts is caught.
    case(make_check(), CREATED, State.NEW, CREATED, CREATED + I, "new-at-creation"),
    case(make_check(), CREATED + I - 1, State.NEW, CREATED, CREATED + I, "new-just-before-due"),
    case(make_check(), CREATED + I, State.LATE, CREATED + I, CREATED + I + G, "new-then-late"),
    case(make_check(), CREATED + I + G, State.MISSED, CREATED + I + G, None, "never-pinged"),
    case(
        make_check(clock_start=CREATED + 2 * HOUR),
        CREATED + 2 * HOUR + I - 1,
        State.NEW,
        CREATED + 2 * HOUR,
        CREATED + 2 * HOUR + I,
        "new-clock-runs-from-clock-start",
    ),
    # up, late, missed after a success.
    case(make_check(**finished(A)), A, State.UP, A, A + I, "up-at-the-ping"),
    case(make_check(**finished(A)), A + I - 1, State.UP, A, A + I, "up-just-before-due"),
    case(make_check(**finished(A)), A + I, State.LATE, A + I, A + I + G, "late-from-due"),
    case(make_check(**finished(A)), A + I + G - 1, State.LATE, A + I, A + I + G, "late-in-grace"),
    case(make_check(**finished(A)), A + I + G, State.MISSED, A + I + G, None, "missed-at-i-plus-g"),
    case(make_check(**finished(A)), A + 30 * I, State.MISSED, A + I + G, None, "missed-for-long"),
    case(
        make_check(**finished(A), clock_start=A + HOUR),
        A + HOUR + I - 1,
        State.UP,
        A + HOUR,
        A + 2 * HOUR,
        "clock-start-after-the-finish-anchors-the-clock",
    ),
    # failing: from the fail ping until the next success; missed beats it; it beats late.
    case(
        make_check(**finished(A, PingKind.FAIL)), A, State.FAILING, A, A + I + G, "failing-at-ping"
    ),
    case(
        make_check(**finished(A, PingKind.FAIL)),
        A + I + 1,
        State.FAILING,
        A,
        A + I + G,
        "failing-beats-late",
    ),
    case(
        make_check(**finished(A, PingKind.FAIL)),
        A + I + G,
        State.MISSED,
        A + I + G,
        None,
        "missed-beats-failing",
    ),
    case(
        make_check(**finished(A + 5 * MINUTE), last_exit_code=0),
        A + 6 * MINUTE,
        State.UP,
        A + 5 * MINUTE,
        A + 5 * MINUTE + I,
        "a-success-ends-failing",
    ),
    # running: an open run suspends the missed clock; long after M; stuck after I + G.
    case(make_check(**finished(A), run_started_at=S), S, State.RUNNING, S, S + I + G, "running"),
    case(
        make_check(**finished(A), run_started_at=S),
        A + I + G + 10 * MINUTE,
        State.RUNNING,
        S,
        S + I + G,
        "open-run-suspends-missed",
    ),
    case(
        make_check(**finished(A, PingKind.FAIL), run_started_at=S),
        S + 1,
        State.RUNNING,
        S,
        S + I + G,
        "running-after-a-failure",
    ),
    case(
        make_check(run_started_at=CREATED + MINUTE),
        CREATED + I + G,
        State.RUNNING,
        CREATED + MINUTE,
        CREATED + MINUTE + I + G,
        "first-run-still-going",
    ),
    case(
        make_check(**finished(A), run_started_at=S, max_duration_seconds=M),
        S + M - 1,
        State.RUNNING,
        S,
        S + M,
        "running-until-max-duration",
    ),
    case(
        make_check(**finished(A), run_started_at=S, max_duration_seconds=M),
        S + M,
        State.RUNNING_LONG,
        S + M,
        S + I + G,
        "running-long-from-max-duration",
    ),
    case(
        make_check(**finished(A), run_started_at=S),
        S + I + G,
        State.STUCK,
        S + I + G,
        None,
        "stuck-at-i-plus-g",
    ),
    case(
        make_check(**finished(A), run_started_at=S, max_duration_seconds=M),
        S + I + G,
        State.STUCK,
        S + I + G,
        None,
        "stuck-beats-running-long",
    ),
    case(
        make_check(**finished(A), run_started_at=S, max_duration_seconds=2 * I),
        S + I + G,
        State.STUCK,
        S + I + G,
        None,
        "stuck-before-a-max-duration-longer-than-i-plus-g",
    ),
    # paused: by hand or until a time; beats everything, even a check that would be missed.
    case(
        make_check(**finished(A), paused_at=P), P + 30 * I, State.PAUSED, P, None, "paused-by-hand"
    ),
    case(
        make_check(**finished(A), paused_at=P, run_started_at=S),
        S + 2 * I,
        State.PAUSED,
        P,
        None,
        "paused-beats-stuck",
    ),
    case(
        make_check(**finished(A), paused_at=P, paused_until=U),
        U - 1,
        State.PAUSED,
        P,
        U,
        "paused-until-a-time",
    ),
    # A timed pause that has run out: the clock restarts at U, not at the last finish.
    case(
        make_check(**finished(A), paused_at=P, paused_until=U),
        U,
        State.UP,
        U,
        U + I,
        "pause-ends-at-its-time",
    ),
    case(
        make_check(**finished(A), paused_at=P, paused_until=U),
        U + I,
        State.LATE,
        U + I,
        U + I + G,
        "clock-restarts-from-paused-until",
    ),
    case(
        make_check(paused_at=P, paused_until=U),
        U + I - 1,
        State.NEW,
        U,
        U + I,
        "never-pinged-pause-ended",
    ),
    case(
        make_check(**finished(A), paused_at=P, paused_until=U, run_started_at=P - MINUTE),
        U + 1,
        State.UP,
        U,
        U + I,
        "run-opened-before-the-pause-is-abandoned",
    ),
    case(
        make_check(**finished(A), paused_at=P, paused_until=U, run_started_at=U - MINUTE),
        U + 1,
        State.RUNNING,
        U - MINUTE,
        U - MINUTE + I + G,
        "run-opened-during-the-pause-is-kept",
    ),
    case(
        make_check(**finished(U + MINUTE), paused_at=P, paused_until=U),
        U + 2 * MINUTE,
        State.UP,
        U + MINUTE,
        U + MINUTE + I,
        "a-finish-after-the-pause-anchors-the-clock",
    ),
]


@pytest.mark.parametrize(("check", "now", "expected"), TABLE)
def test_state_table(check: Check, now: float, expected: Evaluation) -> None:
    assert evaluate(check, now) == expected


@pytest.mark.parametrize("kind", [PingKind.SUCCESS, PingKind.FAIL])
def test_grace_zero_goes_straight_from_due_to_missed(kind: PingKind) -> None:
    check = make_check(grace=0, **finished(A, kind))
    before = State.UP if kind is PingKind.SUCCESS else State.FAILING

    assert evaluate(check, A + I - 1) == Evaluation(before, A, A + I)
    assert evaluate(check, A + I) == Evaluation(State.MISSED, A + I, None)


def test_grace_zero_stuck_at_the_next_due_time() -> None:
    check = make_check(grace=0, run_started_at=S)

    assert evaluate(check, S + I - 1).state is State.RUNNING
    assert evaluate(check, S + I) == Evaluation(State.STUCK, S + I, None)


def test_failing_holds_through_the_whole_window_until_missed() -> None:
    check = make_check(**finished(A, PingKind.FAIL))
    window = range(int(A), int(A + I + G), 7 * MINUTE)

    assert {evaluate(check, now).state for now in window} == {State.FAILING}


@pytest.mark.parametrize("every_seconds", [30, 45, 3600, 7 * 86400])
def test_interval_due_and_missed_times_follow_the_interval(every_seconds: int) -> None:
    grace = every_seconds // 2
    check = make_check(every(every_seconds), grace, **finished(A))

    assert evaluate(check, A).next_change_at == A + every_seconds
    assert evaluate(check, A + every_seconds).next_change_at == A + every_seconds + grace
