"""The JSON shapes of checks and pings, shared by the command line and the API."""

from __future__ import annotations

from typing import Any

from beatwatch.core.maintenance import describe as describe_window
from beatwatch.core.maintenance import is_open, next_start
from beatwatch.core.model import (
    Channel,
    Check,
    Incident,
    IncidentStep,
    MaintenanceWindow,
    Notification,
    Ping,
    Transition,
    UnknownPing,
)
from beatwatch.core.reach import Reach
from beatwatch.core.rules import evaluate
from beatwatch.core.timefmt import utc_iso
from beatwatch.service.alerts import HostStatus
from beatwatch.service.cluster import NodeStatus
from beatwatch.store.token_rows import Token


def check_to_dict(check: Check, ping_url: str | None, now: float, reach: Reach) -> dict[str, Any]:
    """A check as its users see it: the state is evaluated at `now`, so it is current even
    when no engine is running, and `reach` says whether its alert would reach a person.
    Without a `ping_url` (withheld from a reader who may not ping), the uuid, which is the
    credential in it, is withheld too."""
    evaluation = evaluate(check, now)
    return {
        "id": check.id,
        "name": check.name,
        "slug": check.slug,
        "uuid": check.uuid if ping_url is not None else None,
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
        "escalate_to": list(check.escalation_channels),
        "escalate_after_seconds": check.escalate_after_seconds,
        "remind_every_seconds": check.remind_every_seconds,
        "escalation_policy": check.escalation_policy,
        "paused_until": utc_iso(check.paused_until),
        "created_at": utc_iso(check.created_at),
        "last_ping_at": utc_iso(check.last_ping_at),
        "last_duration_seconds": check.last_duration,
        "next_change_at": utc_iso(evaluation.next_change_at),
        "held_by_maintenance": Reach.HELD in reach,
        "acknowledged": Reach.ACKNOWLEDGED in reach,
        "nobody_would_be_told": Reach.NOBODY in reach,
    }


def ping_to_dict(ping: Ping) -> dict[str, Any]:
    return {
        "number": ping.number,
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
        "method": ping.method,
        "path": ping.path,
        "body": ping.body_text,
        "uuid": ping.uuid,
        "slug": ping.slug,
    }


def channel_to_dict(channel: Channel) -> dict[str, Any]:
    """A channel with its URL masked: the real URL never leaves the engine."""
    return {
        "id": channel.id,
        "name": channel.name,
        "url": channel.masked_url,
        "default": channel.is_default,
        "tags": list(channel.tags),
        "failing": channel.failing,
        "last_error": channel.last_error,
        "last_error_at": utc_iso(channel.last_error_at),
        "last_success_at": utc_iso(channel.last_success_at),
    }


def notification_to_dict(note: Notification) -> dict[str, Any]:
    return {
        "kind": note.kind,
        "channel": note.channel_name,
        "title": note.title,
        "status": note.status,
        "attempts": note.attempts,
        "created_at": utc_iso(note.created_at),
        "sent_at": utc_iso(note.sent_at),
        "last_error": note.last_error,
    }


def step_to_dict(step: IncidentStep) -> dict[str, Any]:
    return {
        "step": step.step,
        "handoff": step.is_handoff,
        "at": utc_iso(step.at),
        "target": step.target,
        "rotation": step.rotation,
        "person": step.person,
        "channels": list(step.channels),
    }


def incident_to_dict(
    incident: Incident,
    check_name: str | None,
    notes: list[Notification],
    steps: list[IncidentStep],
) -> dict[str, Any]:
    """An incident with who was told: its notifications and, under a policy, each step
    (and hand-off) with whom it reached and when."""
    return {
        "id": incident.id,
        "check_id": incident.check_id,
        "check": check_name,
        "state": incident.state.value,
        "reason": incident.reason,
        "opened_at": utc_iso(incident.opened_at),
        "resolved_at": utc_iso(incident.resolved_at),
        "resolution": incident.resolution,
        "acknowledged_at": utc_iso(incident.acknowledged_at),
        "escalated_at": utc_iso(incident.escalated_at),
        "notified": incident.notified,
        "policy": incident.policy,
        "steps": [step_to_dict(s) for s in steps],
        "notifications": [notification_to_dict(n) for n in notes],
    }


def window_to_dict(window: MaintenanceWindow, now: float) -> dict[str, Any]:
    return {
        "id": window.id,
        "host": window.host,
        "reason": window.reason,
        "description": describe_window(window),
        "open": is_open(window, now),
        "starts_at": utc_iso(window.starts_at),
        "ends_at": utc_iso(window.ends_at),
        "weekly": window.is_weekly,
        "next_start": utc_iso(next_start(window, now)),
    }


def transition_to_dict(transition: Transition) -> dict[str, Any]:
    return {
        "at": utc_iso(transition.at),
        "from": transition.from_state.value,
        "to": transition.to_state.value,
    }


def host_to_dict(host: HostStatus, now: float) -> dict[str, Any]:
    return {
        "name": host.name,
        "checks": host.checks,
        "in_maintenance": host.in_maintenance,
        "windows": [window_to_dict(w, now) for w in host.windows],
    }


def token_to_dict(token: Token) -> dict[str, Any]:
    """A token's description; the token itself is never kept, so it cannot appear here."""
    return {
        "id": token.id,
        "name": token.name,
        "read_only": token.read_only,
        "created_at": utc_iso(token.created_at),
        "last_used_at": utc_iso(token.last_used_at),
    }


def node_to_dict(node: NodeStatus) -> dict[str, Any]:
    return {
        "id": node.row.id,
        "host": node.row.host,
        "pid": node.row.pid,
        "listen": node.row.listen,
        "started_at": node.row.started_at,
        "last_seen": node.row.last_seen,
        "clock_offset": round(node.row.clock_offset, 3),
        "clock_off": node.clock_off,
        "duties": list(node.duties),
        "alive": node.alive,
    }
