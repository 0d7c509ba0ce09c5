"""Checks as last stored, kept by the writer for the ping path.

Every ping looks its check up by uuid or slug, and reading and decoding that row costs more
than the rest of the ping's writes together. A check leaves the cache the moment its row
changes on the writer's connection (temporary triggers on `checks` say which row), so the
writes that touch no check, such as the lease renewals every few seconds and the pruning
of old events, leave a fleet's checks cached. The writer empties the cache when another
process has committed or a batch was rolled back. The next lookup then reads the row again.
"""

from __future__ import annotations

import sqlite3

from beatwatch.core.model import Check
from beatwatch.store.check_rows import load_check_by
from beatwatch.store.connection import Connection

# About 0.6 KiB a check: a fleet of this size is held whole.
CACHED_CHECKS = 10_000
_CHANGED = "beatwatch_check_row_changed"


class CheckCache:
    def __init__(self, limit: int = CACHED_CHECKS) -> None:
        self._limit = limit
        self._by_id: dict[int, Check] = {}
        self._by_uuid: dict[str, Check] = {}
        self._by_slug: dict[str, Check] = {}

    def watch(self, conn: sqlite3.Connection) -> None:
        """Drop a check from the cache whenever `conn` updates or deletes its row. Only that
        connection's writes are seen: it must be the only one that writes in this process."""
        conn.create_function(_CHANGED, 1, self.forget)
        for event in ("UPDATE", "DELETE"):
            conn.execute(
                f"CREATE TEMP TRIGGER IF NOT EXISTS forget_on_{event.lower()} "
                f"AFTER {event} ON main.checks BEGIN SELECT {_CHANGED}(OLD.id); END"
            )

    def lookup(self, conn: Connection, column: str, value: str) -> Check | None:
        """The check whose uuid or slug is `value`, as stored."""
        if getattr(conn, "shared_with_other_writers", False):
            # Another node may have written it a moment ago: read it, and lock it.
            return load_check_by(conn, column, value)
        cached = (self._by_uuid if column == "uuid" else self._by_slug).get(value)
        return cached if cached is not None else load_check_by(conn, column, value)

    def remember(self, check: Check) -> None:
        """`check` is now stored as it is; call after the ping's last write."""
        # Whatever holds its id, uuid or slug now is an older copy.
        for held in (
            self._by_id.get(check.id),
            self._by_uuid.get(check.uuid),
            self._by_slug.get(check.slug),
        ):
            if held is not None:
                self.forget(held.id)
        self._by_id[check.id] = check  # inserted last, so the last to be evicted
        self._by_uuid[check.uuid] = check
        self._by_slug[check.slug] = check
        if len(self._by_id) > self._limit:
            self.forget(next(iter(self._by_id)))

    def forget(self, check_id: int) -> None:
        # Called from inside SQLite's UPDATE: it must not raise, or the ping's write fails.
        gone = self._by_id.pop(check_id, None)
        if gone is None:
            return
        if self._by_uuid.get(gone.uuid) is gone:
            del self._by_uuid[gone.uuid]
        if self._by_slug.get(gone.slug) is gone:
            del self._by_slug[gone.slug]

    def clear(self) -> None:
        self._by_id.clear()
        self._by_uuid.clear()
        self._by_slug.clear()
