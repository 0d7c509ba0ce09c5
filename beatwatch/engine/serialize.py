"""The JSON shapes of checks and pings, shared by the command line and the API."""

from __future__ import annotations

from typing import Any

from beatwatch.engine.model import Check, Ping, UnknownPing
from beatwatch.engine.rules import evaluate
from beatwatch.engine.timefmt import utc_iso


def check_to_dict(check: Check, ping_url: str, now: float) -> dict[str, Any]:
    """A check as its users see it: the state is evaluated at `now`, so it is current even
    when no engine is running."""
    evaluation = evaluate(check, now)
    return {
        "id": check.id,
        "name": check.name,
        "slug": check.slug,
        "uuid": check.uuid,
        "ping_url": ping_url,
        "state": evaluation.state.value,
        "state_since": utc_iso(evaluation.since),
        "every_seconds": check.schedule.every_seconds,
        "cron": check.schedule.cron,
        "tz": check.schedule.tz,
        "grace_seconds": check.grace_seconds,
        "max_duration_seconds": check.max_duration_seconds,
        "host": check.host,
        "tags": list(check.tags),
        "description": check.description,
        "alerts": sorted(a.value for a in check.alerts),
        "channels": list(check.channels),
        "failure_threshold": check.failure_threshold,
        "paused_until": utc_iso(check.paused_until),
        "created_at": utc_iso(check.created_at),
        "last_ping_at": utc_iso(check.last_ping_at),
        "last_duration_seconds": check.last_duration,
        "next_change_at": utc_iso(evaluation.next_change_at),
    }


def ping_to_dict(ping: Ping) -> dict[str, Any]:
    return {
        "kind": ping.kind.value,
        "at": utc_iso(ping.at),
        "exit_code": ping.exit_code,
        "rid": ping.rid,
        "duration_seconds": round(ping.duration, 3) if ping.duration is not None else None,
        "remote_addr": ping.remote_addr,
        "user_agent": ping.user_agent,
        "body": ping.body_text,
    }


def unknown_ping_to_dict(ping: UnknownPing) -> dict[str, Any]:
    return {
        "at": utc_iso(ping.at),
        "key": ping.key,
        "remote_addr": ping.remote_addr,
        "user_agent": ping.user_agent,
    }
