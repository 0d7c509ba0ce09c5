"""Applying the rules to a stored check: the one path by which a state is ever written.

Pings, edits and the evaluator all end in `settle`, inside their write transaction, so a
transition and everything that follows from it are committed together or not at all.
"""

from __future__ import annotations

from beatwatch.core.model import Check, Transition
from beatwatch.core.rules import evaluate, is_paused, transition_time
from beatwatch.engine.event_log import record_transition
from beatwatch.engine.incidents import apply_alerting
from beatwatch.store import database
from beatwatch.store.check_cache import CheckCache
from beatwatch.store.check_rows import update_check
from beatwatch.store.connection import Connection


def end_pause(conn: Connection, check: Check, resumed_at: float) -> Check:
    """Resume: the missed clock restarts, and runs opened before the pause are abandoned."""
    if check.paused_at is not None:
        database.drop_runs_before(conn, check.id, check.paused_at)
    return check.evolve(
        paused_at=None,
        paused_until=None,
        clock_start=max(check.clock_start, resumed_at),
        run_started_at=database.newest_open_run(conn, check.id),
    )


def settle(
    conn: Connection,
    check: Check,
    now: float,
    *,
    clock_driven: bool,
    stored: Check,
    cache: CheckCache | None = None,
) -> tuple[Check, Transition | None]:
    """Evaluate `check` at `now`, record a transition if its state changed, open or resolve
    its incident (queueing the alert), and store it — all in the caller's transaction.
    `stored` is the check as its row stands; only the columns that differ are written.
    A `check` other than `stored` is the caller's own copy, which settle may finish in place.
    With `cache`, the row is written when the writer's batch is done, and until then the
    cache holds the check as it is (a ping's job, which looks its check up there).

    A clock-driven change is stamped with its due time; a change caused by a ping or an edit
    with `now`.
    """
    if check.paused_at is not None and not is_paused(check, now):
        assert check.paused_until is not None  # a pause without an end never runs out
        check = end_pause(conn, check, check.paused_until)
    evaluation = evaluate(check, now)
    transition = None
    if evaluation.state is not check.state:
        at = transition_time(check, evaluation) if clock_driven else now
        transition = Transition(check.id, at, check.state, evaluation.state)
        database.insert_transition(conn, transition)
        check = check.evolve(
            state=evaluation.state,
            state_since=at,
            next_change_at=evaluation.next_change_at,
        )
        record_transition(conn, check, transition)
    elif check.next_change_at != evaluation.next_change_at:
        # Where a ping that changes no state lands: its copy takes the new deadline as it is.
        if check is stored:
            check = check.evolve()
        check.next_change_at = evaluation.next_change_at
    check = apply_alerting(conn, check, now)
    if cache is None:
        update_check(conn, check, stored)
    else:
        cache.write_later(conn, check, stored)
    return check, transition
