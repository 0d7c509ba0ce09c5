"""Turning alert decisions into incidents and outbox rows, inside the write transaction that
changed the check — so an alert is never lost between "it went bad" and "we will send it".
"""

from __future__ import annotations

import logging
from dataclasses import replace
from functools import partial

from beatwatch.core import alert_text
from beatwatch.core.alert_policy import STORM_LIMIT, STORM_WINDOW
from beatwatch.core.errors import IncidentNotFound
from beatwatch.core.escalation import policy_for
from beatwatch.core.maintenance import is_open
from beatwatch.core.model import Channel, Check, EventKind, Incident, PingKind, State
from beatwatch.core.reach import chosen_channels
from beatwatch.core.rules import AlertAction, alert_action
from beatwatch.engine import escalation, event_log
from beatwatch.engine.event_log import IN_EVENT_LOG
from beatwatch.store import alert_rows, database, oncall_rows
from beatwatch.store.connection import Connection

log = logging.getLogger("beatwatch.alerts")

# While a host is in maintenance, due escalations and reminders are looked at again this often.
MAINTENANCE_RECHECK = 60.0
# How each kind of message sent by a policy's later steps starts its title.
_PREFIXES = {"escalation": "[escalated] ", "handoff": "[on call now] "}
# Logged, and put in the event log, for each alert that has nowhere to go. The remedy named
# is the command line's; the terminal UI tells of its own keys for it.
NOT_SENT_NO_CHANNEL = (
    "check %s: %s not sent: no channel to send it to "
    "(add a default one: `beatwatch channel add NAME URL --default`)"
)


def in_maintenance(conn: Connection, host: str | None, now: float) -> bool:
    if not host:
        return False
    return any(is_open(w, now) for w in alert_rows.windows_for_host(conn, host))


def channels_for(conn: Connection, refs: tuple[str, ...]) -> list[Channel]:
    return chosen_channels(alert_rows.load_channels(conn), refs)


def _targets(conn: Connection, check: Check, incident: Incident) -> list[Channel]:
    """Whom reminders and the recovery go to: everyone the incident's policy reached; else
    the check's channels, plus its second level once the incident has escalated."""
    if incident.policy is not None:
        return escalation.told_channels(conn, incident)
    targets = channels_for(conn, check.channels)
    escalated = incident.escalated_at is not None
    if escalated:
        seen = {c.id for c in targets}
        targets += [c for c in channels_for(conn, check.escalation_channels) if c.id not in seen]
    return targets


def apply_alerting(conn: Connection, check: Check, now: float) -> Check:
    """Open or resolve the check's incident as its state demands; returns the check with
    its alerted state updated."""
    action = alert_action(check)
    if action is AlertAction.NONE:
        return check
    if action in (AlertAction.OPEN, AlertAction.OPEN_SILENT):
        _open(conn, check, now, wants_notice=action is AlertAction.OPEN)
        return check.evolve(alerted_state=check.state)
    _resolve(conn, check, now, announce=action is AlertAction.RESOLVE)
    return check.evolve(alerted_state=None)


def _open(conn: Connection, check: Check, now: float, wants_notice: bool) -> None:
    previous = alert_rows.open_incident(conn, check.id)
    if previous is not None:
        alert_rows.resolve_incident(
            conn, previous.id, check.state_since, f"became {check.state.value}"
        )
    held_for_maintenance = wants_notice and in_maintenance(conn, check.host, now)
    notify = wants_notice and not held_for_maintenance
    last_failure = (
        database.last_ping_of_kind(conn, check.id, PingKind.FAIL)
        if check.state is State.FAILING
        else None
    )
    ping_key = database.get_setting(conn, database.PING_KEY_SETTING) if last_failure else None
    reason = alert_text.why(check, last_failure, now, [ping_key] if ping_key else [])
    policy = policy_for(check, oncall_rows.load_policies(conn))
    incident = Incident(
        id=0,
        check_id=check.id,
        state=check.state,
        opened_at=check.state_since,
        reason=reason,
        notified=notify,
        notified_at=now if notify else None,
        streak_started_at=previous.streak_started_at if previous else check.state_since,
        streak_notified=notify or (previous.streak_notified if previous else False),
        policy=policy.name if policy else None,
        steps_reached=1 if policy and notify else 0,
    )
    incident = replace(incident, next_action_at=_next_action_at(check, incident))
    storm = notify and alert_rows.notified_since(conn, now - STORM_WINDOW) >= STORM_LIMIT
    incident_id = alert_rows.insert_incident(conn, incident)
    incident = replace(incident, id=incident_id)
    if held_for_maintenance:
        log.info(
            "check %s is %s during maintenance on %s; no alert sent",
            check.slug,
            check.state,
            check.host,
        )
    if not notify:
        return
    if storm and alert_rows.notified_since(conn, now - STORM_WINDOW) == STORM_LIMIT + 1:
        _log_storm("went bad")
    if policy is None:
        channels = channels_for(conn, check.channels)
    else:
        channels = escalation.first_step(conn, check, policy, incident_id, now)
        due = _earliest(incident.next_action_at, escalation.next_action(conn, incident, now))
        alert_rows.update_incident(conn, incident_id, next_action_at=due)
    title, body = alert_text.alert(check, reason, now)
    _send(conn, check, channels, incident_id, "alert", title, body, now, storm)


def _resolve(conn: Connection, check: Check, now: float, announce: bool) -> None:
    incident = alert_rows.open_incident(conn, check.id)
    if incident is None:
        return
    alert_rows.resolve_incident(
        conn, incident.id, check.state_since, "recovered" if announce else check.state.value
    )
    if not (announce and incident.streak_notified) or in_maintenance(conn, check.host, now):
        return
    bad_for = check.state_since - incident.streak_started_at
    title, body = alert_text.recovery(check, incident.state, bad_for, now)
    targets = _targets(conn, check, incident)
    # After an outage the checks that went bad together come back together.
    announced = alert_rows.recoveries_announced_since(conn, now - STORM_WINDOW)
    if announced == STORM_LIMIT and targets:
        _log_storm("came back")
    storm = announced >= STORM_LIMIT
    _send(conn, check, targets, incident.id, "recovery", title, body, now, storm)


def _log_storm(what: str) -> None:
    log.warning(
        "alert storm suppressed: more than %d checks %s within %d s; "
        "the rest go out as one digest per channel",
        STORM_LIMIT,
        what,
        STORM_WINDOW,
    )


def _send(
    conn: Connection,
    check: Check,
    channels: list[Channel],
    incident_id: int | None,
    kind: str,
    title: str,
    body: str,
    now: float,
    storm: bool = False,
) -> None:
    """Queue a message about `check`, held for a digest in a storm. While an earlier message
    about the check waits for a digest, this one joins it, so none overtakes another."""
    if not channels:
        text = NOT_SENT_NO_CHANNEL % (check.slug, kind)
        event_log.record(conn, now, "warning", EventKind.NOT_SENT, text, check.id)
        log.warning(text, extra=IN_EVENT_LOG)
        return
    held = storm or alert_rows.held_for_digest(conn, check.id)
    for channel in channels:
        alert_rows.enqueue(conn, channel.id, incident_id, kind, title, body, now, held)


def _next_action_at(check: Check, incident: Incident) -> float | None:
    """When an unacknowledged incident next escalates or reminds, if it ever does."""
    if not incident.notified or incident.notified_at is None:
        return None
    escalates = (
        incident.policy is None
        and check.escalate_after_seconds
        and incident.escalated_at is None
        and check.escalation_channels
    )
    escalates_at = incident.notified_at + check.escalate_after_seconds if escalates else None
    reminds_at = None
    if check.remind_every_seconds:
        base = incident.last_reminded_at or incident.notified_at
        reminds_at = base + check.remind_every_seconds
    return _earliest(escalates_at, reminds_at)


def _earliest(*times: float | None) -> float | None:
    known = [t for t in times if t is not None]
    return min(known) if known else None


def run_incident_actions(conn: Connection, now: float) -> int:
    """Writer job: send due escalations and reminders; returns how many incidents acted."""
    acted = 0
    for incident in alert_rows.due_incident_actions(conn, now):
        check = database.load_check(conn, incident.check_id)
        if check is None or incident.resolved_at or incident.acknowledged_at:
            alert_rows.update_incident(conn, incident.id, next_action_at=None)
            continue
        if in_maintenance(conn, check.host, now):
            alert_rows.update_incident(conn, incident.id, next_action_at=now + MAINTENANCE_RECHECK)
            continue
        updated = incident
        assert incident.notified_at is not None
        policy_due = None
        if incident.policy is not None:
            updated, policy_due = escalation.take_due_steps(
                conn, check, updated, now, partial(_send_step, conn, check, incident, now)
            )
        elif (
            check.escalate_after_seconds
            and incident.escalated_at is None
            and now >= incident.notified_at + check.escalate_after_seconds
        ):
            title, body = alert_text.alert(check, incident.reason, now, prefix="[escalated] ")
            channels = channels_for(conn, check.escalation_channels)
            _send(conn, check, channels, incident.id, "escalation", title, body, now)
            updated = replace(updated, escalated_at=now)
        if check.remind_every_seconds and now >= (
            (incident.last_reminded_at or incident.notified_at) + check.remind_every_seconds
        ):
            title, body = alert_text.alert(check, incident.reason, now, prefix="[reminder] ")
            targets = _targets(conn, check, updated)
            _send(conn, check, targets, incident.id, "reminder", title, body, now)
            updated = replace(updated, last_reminded_at=now)
        due = _earliest(_next_action_at(check, updated), policy_due)
        alert_rows.update_incident(
            conn,
            incident.id,
            escalated_at=updated.escalated_at,
            last_reminded_at=updated.last_reminded_at,
            steps_reached=updated.steps_reached,
            next_action_at=due,
        )
        acted += 1
    return acted


def _send_step(
    conn: Connection,
    check: Check,
    incident: Incident,
    now: float,
    channels: list[Channel],
    kind: str,
    note: str,
) -> None:
    """Queue a later step of a policy (or a hand-off): the alert again, `note` first."""
    reason = f"{note}\n\n{incident.reason}"
    title, body = alert_text.alert(check, reason, now, prefix=_PREFIXES[kind])
    _send(conn, check, channels, incident.id, kind, title, body, now)


def acknowledge(conn: Connection, incident_id: int, now: float) -> Incident:
    """Writer job: stop escalation and reminders for an incident. A resolved one has none
    left to stop and stays as it was: an acknowledgement after the fact would tell nobody
    anything."""
    incident = alert_rows.load_incident(conn, incident_id)
    if incident is None:
        raise IncidentNotFound(incident_id)
    if incident.acknowledged_at is None and incident.resolved_at is None:
        alert_rows.update_incident(conn, incident_id, acknowledged_at=now, next_action_at=None)
        incident = replace(incident, acknowledged_at=now, next_action_at=None)
    return incident
