"""Queries for channels, incidents, the outbox and maintenance windows (used in writer jobs
and, through Store's reader, for display)."""

from __future__ import annotations

import json
from typing import Any

from beatwatch.core.model import Channel, Incident, MaintenanceWindow, Notification, State
from beatwatch.core.timefmt import within_calendar
from beatwatch.store.connection import Connection, Row, inserted_id

CHANNEL_COLUMNS = (
    "id, name, url, is_default, tags, created_at, failing, last_error, last_error_at, "
    "last_success_at"
)
INCIDENT_COLUMNS = (
    "id, check_id, state, opened_at, reason, notified, notified_at, streak_started_at, "
    "streak_notified, "
    "resolved_at, resolution, acknowledged_at, escalated_at, last_reminded_at, next_action_at, "
    "policy, steps_reached"
)
WINDOW_COLUMNS = (
    "id, host, reason, created_at, starts_at, ends_at, weekdays, start_minute, "
    "duration_seconds, tz, closed_until"
)
NOTIFICATION_SQL = (
    "SELECT o.id, o.channel_id, c.name, o.incident_id, o.kind, o.title, o.body, o.created_at, "
    "o.status, o.attempts, o.sent_at, o.last_error FROM outbox o JOIN channels c "
    "ON c.id = o.channel_id"
)


def channel_from_row(r: Row) -> Channel:
    return Channel(
        id=r["id"],
        name=r["name"],
        url=r["url"],
        is_default=bool(r["is_default"]),
        tags=tuple(json.loads(r["tags"])),
        created_at=r["created_at"],
        failing=bool(r["failing"]),
        last_error=r["last_error"],
        last_error_at=r["last_error_at"],
        last_success_at=r["last_success_at"],
    )


def incident_from_row(r: Row) -> Incident:
    return Incident(
        id=r["id"],
        check_id=r["check_id"],
        state=State(r["state"]),
        opened_at=r["opened_at"],
        reason=r["reason"],
        notified=bool(r["notified"]),
        notified_at=r["notified_at"],
        streak_started_at=r["streak_started_at"],
        streak_notified=bool(r["streak_notified"]),
        resolved_at=r["resolved_at"],
        resolution=r["resolution"],
        acknowledged_at=r["acknowledged_at"],
        escalated_at=r["escalated_at"],
        last_reminded_at=r["last_reminded_at"],
        next_action_at=r["next_action_at"],
        policy=r["policy"],
        steps_reached=r["steps_reached"],
    )


def window_from_row(r: Row) -> MaintenanceWindow:
    return MaintenanceWindow(
        id=r["id"],
        host=r["host"],
        reason=r["reason"],
        created_at=r["created_at"],
        starts_at=within_calendar(r["starts_at"]),
        ends_at=within_calendar(r["ends_at"]),
        weekdays=tuple(json.loads(r["weekdays"])),
        start_minute=r["start_minute"],
        duration_seconds=r["duration_seconds"],
        tz=r["tz"],
        closed_until=within_calendar(r["closed_until"]),
    )


def notification_from_row(r: Row) -> Notification:
    return Notification(*r)


# -- channels ------------------------------------------------------------------------------


def load_channels(conn: Connection) -> list[Channel]:
    rows = conn.execute(f"SELECT {CHANNEL_COLUMNS} FROM channels ORDER BY name").fetchall()
    return [channel_from_row(r) for r in rows]


def channel_by_name(conn: Connection, name: str) -> Channel | None:
    row = conn.execute(f"SELECT {CHANNEL_COLUMNS} FROM channels WHERE name = ?", (name,)).fetchone()
    return channel_from_row(row) if row else None


def insert_channel(
    conn: Connection,
    name: str,
    url: str,
    is_default: bool,
    tags: tuple[str, ...],
    now: float,
) -> int:
    return inserted_id(
        conn,
        "INSERT INTO channels (name, url, is_default, tags, created_at) VALUES (?, ?, ?, ?, ?)",
        (name, url, int(is_default), json.dumps(list(tags)), now),
    )


def update_channel(
    conn: Connection,
    channel_id: int,
    name: str,
    url: str,
    is_default: bool,
    tags: tuple[str, ...],
) -> None:
    """Change a channel in place: its id, and so its queued messages, stay."""
    conn.execute(
        "UPDATE channels SET name = ?, url = ?, is_default = ?, tags = ? WHERE id = ?",
        (name, url, int(is_default), json.dumps(list(tags)), channel_id),
    )


def delete_channel(conn: Connection, channel_id: int) -> None:
    conn.execute("DELETE FROM channels WHERE id = ?", (channel_id,))


def record_delivery(conn: Connection, channel_id: int, error: str | None, now: float) -> None:
    if error is None:
        conn.execute(
            "UPDATE channels SET failing = 0, last_success_at = ? WHERE id = ?", (now, channel_id)
        )
    else:
        conn.execute(
            "UPDATE channels SET failing = 1, last_error = ?, last_error_at = ? WHERE id = ?",
            (error, now, channel_id),
        )


# -- incidents -----------------------------------------------------------------------------


def open_incident(conn: Connection, check_id: int) -> Incident | None:
    row = conn.execute(
        f"SELECT {INCIDENT_COLUMNS} FROM incidents WHERE check_id = ? AND resolved_at IS NULL "
        "ORDER BY id DESC LIMIT 1",
        (check_id,),
    ).fetchone()
    return incident_from_row(row) if row else None


def load_incident(conn: Connection, incident_id: int) -> Incident | None:
    row = conn.execute(
        f"SELECT {INCIDENT_COLUMNS} FROM incidents WHERE id = ?", (incident_id,)
    ).fetchone()
    return incident_from_row(row) if row else None


def insert_incident(conn: Connection, incident: Incident) -> int:
    return inserted_id(
        conn,
        "INSERT INTO incidents (check_id, state, opened_at, reason, notified, notified_at, "
        "streak_started_at, streak_notified, next_action_at, policy, steps_reached) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            incident.check_id,
            incident.state.value,
            incident.opened_at,
            incident.reason,
            int(incident.notified),
            incident.notified_at,
            incident.streak_started_at,
            int(incident.streak_notified),
            incident.next_action_at,
            incident.policy,
            incident.steps_reached,
        ),
    )


def resolve_incident(conn: Connection, incident_id: int, at: float, resolution: str) -> None:
    conn.execute(
        "UPDATE incidents SET resolved_at = ?, resolution = ?, next_action_at = NULL WHERE id = ?",
        (at, resolution, incident_id),
    )


def update_incident(conn: Connection, incident_id: int, **fields: Any) -> None:
    allowed = {
        "acknowledged_at",
        "escalated_at",
        "last_reminded_at",
        "next_action_at",
        "steps_reached",
    }
    assert fields.keys() <= allowed
    assignments = ", ".join(f"{k} = ?" for k in fields)
    conn.execute(
        f"UPDATE incidents SET {assignments} WHERE id = ?", (*fields.values(), incident_id)
    )


def notified_since(conn: Connection, since: float) -> int:
    row = conn.execute("SELECT count(*) FROM incidents WHERE notified_at >= ?", (since,)).fetchone()
    return int(row[0])


def recoveries_announced_since(conn: Connection, since: float) -> int:
    row = conn.execute(
        "SELECT count(DISTINCT incident_id) FROM outbox "
        "WHERE kind = 'recovery' AND created_at >= ?",
        (since,),
    ).fetchone()
    return int(row[0])


def held_for_digest(conn: Connection, check_id: int) -> bool:
    """Whether a message about the check waits for a storm digest."""
    row = conn.execute(
        "SELECT 1 FROM outbox o JOIN incidents i ON i.id = o.incident_id "
        "WHERE i.check_id = ? AND o.status = ? LIMIT 1",
        (check_id, HELD),
    ).fetchone()
    return row is not None


def due_incident_actions(conn: Connection, now: float) -> list[Incident]:
    rows = conn.execute(
        f"SELECT {INCIDENT_COLUMNS} FROM incidents WHERE next_action_at <= ? "
        "ORDER BY next_action_at LIMIT 500",
        (now,),
    ).fetchall()
    return [incident_from_row(r) for r in rows]


def next_incident_action(conn: Connection) -> float | None:
    """When the next escalation or reminder falls due."""
    row = conn.execute(
        "SELECT min(next_action_at) FROM incidents WHERE next_action_at IS NOT NULL"
    ).fetchone()
    return None if row[0] is None else float(row[0])


# -- outbox --------------------------------------------------------------------------------

PENDING, HELD, SENT, EXPIRED, DIGESTED = "pending", "held", "sent", "expired", "digested"


def enqueue(
    conn: Connection,
    channel_id: int,
    incident_id: int | None,
    kind: str,
    title: str,
    body: str,
    now: float,
    held: bool = False,
) -> None:
    conn.execute(
        "INSERT INTO outbox (channel_id, incident_id, kind, title, body, created_at, status, "
        "next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            channel_id,
            incident_id,
            kind,
            title,
            body,
            now,
            HELD if held else PENDING,
            None if held else now,
        ),
    )


def notifications_for(conn: Connection, incident_id: int) -> list[Notification]:
    rows = conn.execute(f"{NOTIFICATION_SQL} WHERE o.incident_id = ? ORDER BY o.id", (incident_id,))
    return [notification_from_row(r) for r in rows.fetchall()]


def drop_pending_for_check(conn: Connection, check_id: int) -> None:
    """A deleted check's unsent alerts go with it."""
    conn.execute(
        "DELETE FROM outbox WHERE status IN ('pending', 'held') AND incident_id IN "
        "(SELECT id FROM incidents WHERE check_id = ?)",
        (check_id,),
    )


# -- maintenance windows -------------------------------------------------------------------


def windows_for_host(conn: Connection, host: str) -> list[MaintenanceWindow]:
    rows = conn.execute(
        f"SELECT {WINDOW_COLUMNS} FROM maintenance_windows WHERE host = ? ORDER BY id", (host,)
    ).fetchall()
    return [window_from_row(r) for r in rows]


def insert_window(conn: Connection, window: MaintenanceWindow) -> int:
    return inserted_id(
        conn,
        "INSERT INTO maintenance_windows (host, reason, created_at, starts_at, ends_at, weekdays, "
        "start_minute, duration_seconds, tz) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            window.host,
            window.reason,
            window.created_at,
            window.starts_at,
            window.ends_at,
            json.dumps(list(window.weekdays)),
            window.start_minute,
            window.duration_seconds,
            window.tz,
        ),
    )


def end_window(
    conn: Connection, window: MaintenanceWindow, now: float, occurrence_end: float
) -> None:
    """Close an open window now: a one-off one ends; a weekly one skips this occurrence."""
    if window.is_weekly:
        conn.execute(
            "UPDATE maintenance_windows SET closed_until = ? WHERE id = ?",
            (occurrence_end, window.id),
        )
    else:
        conn.execute("UPDATE maintenance_windows SET ends_at = ? WHERE id = ?", (now, window.id))


def delete_window(conn: Connection, window_id: int) -> bool:
    return conn.execute("DELETE FROM maintenance_windows WHERE id = ?", (window_id,)).rowcount > 0
