"""Recording one ping: a writer job, so it is committed before the receiver replies."""

from __future__ import annotations

import hmac
from typing import NamedTuple

from beatwatch.core.model import (
    PING_KEY_SHOWN,
    Check,
    Ping,
    PingKind,
    PingRequest,
    Transition,
    UnknownPing,
)
from beatwatch.core.validation import CheckSpec, validate
from beatwatch.engine.check_edits import create_check
from beatwatch.engine.event_log import record_unknown_ping
from beatwatch.engine.transitions import settle
from beatwatch.store import database
from beatwatch.store.check_cache import CheckCache
from beatwatch.store.check_rows import load_check_by
from beatwatch.store.connection import Connection

# A check made by `?create=1` watches a daily job until someone edits it.
AUTO_CREATE_EVERY = 86400
# Starts with distinct rids that never finish are kept up to this many per check.
OPEN_RUNS_KEPT = 100


class PingOutcome(NamedTuple):
    """What a ping did. A named tuple, as the ping and its request are: one is made for each."""

    check: Check | None  # None: the uuid or slug matched nothing
    ping: Ping | None
    # A deadline that had already passed, then the ping's own change; either may be absent.
    transitions: tuple[Transition, ...] = ()
    # An incident was opened or resolved, so messages may be waiting to go out: a failure
    # that reaches the check's threshold does this without changing its state.
    alerting_changed: bool = False
    # For an unknown ping: what the unknown-pings log calls it.
    unknown_label: str | None = None


def record_ping(
    conn: Connection,
    request: PingRequest,
    ping_key: str,
    cache: CheckCache,
) -> PingOutcome:
    stored = _find_target(conn, request, ping_key, cache)
    if stored is None:
        unknown = _unknown_ping(request, ping_key)
        database.record_unknown_ping(conn, unknown)
        record_unknown_ping(conn, request.at, unknown.key)
        return PingOutcome(None, None, unknown_label=unknown.key)

    now = request.at
    alerted_before = stored.alerted_state
    overdue: Transition | None = None
    if stored.next_change_at is not None and stored.next_change_at <= now:
        # A deadline passed before this ping came (the evaluator had not got to it yet, or the
        # engine was stopped): it counts first, settled as the evaluator would have.
        stored, overdue = settle(conn, stored, now, clock_driven=True, stored=stored, cache=cache)
    # The ping's own copy of its check, set field by field: settle finishes it in place, and
    # the batch's end writes only the columns in which it then differs from the row.
    check = stored.evolve()
    check.last_ping_at = now
    # On PostgreSQL the lookup locked the row: no other node can take the same number.
    check.last_ping_number = number = stored.last_ping_number + 1
    kind = request.kind
    duration: float | None = None
    if kind is PingKind.START:
        database.open_run(conn, stored.id, request.rid, now, OPEN_RUNS_KEPT)
        check.run_started_at = database.newest_open_run(conn, stored.id)
    # run_started_at is the newest open run's start, so None means there is none to close.
    elif kind.is_finish and stored.run_started_at is not None:
        started = database.close_run(conn, stored.id, request.rid)
        if started is not None:
            duration = max(0.0, now - started)  # a clock stepped back gives no negative run
            check.run_started_at = database.newest_open_run(conn, stored.id)
    if kind.is_finish:
        check.last_finish_at = now
        check.last_finish_kind = kind
        check.last_exit_code = request.exit_code
        check.failure_streak = stored.failure_streak + 1 if kind is PingKind.FAIL else 0
        # None for a finish that closed no run: a duration always belongs to its finish.
        check.last_duration = duration

    # Into the slot of the check's ping 100 before it: the newest 100 are what is kept.
    ping = database.insert_ping(conn, stored.id, number, request, now, duration)
    check, transition = settle(conn, check, now, clock_driven=False, stored=stored, cache=cache)
    transitions: tuple[Transition, ...] = () if transition is None else (transition,)
    if overdue is not None:
        transitions = (overdue, *transitions)
    alerting_changed = check.alerted_state is not alerted_before
    return PingOutcome(check, ping, transitions, alerting_changed)


def _find_target(
    conn: Connection,
    request: PingRequest,
    ping_key: str,
    cache: CheckCache,
) -> Check | None:
    if request.uuid is not None:
        return cache.lookup(conn, "uuid", request.uuid)
    assert request.slug is not None and request.ping_key is not None
    if not hmac.compare_digest(request.ping_key.encode(), ping_key.encode()):
        return None
    check = cache.lookup(conn, "slug", request.slug)
    if check is not None or not request.create:
        return check
    return _auto_create(conn, request.slug, request.at)


def _auto_create(conn: Connection, slug: str, now: float) -> Check:
    # The one read of checks by SQL in a ping's job: names and slugs, which no ping's held
    # row changes, so the rows still held in this batch cannot mislead it.
    name = slug
    if load_check_by(conn, "name", name) is not None:
        name = f"{slug} (auto)"
    spec = validate(CheckSpec(name=name, slug=slug, every_seconds=AUTO_CREATE_EVERY))
    return create_check(conn, spec, now)


def _unknown_ping(request: PingRequest, ping_key: str) -> UnknownPing:
    """The ping as the unknown-pings list keeps it: never with the ping key it was sent with,
    right or wrong (a wrong one may be an old key, or one character off the real one)."""
    path, slug = request.path, None
    if request.uuid is not None:
        label = request.uuid
    else:
        assert request.ping_key is not None
        path = path.replace(f"/{request.ping_key}/", f"/{PING_KEY_SHOWN}/", 1)
        if hmac.compare_digest(request.ping_key.encode(), ping_key.encode()):
            label, slug = f"slug {request.slug}", request.slug
        else:
            label = f"slug {request.slug} (wrong ping key)"
    return UnknownPing(
        request.at,
        label,
        request.remote_addr,
        request.user_agent,
        method=request.method,
        path=path,
        body=request.body,
        uuid=request.uuid,
        slug=slug,
    )
