"""The event log's rows: what the engine did, one row per fact, written inside the
transaction of the fact it tells of, and read by every interface, whichever process wrote
them."""

from __future__ import annotations

from beatwatch.core.model import EventKind, LogEvent
from beatwatch.store.connection import Connection, Row, inserted_id

# The newest lines kept; each insert drops the one that falls off the end.
EVENTS_KEPT = 10_000
EVENT_COLUMNS = "id, at, level, kind, text, check_id, paused_until"
# The newest `limit` lines after a given id, oldest first.
NEWEST_AFTER_SQL = (
    f"SELECT {EVENT_COLUMNS} FROM (SELECT {EVENT_COLUMNS} FROM events WHERE id > ? "
    "ORDER BY id DESC LIMIT ?) AS newest ORDER BY id"
)


def insert_event(conn: Connection, event: LogEvent) -> int:
    """Store `event` (its id is ignored); returns the id it was given."""
    new_id = inserted_id(
        conn,
        "INSERT INTO events (at, level, kind, text, check_id, paused_until) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (event.at, event.level, event.kind, event.text, event.check_id, event.paused_until),
    )
    # Ids come one after another and are never reused (AUTOINCREMENT; a rolled-back insert
    # gives its id back), so one range delete on the key keeps exactly the newest lines.
    conn.execute("DELETE FROM events WHERE id <= ?", (new_id - EVENTS_KEPT,))
    return new_id


def event_from_row(r: Row) -> LogEvent:
    return LogEvent(
        id=r["id"],
        at=r["at"],
        level=r["level"],
        kind=EventKind(r["kind"]),
        text=r["text"],
        check_id=r["check_id"],
        paused_until=r["paused_until"],
    )


def clear_events(conn: Connection) -> None:
    """Empty the event log (the demo's made-up history is no news to anyone)."""
    conn.execute("DELETE FROM events")
