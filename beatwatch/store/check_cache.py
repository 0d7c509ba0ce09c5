"""Checks as last stored, kept by the writer for the ping path.

Every ping looks its check up by uuid or slug, and reading and decoding that row costs more
than the rest of the ping's writes together. A check leaves the cache the moment its row
changes on the writer's connection: update_checks, through which the engine writes every
change to a check, says which rows it wrote, and temporary triggers on `checks` catch its
deletion and any other statement that changes what defines it. So the writes that touch no
check, such as the lease renewals every few seconds and the pruning of old events, leave a
fleet's checks cached. The writer empties the cache when another
process has committed or a batch was rolled back. The next lookup then reads the row again.

A ping's job may also leave its check's row to be written when the batch's jobs are done
(`write_later`): a check pinged several times in one batch is then written once. Until
then the cache holds the only current copy, so the writer writes the held rows before any
job that might read checks by SQL, and before the batch is released.
"""

from __future__ import annotations

from beatwatch.core.model import Check
from beatwatch.store.check_rows import load_check_by, update_check, update_checks
from beatwatch.store.connection import Connection, SQLiteConnection

# About 0.6 KiB a check: a fleet of this size is held whole.
CACHED_CHECKS = 10_000
_CHANGED = "beatwatch_check_row_changed"
# What a check is, as against its state, which pings change. A trigger on every UPDATE of
# `checks` would be built into the ping's own too, and a statement with a trigger keeps a
# journal of each page it changes, to undo it alone: 13-18k instructions a ping over a
# fleet, a twentieth of its cost. A trigger on named columns is built only into the statements
# that set one of them.
_DEFINING_COLUMNS = (
    "uuid, name, slug, every_seconds, cron, tz, grace_seconds, max_duration_seconds, host, "
    "tags, description, alerts, channels, failure_threshold, created_at, "
    "escalation_channels, escalate_after_seconds, remind_every_seconds, escalation_policy"
)


class CheckCache:
    def __init__(self, limit: int = CACHED_CHECKS) -> None:
        self._limit = limit
        self._by_id: dict[int, Check] = {}
        self._by_uuid: dict[str, Check] = {}
        self._by_slug: dict[str, Check] = {}
        # Checks whose rows are not written yet, each with its row as it stands.
        self._unwritten: dict[int, Check] = {}
        self._writing_held = False

    def watch(self, conn: SQLiteConnection) -> None:
        """Drop a check from the cache whenever `conn` changes its row. Only that
        connection's writes are seen: it must be the only one that writes in this process."""
        conn.check_rows_written = self._forget_all
        conn.create_function(_CHANGED, 1, self.forget)
        for name, event in (
            ("deleted", "DELETE"),
            ("redefined", f"UPDATE OF {_DEFINING_COLUMNS}"),
        ):
            conn.execute(
                f"CREATE TEMP TRIGGER IF NOT EXISTS forget_{name} "
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
        """`check` is the current copy: stored as it is, or held by write_later."""
        held = self._by_id.get(check.id)
        if held is not None and held.uuid == check.uuid and held.slug == check.slug:
            # A newer copy of the same check, as every ping leaves: it takes the old copy's
            # places, its id moved last, so the last to be evicted.
            del self._by_id[check.id]
            self._by_id[check.id] = self._by_uuid[check.uuid] = self._by_slug[check.slug] = check
            return
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
        self._keep_to_limit()

    def _keep_to_limit(self) -> None:
        while len(self._by_id) > self._limit:
            # Never a check whose row is held back: the cache has its only current copy.
            oldest = next((i for i in self._by_id if i not in self._unwritten), None)
            if oldest is None:
                return
            self.forget(oldest)

    def write_later(self, conn: Connection, check: Check, stored: Check) -> None:
        """Store `check`, whose row stands as `stored`, by the end of the writer's batch;
        meanwhile lookups through the cache find it as it is now."""
        if getattr(conn, "shared_with_other_writers", False):
            # Lookups read the row itself there: it must be current at once.
            update_check(conn, check, stored)
            return
        # A row held back already stands as it did when it was first held.
        self._unwritten.setdefault(check.id, stored)
        self.remember(check)

    def write_held(self, conn: Connection) -> None:
        """Write the rows write_later held back."""
        if not self._unwritten:
            return
        held = [(self._by_id[check_id], stored) for check_id, stored in self._unwritten.items()]
        self._unwritten.clear()
        # The cache holds the very copies being written: they must not be dropped.
        self._writing_held = True
        try:
            update_checks(conn, held)
        finally:
            self._writing_held = False
        self._keep_to_limit()

    def _forget_all(self, check_ids: list[int]) -> None:
        for check_id in check_ids:
            self.forget(check_id)

    def forget(self, check_id: int) -> None:
        # Called from inside SQLite's UPDATE: it must not raise, or the ping's write fails.
        if self._writing_held:
            return
        gone = self._by_id.pop(check_id, None)
        if gone is None:
            return
        if self._by_uuid.get(gone.uuid) is gone:
            del self._by_uuid[gone.uuid]
        if self._by_slug.get(gone.slug) is gone:
            del self._by_slug[gone.slug]

    def clear(self) -> None:
        # With the batch undone, rows held back were never written and need not be.
        self._unwritten.clear()
        self._by_id.clear()
        self._by_uuid.clear()
        self._by_slug.clear()
