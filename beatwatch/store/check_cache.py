"""Checks as last stored, kept by the writer for the ping path.

Every ping looks its check up by uuid or slug, and reading and decoding that row costs more
than the rest of the ping's writes together. The cache is trusted only while nothing but
pings has written: any other change on the writer's connection (an edit, an evaluator pass,
a delivery) empties it, and the writer empties it when another process has committed or a
batch was rolled back. The next lookup then reads the row again.
"""

from __future__ import annotations

from beatwatch.core.model import Check
from beatwatch.store.check_rows import load_check_by
from beatwatch.store.connection import Connection

# About 0.6 KiB a check: a fleet of this size is held whole.
CACHED_CHECKS = 10_000


class CheckCache:
    def __init__(self, limit: int = CACHED_CHECKS) -> None:
        self._limit = limit
        self._by_uuid: dict[str, Check] = {}
        self._by_slug: dict[str, Check] = {}
        # The connection's total_changes just after the last remembered write: while it
        # still reads the same, nothing else has written since.
        self._mark: int | None = None

    def lookup(self, conn: Connection, column: str, value: str) -> Check | None:
        """The check whose uuid or slug is `value`, as stored."""
        if getattr(conn, "shared_with_other_writers", False):
            # Another node may have written it a moment ago: read it, and lock it.
            return load_check_by(conn, column, value)
        if conn.total_changes != self._mark:
            self.clear()
        cached = (self._by_uuid if column == "uuid" else self._by_slug).get(value)
        return cached if cached is not None else load_check_by(conn, column, value)

    def remember(self, conn: Connection, check: Check) -> None:
        """`check` is now stored as it is; call after the ping's last write."""
        for table, key in ((self._by_uuid, check.uuid), (self._by_slug, check.slug)):
            table.pop(key, None)  # re-inserting moves it to the young end
            table[key] = check
            if len(table) > self._limit:
                del table[next(iter(table))]
        self._mark = conn.total_changes

    def wrote_no_check(self, conn: Connection, changes_before: int) -> None:
        """The writes made since total_changes read `changes_before` touched no check (an
        unknown ping's, say): a cache that was good before them still is."""
        if self._mark == changes_before:
            self._mark = conn.total_changes

    def clear(self) -> None:
        self._by_uuid.clear()
        self._by_slug.clear()
        self._mark = None
