"""Queries for people, rotations, overrides, escalation policies and the steps incidents
have taken (used in writer jobs and, through Store's reader, for display)."""

from __future__ import annotations

import json
from datetime import date

from beatwatch.core.escalation import Policy, Step, TargetKind
from beatwatch.core.model import IncidentStep
from beatwatch.core.oncall import Override, Person, Rotation, Unit
from beatwatch.store.connection import Connection, Row, inserted_id

PERSON_COLUMNS = "id, name, channels, created_at"
ROTATION_COLUMNS = "id, name, people, every, unit, start_date, handoff_minute, tz, created_at"
OVERRIDE_COLUMNS = "id, rotation_id, person, starts_at, ends_at, created_at"
POLICY_COLUMNS = "id, name, steps, tags, is_default, created_at"
STEP_COLUMNS = "incident_id, step, at, target, rotation, person, channels"
PEOPLE_SQL = f"SELECT {PERSON_COLUMNS} FROM people ORDER BY name"
ROTATIONS_SQL = f"SELECT {ROTATION_COLUMNS} FROM rotations ORDER BY name"
# Overrides still in force or to come at the time given.
OVERRIDES_SQL = f"SELECT {OVERRIDE_COLUMNS} FROM overrides WHERE ends_at > ? ORDER BY starts_at, id"
POLICIES_SQL = f"SELECT {POLICY_COLUMNS} FROM escalation_policies ORDER BY name"


def person_from_row(r: Row) -> Person:
    return Person(r["id"], r["name"], tuple(json.loads(r["channels"])), r["created_at"])


def rotation_from_row(r: Row) -> Rotation:
    return Rotation(
        id=r["id"],
        name=r["name"],
        people=tuple(json.loads(r["people"])),
        every=r["every"],
        unit=Unit(r["unit"]),
        start_date=date.fromisoformat(r["start_date"]),
        handoff_minute=r["handoff_minute"],
        tz=r["tz"],
        created_at=r["created_at"],
    )


def override_from_row(r: Row) -> Override:
    return Override(*r)


def policy_from_row(r: Row) -> Policy:
    steps = tuple(Step(after, TargetKind(kind), target) for after, kind, target in json.loads(r[2]))
    return Policy(r["id"], r["name"], steps, tuple(json.loads(r["tags"])), bool(r[4]), r[5])


def step_from_row(r: Row) -> IncidentStep:
    return IncidentStep(
        r["incident_id"],
        r["step"],
        r["at"],
        r["target"],
        r["rotation"],
        r["person"],
        tuple(json.loads(r["channels"])),
    )


def _names(values: tuple[str, ...]) -> str:
    return json.dumps(list(values))


# -- people --------------------------------------------------------------------------------


def load_people(conn: Connection) -> list[Person]:
    return [person_from_row(r) for r in conn.execute(PEOPLE_SQL).fetchall()]


def insert_person(conn: Connection, name: str, channels: tuple[str, ...], now: float) -> None:
    conn.execute(
        "INSERT INTO people (name, channels, created_at) VALUES (?, ?, ?)",
        (name, _names(channels), now),
    )


def update_person(conn: Connection, name: str, channels: tuple[str, ...]) -> None:
    conn.execute("UPDATE people SET channels = ? WHERE name = ?", (_names(channels), name))


def delete_person(conn: Connection, name: str) -> None:
    conn.execute("DELETE FROM people WHERE name = ?", (name,))


# -- rotations and overrides ---------------------------------------------------------------


def load_rotations(conn: Connection) -> list[Rotation]:
    return [rotation_from_row(r) for r in conn.execute(ROTATIONS_SQL).fetchall()]


def save_rotation(conn: Connection, rotation: Rotation) -> None:
    """Insert `rotation` (id 0) or write it over the one with its id."""
    values = (
        rotation.name,
        _names(rotation.people),
        rotation.every,
        rotation.unit.value,
        rotation.start_date.isoformat(),
        rotation.handoff_minute,
        rotation.tz,
    )
    if rotation.id:
        conn.execute(
            "UPDATE rotations SET name = ?, people = ?, every = ?, unit = ?, start_date = ?, "
            "handoff_minute = ?, tz = ? WHERE id = ?",
            (*values, rotation.id),
        )
    else:
        conn.execute(
            "INSERT INTO rotations (name, people, every, unit, start_date, handoff_minute, tz, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (*values, rotation.created_at),
        )


def delete_rotation(conn: Connection, rotation_id: int) -> None:
    conn.execute("DELETE FROM rotations WHERE id = ?", (rotation_id,))


def load_overrides(conn: Connection, now: float) -> list[Override]:
    return [override_from_row(r) for r in conn.execute(OVERRIDES_SQL, (now,)).fetchall()]


def insert_override(conn: Connection, override: Override) -> int:
    return inserted_id(
        conn,
        "INSERT INTO overrides (rotation_id, person, starts_at, ends_at, created_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (
            override.rotation_id,
            override.person,
            override.starts_at,
            override.ends_at,
            override.created_at,
        ),
    )


def delete_override(conn: Connection, override_id: int) -> bool:
    return conn.execute("DELETE FROM overrides WHERE id = ?", (override_id,)).rowcount > 0


# -- escalation policies -------------------------------------------------------------------


def load_policies(conn: Connection) -> list[Policy]:
    return [policy_from_row(r) for r in conn.execute(POLICIES_SQL).fetchall()]


def save_policy(conn: Connection, policy: Policy) -> None:
    """Insert `policy` (id 0) or write it over the one with its id. One default at most:
    making one the default makes the others not."""
    steps = json.dumps([[s.after_seconds, s.kind.value, s.target] for s in policy.steps])
    values = (policy.name, steps, _names(policy.tags), int(policy.is_default))
    if policy.is_default:
        conn.execute(
            "UPDATE escalation_policies SET is_default = 0 WHERE name != ?", (policy.name,)
        )
    if policy.id:
        conn.execute(
            "UPDATE escalation_policies SET name = ?, steps = ?, tags = ?, is_default = ? "
            "WHERE id = ?",
            (*values, policy.id),
        )
    else:
        conn.execute(
            "INSERT INTO escalation_policies (name, steps, tags, is_default, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (*values, policy.created_at),
        )


def delete_policy(conn: Connection, policy_id: int) -> None:
    conn.execute("DELETE FROM escalation_policies WHERE id = ?", (policy_id,))


# -- the steps incidents have taken --------------------------------------------------------


def insert_step(conn: Connection, step: IncidentStep) -> None:
    conn.execute(
        f"INSERT INTO incident_steps ({STEP_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            step.incident_id,
            step.step,
            step.at,
            step.target,
            step.rotation,
            step.person,
            _names(step.channels),
        ),
    )


def steps_of(conn: Connection, incident_id: int) -> list[IncidentStep]:
    rows = conn.execute(
        f"SELECT {STEP_COLUMNS} FROM incident_steps WHERE incident_id = ? ORDER BY id",
        (incident_id,),
    ).fetchall()
    return [step_from_row(r) for r in rows]


def recheck_escalations(conn: Connection, now: float) -> None:
    """Look at every open, unacknowledged incident that follows a policy at once: who is on
    call has changed (a rotation edited, an override added), and a hand-off may be due."""
    conn.execute(
        "UPDATE incidents SET next_action_at = ? WHERE resolved_at IS NULL "
        "AND acknowledged_at IS NULL AND policy IS NOT NULL AND notified = 1",
        (now,),
    )
