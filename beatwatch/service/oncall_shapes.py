"""The JSON shapes of people, rotations, overrides, escalation policies and who is on call,
shared by the command line and the API."""

from __future__ import annotations

from typing import Any

from beatwatch.core.escalation import Policy
from beatwatch.core.oncall import Handoff, Override, Person, Rotation, describe, every_text
from beatwatch.core.timefmt import utc_iso
from beatwatch.service.oncall import RotationStatus


def person_to_dict(person: Person) -> dict[str, Any]:
    return {"id": person.id, "name": person.name, "channels": list(person.channels)}


def rotation_settings(rotation: Rotation) -> dict[str, Any]:
    """A rotation as it is given: the API's and the setup file's fields."""
    hour, minute = divmod(rotation.handoff_minute, 60)
    return {
        "name": rotation.name,
        "people": list(rotation.people),
        "every": every_text(rotation.every, rotation.unit),
        "at": f"{hour:02d}:{minute:02d}",
        "tz": rotation.tz,
        "start": rotation.start_date.isoformat(),
    }


def rotation_to_dict(rotation: Rotation) -> dict[str, Any]:
    return {"id": rotation.id, **rotation_settings(rotation), "description": describe(rotation)}


def override_to_dict(override: Override, rotation_name: str | None) -> dict[str, Any]:
    return {
        "id": override.id,
        "rotation": rotation_name,
        "person": override.person,
        "starts_at": utc_iso(override.starts_at),
        "ends_at": utc_iso(override.ends_at),
    }


def policy_to_dict(policy: Policy) -> dict[str, Any]:
    return {
        "id": policy.id,
        "name": policy.name,
        "steps": [step.text for step in policy.steps],
        "tags": list(policy.tags),
        "default": policy.is_default,
    }


def handoff_to_dict(handoff: Handoff) -> dict[str, Any]:
    return {"at": utc_iso(handoff.at), "person": handoff.person, "previous": handoff.previous}


def status_to_dict(status: RotationStatus) -> dict[str, Any]:
    override = status.override
    return {
        "rotation": status.rotation.name,
        "on_call": status.on_call,
        "override": override_to_dict(override, status.rotation.name) if override else None,
        "next": status.next_person,
        "handoffs": [handoff_to_dict(h) for h in status.handoffs],
    }
