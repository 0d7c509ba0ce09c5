"""Escalation by policy, inside the writer jobs of incidents.py: whom each step reaches now
(the person on call in a rotation, the next one, a person, a channel), the steps that are
due, and the person who takes over an open, unacknowledged incident at a hand-off, told once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace

from beatwatch.core.escalation import (
    OnCallFacts,
    Policy,
    Step,
    TargetKind,
    due_steps,
    next_step_at,
    step_reaches,
)
from beatwatch.core.model import Channel, Check, Incident, IncidentStep
from beatwatch.core.oncall import Rotation, handoffs, on_call
from beatwatch.core.reach import chosen_channels
from beatwatch.store import alert_rows, oncall_rows
from beatwatch.store.connection import Connection

log = logging.getLogger("beatwatch.alerts")

# channels, kind, note (a line before the incident's reason) -> queued.
Send = Callable[[list[Channel], str, str], None]


def load_facts(conn: Connection, now: float) -> OnCallFacts:
    return OnCallFacts(
        channels=alert_rows.load_channels(conn),
        people={p.name: p for p in oncall_rows.load_people(conn)},
        rotations={r.name: r for r in oncall_rows.load_rotations(conn)},
        overrides=oncall_rows.load_overrides(conn, now),
    )


def policy_named(conn: Connection, name: str | None) -> Policy | None:
    return next((p for p in oncall_rows.load_policies(conn) if p.name == name), None)


def _reach(
    facts: OnCallFacts, step: Step, number: int, incident_id: int, now: float
) -> tuple[IncidentStep, list[Channel]]:
    """Step `number` as taken at `now`: whom it reaches, and through which channels."""
    reached = step_reaches(facts, step, now)
    names = tuple(c.name for c in reached.channels)
    record = IncidentStep(
        incident_id, number, now, step.target_text, reached.rotation, reached.person, names
    )
    return record, reached.channels


def first_step(
    conn: Connection, check: Check, policy: Policy, incident_id: int, now: float
) -> list[Channel]:
    """Take step 1 for a new incident; returns the channels its alert goes to. A first step
    that reaches no channel (an empty rotation, a person without channels) falls back to
    the check's own channels or the defaults: the first alert must reach someone."""
    facts = load_facts(conn, now)
    record, channels = _reach(facts, policy.steps[0], 1, incident_id, now)
    if not channels:
        channels = chosen_channels(facts.channels, check.channels)
        log.warning(
            "check %s: step 1 of policy %s (%s) reaches no channel; alerting %s instead",
            check.slug,
            policy.name,
            record.target,
            ", ".join(c.name for c in channels) or "nobody",
        )
        record = replace(record, channels=tuple(c.name for c in channels))
    oncall_rows.insert_step(conn, record)
    return channels


def take_due_steps(
    conn: Connection, check: Check, incident: Incident, now: float, send: Send
) -> tuple[Incident, float | None]:
    """Take the steps of the incident's policy that are due, and tell whoever has taken
    over a rotation it reached since; returns the incident as updated and when the next
    step or hand-off is due."""
    assert incident.notified_at is not None
    policy = policy_named(conn, incident.policy)
    facts = load_facts(conn, now)
    taken = oncall_rows.steps_of(conn, incident.id)
    if policy is not None:
        for number in due_steps(policy, incident.steps_reached, incident.notified_at, now):
            record, channels = _reach(facts, policy.steps[number - 1], number, incident.id, now)
            whom = f" ({record.person})" if record.person else ""
            send(channels, "escalation", f"Step {number}: {record.target}{whom}, unacknowledged.")
            oncall_rows.insert_step(conn, record)
            taken.append(record)
            incident = replace(
                incident, steps_reached=number, escalated_at=incident.escalated_at or now
            )
    for rotation in _rotations_reached(facts, taken):
        person = on_call(rotation, facts.overrides, now)
        if person is None or person in {s.person for s in taken}:
            continue
        channels = facts.person_channels(person)
        note = f"You are now on call for {rotation.name}; nobody has acknowledged this yet."
        send(channels, "handoff", note)
        record = IncidentStep(
            incident.id,
            0,
            now,
            f"rotation:{rotation.name}",
            rotation.name,
            person,
            tuple(c.name for c in channels),
        )
        oncall_rows.insert_step(conn, record)
        taken.append(record)
    return incident, _next_due(facts, policy, incident, taken, now)


def _next_due(
    facts: OnCallFacts,
    policy: Policy | None,
    incident: Incident,
    taken: list[IncidentStep],
    now: float,
) -> float | None:
    """When the incident's next step is due, or a rotation it reached next hands off."""
    assert incident.notified_at is not None
    candidates = [_next_handoff(facts, taken, now)]
    if policy is not None:
        candidates.append(next_step_at(policy, incident.steps_reached, incident.notified_at))
    due = [t for t in candidates if t is not None]
    return min(due) if due else None


def _rotations_reached(facts: OnCallFacts, taken: list[IncidentStep]) -> list[Rotation]:
    """The rotations whose person on call an incident told: their hand-offs are told too."""
    names = {s.rotation for s in taken if s.target.startswith(f"{TargetKind.ROTATION}:")}
    return [facts.rotations[n] for n in sorted(n for n in names if n in facts.rotations)]


def _next_handoff(facts: OnCallFacts, taken: list[IncidentStep], now: float) -> float | None:
    upcoming = [
        found[0].at
        for rotation in _rotations_reached(facts, taken)
        if (found := handoffs(rotation, facts.overrides, now, 1))
    ]
    return min(upcoming) if upcoming else None


def told_channels(conn: Connection, incident: Incident) -> list[Channel]:
    """Every channel the incident's steps and hand-offs reached: its reminders and its
    recovery go to each of them."""
    names = {name for s in oncall_rows.steps_of(conn, incident.id) for name in s.channels}
    return [c for c in alert_rows.load_channels(conn) if c.name in names]


def next_action(conn: Connection, incident: Incident, now: float) -> float | None:
    """When a new incident that follows a policy next escalates or meets a hand-off."""
    taken = oncall_rows.steps_of(conn, incident.id)
    policy = policy_named(conn, incident.policy)
    return _next_due(load_facts(conn, now), policy, incident, taken, now)
