"""The SQLite store: opening the file, every query, and row <-> model conversion.

Writes go through the group-committing Writer (sync jobs on its thread); reads go through an
aiosqlite connection, which in WAL mode never waits for the writer.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import sqlite3
import stat
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import aiosqlite

from beatwatch.core.errors import NoDatabase, StorageError
from beatwatch.core.escalation import Policy
from beatwatch.core.model import (
    PINGS_KEPT,
    Channel,
    Check,
    Incident,
    IncidentStep,
    LogEvent,
    MaintenanceWindow,
    Notification,
    Ping,
    PingKind,
    PingRequest,
    State,
    Transition,
    UnknownPing,
    is_row_id,
)
from beatwatch.core.oncall import Override, Person, Rotation
from beatwatch.store import alert_rows, event_rows, oncall_rows
from beatwatch.store.check_cache import CheckCache
from beatwatch.store.check_rows import (
    CHECK_COLUMNS,
    check_from_row,
    check_values,
)
from beatwatch.store.connection import (
    Connection,
    Row,
    SQLiteConnection,
    inserted_id,
    row_lock,
)
from beatwatch.store.schema import migrate
from beatwatch.store.token_rows import TOKEN_COLUMNS, Token, token_from_row
from beatwatch.store.writer import Writer

if TYPE_CHECKING:
    from beatwatch.store.postgres import PostgresReader


class _OfIncident(Protocol):
    @property
    def incident_id(self) -> int | None: ...


T = TypeVar("T")
R = TypeVar("R", bound=_OfIncident)
DB_FILE = "beatwatch.db"
UNKNOWN_PINGS_KEPT = 50
TRANSITIONS_KEPT = 100
# The writer's page cache; it grows only as far as the database does.
WRITER_CACHE_KIB = 16384

UNKNOWN_PING_COLUMNS = "at, key, remote_addr, user_agent, method, path, body, uuid, slug"
PING_COLUMNS = "number, check_id, kind, at, exit_code, rid, duration, remote_addr, user_agent, body"


# sqlite3 binds ints, floats and strs as they are, but looks None and bytes up in its
# adapter registry first: a tuple built, a dict missed and two attribute lookups for each
# such value, and a ping binds several. Adapters that hand them back as they are answer at
# the first lookup (8% of a ping's writer job on one hot check, counted by callgrind).
sqlite3.register_adapter(type(None), {}.get)  # None, whatever it is asked for
sqlite3.register_adapter(bytes, bytes)  # bytes(b) is b itself


def connect(path: Path) -> SQLiteConnection:
    """A connection with the settings every beatwatch connection uses."""
    conn = sqlite3.connect(
        path, isolation_level=None, check_same_thread=False, factory=SQLiteConnection
    )
    conn.row_factory = sqlite3.Row
    _configure(conn)
    return conn


def _configure(conn: Connection) -> None:
    conn.execute("PRAGMA journal_mode = WAL")
    # FULL: a ping is on disk before its 200 goes out, even across a power cut.
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 5000")


def prepare_files(data_dir: Path) -> Path:
    """Create the data dir (0700) and the database file (0600) before SQLite opens it."""
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = data_dir / DB_FILE
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    return path


def open_to_others(data_dir: Path) -> list[tuple[Path, int]]:
    """The data dir and database files that other users may read or write (group or other
    bits set), with their modes: a directory restored with `cp -r` or a umask of 022 leaves
    channel passwords and ping uuids readable by every account on the machine."""
    paths = [data_dir, *(data_dir / f"{DB_FILE}{suffix}" for suffix in ("", "-wal", "-shm"))]
    found = []
    for path in paths:
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except FileNotFoundError:
            continue
        if mode & 0o077:
            found.append((path, mode))
    return found


def _reason(exc: BaseException) -> str:
    return exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)


def _free_space(path: Path) -> str:
    """The room left on the disk that holds `path` (or its nearest existing parent)."""
    while not path.exists() and path != path.parent:
        path = path.parent
    free = shutil.disk_usage(path).free
    if free < 1024:
        return f"{free} bytes"
    size = free / 1024
    for unit in ("KiB", "MiB"):
        if size < 1024:
            return f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GiB"


class Store:
    def __init__(
        self, path: Path, database_url: str | None = None, password: str | None = None
    ) -> None:
        self.path = path
        # With a URL the store is on PostgreSQL; without, in the SQLite file at `path`.
        self.database_url = database_url
        if database_url is None:
            self.writer = Writer(self._open_writer_connection)
        else:
            from beatwatch.store import postgres

            self.writer = Writer(
                partial(postgres.open_writer, database_url, password), postgres.foreign_commits
            )
        # Used only inside writer jobs.
        self.check_cache = CheckCache()
        self.writer.on_stale = self.check_cache.clear
        self.writer.write_held = self.check_cache.write_held
        self._reader: aiosqlite.Connection | None = None
        self._pg_reader: PostgresReader | None = None

    @classmethod
    async def open(
        cls,
        data_dir: Path,
        create: bool = True,
        database_url: str | None = None,
        password: str | None = None,
    ) -> Store:
        """Open the data dir's database; create it (and the dir) if there is none, unless
        `create` is false: then raise NoDatabase and leave the disk as it was. With
        `database_url`, open that PostgreSQL database instead (the data dir still holds the
        engine's lock and logs); its schema is made or brought up to date."""
        if database_url is not None:
            return await cls._open_postgres(data_dir, database_url, password)
        if not create and not (data_dir / DB_FILE).is_file():
            raise NoDatabase(data_dir)
        store = cls(data_dir / DB_FILE)
        try:
            prepare_files(data_dir)
            store.writer.start()
            reader = await aiosqlite.connect(store.path, isolation_level=None)
            store._reader = reader
            reader.row_factory = sqlite3.Row
            await reader.execute("PRAGMA busy_timeout = 5000")
            await reader.execute("PRAGMA query_only = ON")
        except (sqlite3.Error, OSError) as exc:
            await store.close()
            # A full disk shows first here, as SQLite's "disk is full" or "disk I/O error"
            # (it cannot map the WAL index): say how much room there is.
            raise StorageError(
                f"cannot open the database {store.path}: {_reason(exc)} "
                f"({_free_space(data_dir)} free on its disk)"
            ) from None
        return store

    @classmethod
    async def _open_postgres(cls, data_dir: Path, database_url: str, password: str | None) -> Store:
        from beatwatch.store import postgres

        store = cls(data_dir / DB_FILE, database_url, password)
        try:
            data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            # Connecting blocks: off the loop, as a first connection may wait for a timeout.
            await asyncio.to_thread(store.writer.start_connection)
            store.writer.start()
            store._pg_reader = postgres.PostgresReader(database_url, password)
            await store._pg_reader.open()
        except (sqlite3.Error, OSError, RuntimeError) as exc:
            await store.close()
            raise StorageError(
                f"cannot open the database {postgres.masked(database_url)}: {_reason(exc)}"
            ) from None
        return store

    @property
    def location(self) -> str:
        """Where the data is, for messages: the file, or the database URL without password."""
        if self.database_url is None:
            return str(self.path)
        from beatwatch.store.postgres import masked

        return masked(self.database_url)

    def _open_writer_connection(self) -> Connection:
        conn = connect(self.path)
        migrate(conn)
        # SQLite must never sleep for a lock on the event loop's thread: the writer retries
        # BEGIN itself, for Writer.lock_wait.
        conn.execute("PRAGMA busy_timeout = 0")
        # Each ping touches its check's row and history index. SQLite's default 2 MiB page
        # cache is outgrown by a few thousand checks, and every miss is a read from the OS.
        conn.execute(f"PRAGMA cache_size = -{WRITER_CACHE_KIB}")
        # A batch runs in a savepoint, which keeps the first copy of each page it changes:
        # in memory, not in a temporary file opened and deleted for every batch.
        conn.execute("PRAGMA temp_store = MEMORY")
        self.check_cache.watch(conn)
        return conn

    async def close(self) -> None:
        if self._reader is not None:
            await self._reader.close()
            self._reader = None
        if self._pg_reader is not None:
            await self._pg_reader.close()
            self._pg_reader = None
        await self.writer.stop()

    async def write(
        self, job: Callable[[Connection], T], quiet: bool = False, through_cache: bool = False
    ) -> T:
        return await self.writer.run(job, quiet, through_cache)

    # -- reads -------------------------------------------------------------------------------

    async def _fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        """Every row, read in one call on the reader's thread. Executing and fetching as two
        calls let another task's query start in between and share its read transaction,
        and with it a snapshot older than writes already acknowledged."""
        if self._pg_reader is not None:
            return await self._pg_reader.fetchall(sql, tuple(params))
        assert self._reader is not None, "store is closed"
        return list(await self._reader.execute_fetchall(sql, tuple(params)))

    async def _fetchone(self, sql: str, params: Iterable[Any] = ()) -> Row | None:
        rows = await self._fetchall(sql, params)
        return rows[0] if rows else None

    async def list_checks(self) -> list[Check]:
        rows = await self._fetchall(f"SELECT {CHECK_COLUMNS} FROM checks ORDER BY name")
        return [check_from_row(r) for r in rows]

    async def get_check(self, check_id: int) -> Check | None:
        row = await self._fetchone(f"SELECT {CHECK_COLUMNS} FROM checks WHERE id = ?", [check_id])
        return check_from_row(row) if row else None

    async def find_check(self, ref: str) -> Check | None:
        """A check by id, uuid, slug or name (in that order of preference)."""
        row = await self._fetchone(FIND_CHECK_SQL, _find_params(ref))
        return check_from_row(row) if row else None

    async def pings(self, check_id: int, limit: int) -> list[Ping]:
        rows = await self._fetchall(
            f"SELECT {PING_COLUMNS} FROM pings WHERE check_id = ? ORDER BY number DESC LIMIT ?",
            [check_id, limit],
        )
        return [ping_from_row(r) for r in rows]

    async def recent_results(
        self, check_ids: Sequence[int], limit: int
    ) -> dict[int, list[tuple[PingKind, int | None]]]:
        """The kind and exit code of each check's newest `limit` finishing pings, newest
        first, in one query for many checks."""
        marks = ", ".join("?" * len(check_ids)) or "NULL"  # an empty IN () is SQLite's alone
        rows = await self._fetchall(
            "SELECT check_id, kind, exit_code FROM ("
            "  SELECT check_id, kind, exit_code, number, row_number() OVER ("
            "    PARTITION BY check_id ORDER BY number DESC) AS newness"
            f"  FROM pings WHERE check_id IN ({marks}) AND kind IN ('success', 'fail')"
            ") AS newest WHERE newness <= ? ORDER BY check_id, number DESC",
            [*check_ids, limit],
        )
        results: dict[int, list[tuple[PingKind, int | None]]] = {i: [] for i in check_ids}
        for check_id, kind, exit_code in rows:
            results[check_id].append((PingKind(kind), exit_code))
        return results

    async def transitions(self, check_id: int, limit: int) -> list[Transition]:
        rows = await self._fetchall(
            "SELECT check_id, at, from_state, to_state FROM transitions WHERE check_id = ? "
            "ORDER BY id DESC LIMIT ?",
            [check_id, limit],
        )
        return [Transition(r[0], r[1], State(r[2]), State(r[3])) for r in rows]

    async def unknown_pings(self, limit: int = UNKNOWN_PINGS_KEPT) -> list[UnknownPing]:
        rows = await self._fetchall(
            f"SELECT {UNKNOWN_PING_COLUMNS} FROM unknown_pings ORDER BY id DESC LIMIT ?", [limit]
        )
        return [UnknownPing(*r[:6], bytes(r[6]), *r[7:]) for r in rows]

    async def log_events(self, after: int, limit: int) -> list[LogEvent]:
        """The newest `limit` lines of the event log whose id is above `after`, oldest
        first: a reader that keeps the last id it saw asks only for what is new."""
        rows = await self._fetchall(event_rows.NEWEST_AFTER_SQL, [after, limit])
        return [event_rows.event_from_row(r) for r in rows]

    async def channels(self) -> list[Channel]:
        rows = await self._fetchall(
            f"SELECT {alert_rows.CHANNEL_COLUMNS} FROM channels ORDER BY name"
        )
        return [alert_rows.channel_from_row(r) for r in rows]

    async def incidents(self, open_only: bool, limit: int | None) -> list[Incident]:
        """The newest `limit` incidents (all of them for None), the newest first."""
        where = "WHERE resolved_at IS NULL" if open_only else ""
        # No LIMIT at all for every row: LIMIT -1 is SQLite's alone, LIMIT NULL PostgreSQL's.
        bound = "" if limit is None else f"LIMIT {int(limit)}"
        rows = await self._fetchall(
            f"SELECT {alert_rows.INCIDENT_COLUMNS} FROM incidents {where} ORDER BY id DESC {bound}"
        )
        return [alert_rows.incident_from_row(r) for r in rows]

    async def incident(self, incident_id: int) -> Incident | None:
        row = await self._fetchone(
            f"SELECT {alert_rows.INCIDENT_COLUMNS} FROM incidents WHERE id = ?", [incident_id]
        )
        return alert_rows.incident_from_row(row) if row else None

    async def _by_incident(
        self, sql: str, incident_ids: Sequence[int], from_row: Callable[[Row], R]
    ) -> dict[int, list[R]]:
        """Rows of `sql` (which ends in "WHERE <incident_id column> IN") for each of
        `incident_ids`, oldest first, read in one query."""
        found: dict[int, list[R]] = {incident_id: [] for incident_id in incident_ids}
        if not found:
            return found
        marks = ", ".join("?" * len(found)) or "NULL"
        for row in await self._fetchall(f"{sql} ({marks}) ORDER BY 1", list(found)):
            item = from_row(row)
            assert item.incident_id is not None
            found[item.incident_id].append(item)
        return found

    async def notifications(self, incident_ids: Sequence[int]) -> dict[int, list[Notification]]:
        """Each incident's notifications, oldest first."""
        sql = f"{alert_rows.NOTIFICATION_SQL} WHERE o.incident_id IN"
        return await self._by_incident(sql, incident_ids, alert_rows.notification_from_row)

    async def recent_notifications(self, limit: int) -> list[Notification]:
        sql = f"{alert_rows.NOTIFICATION_SQL} ORDER BY o.id DESC LIMIT ?"
        rows = await self._fetchall(sql, [limit])
        return [alert_rows.notification_from_row(r) for r in rows]

    async def people(self) -> list[Person]:
        rows = await self._fetchall(oncall_rows.PEOPLE_SQL)
        return [oncall_rows.person_from_row(r) for r in rows]

    async def rotations(self) -> list[Rotation]:
        rows = await self._fetchall(oncall_rows.ROTATIONS_SQL)
        return [oncall_rows.rotation_from_row(r) for r in rows]

    async def overrides(self, now: float) -> list[Override]:
        """The overrides in force at `now` or still to come."""
        rows = await self._fetchall(oncall_rows.OVERRIDES_SQL, [now])
        return [oncall_rows.override_from_row(r) for r in rows]

    async def policies(self) -> list[Policy]:
        rows = await self._fetchall(oncall_rows.POLICIES_SQL)
        return [oncall_rows.policy_from_row(r) for r in rows]

    async def incident_steps(self, incident_ids: Sequence[int]) -> dict[int, list[IncidentStep]]:
        """The steps each incident has taken, oldest first."""
        sql = f"SELECT id, {oncall_rows.STEP_COLUMNS} FROM incident_steps WHERE incident_id IN"
        return await self._by_incident(sql, incident_ids, oncall_rows.step_from_row)

    async def hosts(self) -> list[str]:
        rows = await self._fetchall("SELECT name FROM hosts ORDER BY name")
        return [r[0] for r in rows]

    async def windows(self) -> list[MaintenanceWindow]:
        rows = await self._fetchall(
            f"SELECT {alert_rows.WINDOW_COLUMNS} FROM maintenance_windows ORDER BY host, id"
        )
        return [alert_rows.window_from_row(r) for r in rows]

    async def outbox_counts(self) -> dict[str, int]:
        rows = await self._fetchall("SELECT status, count(*) FROM outbox GROUP BY status")
        return {r[0]: r[1] for r in rows}

    async def setting(self, key: str) -> str | None:
        row = await self._fetchone("SELECT value FROM settings WHERE key = ?", [key])
        return row[0] if row else None

    async def earliest_change(self) -> float | None:
        # The IS NOT NULL lets SQLite answer from the partial index instead of a scan.
        row = await self._fetchone(
            "SELECT min(next_change_at) FROM checks WHERE next_change_at IS NOT NULL"
        )
        return row[0] if row else None

    async def integrity_ok(self) -> bool:
        if self.database_url is not None:
            # PostgreSQL checks its own pages: that it answers is what there is to know here.
            return await self._fetchone("SELECT 1") is not None
        row = await self._fetchone("PRAGMA quick_check")
        return row is not None and row[0] == "ok"

    async def tokens(self) -> list[Token]:
        rows = await self._fetchall(f"SELECT {TOKEN_COLUMNS} FROM api_tokens ORDER BY id")
        return [token_from_row(r) for r in rows]

    async def badge_keys(self) -> dict[int, str | None]:
        """Every check's badge key by check id (None until one is given out)."""
        rows = await self._fetchall("SELECT id, badge_key FROM checks")
        return {r[0]: r[1] for r in rows}

    async def check_by_badge_key(self, key: str) -> Check | None:
        row = await self._fetchone(f"SELECT {CHECK_COLUMNS} FROM checks WHERE badge_key = ?", [key])
        return check_from_row(row) if row else None


# One indexed lookup per way of naming a check, best match first: a single WHERE with ORs
# would scan the whole table.
FIND_CHECK_SQL = f"""
    SELECT {CHECK_COLUMNS} FROM (
        SELECT 0 AS preference, * FROM checks WHERE id = ?
        UNION ALL SELECT 1, * FROM checks WHERE uuid = ?
        UNION ALL SELECT 2, * FROM checks WHERE slug = ?
        UNION ALL SELECT 3, * FROM checks WHERE name = ?
    ) AS found ORDER BY preference LIMIT 1
"""


def _find_params(ref: str) -> tuple[int | None, str, str, str]:
    """FIND_CHECK_SQL's parameters: an id only for a plain decimal number such as "12"."""
    is_id = ref.isascii() and ref.isdigit() and str(int(ref)) == ref and is_row_id(int(ref))
    return int(ref) if is_id else None, ref.lower(), ref.lower(), ref


# -- conversion ----------------------------------------------------------------------------


def ping_from_row(r: Row) -> Ping:
    return Ping(
        number=r["number"],
        check_id=r["check_id"],
        kind=PingKind(r["kind"]),
        at=r["at"],
        exit_code=r["exit_code"],
        rid=r["rid"],
        duration=r["duration"],
        remote_addr=r["remote_addr"],
        user_agent=r["user_agent"],
        body=bytes(r["body"]),
    )


# -- queries used inside writer jobs ------------------------------------------------------


def load_check(conn: Connection, check_id: int) -> Check | None:
    row = conn.execute(
        f"SELECT {CHECK_COLUMNS} FROM checks WHERE id = ?{row_lock(conn)}", (check_id,)
    ).fetchone()
    return check_from_row(row) if row else None


def load_checks_naming(conn: Connection, ref: str) -> list[Check]:
    """The checks with `ref` among their channels or escalation channels."""
    rows = conn.execute(
        f"SELECT {CHECK_COLUMNS} FROM checks WHERE "
        "EXISTS (SELECT 1 FROM json_each(checks.channels) WHERE value = :ref) OR "
        "EXISTS (SELECT 1 FROM json_each(checks.escalation_channels) WHERE value = :ref)",
        {"ref": ref},
    ).fetchall()
    return [check_from_row(r) for r in rows]


def load_due_checks(conn: Connection, now: float, limit: int) -> list[Check]:
    rows = conn.execute(
        f"SELECT {CHECK_COLUMNS} FROM checks WHERE next_change_at <= ? "
        f"ORDER BY next_change_at LIMIT ?{row_lock(conn)}",
        (now, limit),
    ).fetchall()
    return [check_from_row(r) for r in rows]


def ensure_host(conn: Connection, host: str | None, now: float) -> None:
    if host:
        conn.execute(
            "INSERT INTO hosts (name, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
            (host, now),
        )


def host_exists(conn: Connection, host: str) -> bool:
    return conn.execute("SELECT 1 FROM hosts WHERE name = ?", (host,)).fetchone() is not None


def insert_check(conn: Connection, check: Check) -> int:
    values = check_values(check)
    del values["id"]
    columns = ", ".join(values)
    placeholders = ", ".join(f":{k}" for k in values)
    return inserted_id(conn, f"INSERT INTO checks ({columns}) VALUES ({placeholders})", values)


def delete_check(conn: Connection, check_id: int) -> None:
    conn.execute("DELETE FROM checks WHERE id = ?", (check_id,))


def insert_ping(
    conn: Connection,
    check_id: int,
    number: int,
    request: PingRequest,
    at: float,
    duration: float | None,
) -> Ping:
    """Store the ping `request` made to check `check_id`, received at `at`, as the check's
    ping `number`: in its slot, over the ping PINGS_KEPT before it."""
    ping = Ping(
        number,
        check_id,
        request.kind,
        at,
        request.exit_code,
        request.rid,
        duration,
        request.remote_addr,
        request.user_agent,
        request.body,
    )
    # The columns from `at` on are the ping's fields from `at` on, in the same order.
    conn.execute(INSERT_PING, (check_id, ping_slot(number), number, ping.kind.value, *ping[3:]))
    return ping


def ping_slot(number: int) -> int:
    """Where a check's ping `number` is kept: over its ping PINGS_KEPT before."""
    return number % PINGS_KEPT


# A ping written over the one PINGS_KEPT before it, or into its empty slot.
INSERT_PING = (
    "INSERT INTO pings (check_id, slot, number, kind, at, exit_code, rid, duration, "
    "remote_addr, user_agent, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (check_id, slot) DO UPDATE SET number = excluded.number, "
    "kind = excluded.kind, at = excluded.at, exit_code = excluded.exit_code, "
    "rid = excluded.rid, duration = excluded.duration, remote_addr = excluded.remote_addr, "
    "user_agent = excluded.user_agent, body = excluded.body"
)


def last_ping_of_kind(conn: Connection, check_id: int, kind: PingKind) -> Ping | None:
    row = conn.execute(
        f"SELECT {PING_COLUMNS} FROM pings WHERE check_id = ? AND kind = ? "
        "ORDER BY number DESC LIMIT 1",
        (check_id, kind.value),
    ).fetchone()
    return ping_from_row(row) if row else None


def insert_transition(conn: Connection, transition: Transition) -> None:
    conn.execute(
        "INSERT INTO transitions (check_id, at, from_state, to_state) VALUES (?, ?, ?, ?)",
        (transition.check_id, transition.at, transition.from_state, transition.to_state),
    )
    conn.execute(
        "DELETE FROM transitions WHERE check_id = ? AND id <= "
        "(SELECT id FROM transitions WHERE check_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)",
        (transition.check_id, transition.check_id, TRANSITIONS_KEPT),
    )


# Open runs: starts not yet closed by a finish.


def open_run(conn: Connection, check_id: int, rid: str | None, at: float, keep: int) -> None:
    """Record a start. Without a rid it replaces earlier rid-less starts (that run was
    abandoned); with one it stands beside the others, up to `keep` open runs per check."""
    if rid is None:
        conn.execute("DELETE FROM runs WHERE check_id = ? AND rid IS NULL", (check_id,))
    else:
        conn.execute("DELETE FROM runs WHERE check_id = ? AND rid = ?", (check_id, rid))
    conn.execute(
        "INSERT INTO runs (check_id, rid, started_at) VALUES (?, ?, ?)", (check_id, rid, at)
    )
    conn.execute(
        "DELETE FROM runs WHERE check_id = ? AND id <= "
        "(SELECT id FROM runs WHERE check_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)",
        (check_id, check_id, keep),
    )


def close_run(conn: Connection, check_id: int, rid: str | None) -> float | None:
    """Close the run a finish belongs to (its rid's, else the newest); returns its start."""
    if rid is not None:
        row = conn.execute(
            "SELECT id, started_at FROM runs WHERE check_id = ? AND rid = ?", (check_id, rid)
        ).fetchone()
    else:
        row = conn.execute(
            "SELECT id, started_at FROM runs WHERE check_id = ? ORDER BY started_at DESC, id DESC "
            "LIMIT 1",
            (check_id,),
        ).fetchone()
    if row is None:
        return None
    conn.execute("DELETE FROM runs WHERE id = ?", (row[0],))
    return float(row[1])


def drop_runs_before(conn: Connection, check_id: int, before: float) -> None:
    conn.execute("DELETE FROM runs WHERE check_id = ? AND started_at < ?", (check_id, before))


def newest_open_run(conn: Connection, check_id: int) -> float | None:
    row = conn.execute(
        "SELECT max(started_at) FROM runs WHERE check_id = ?", (check_id,)
    ).fetchone()
    return row[0] if row else None


# Unknown pings and instance settings.


def record_unknown_ping(conn: Connection, ping: UnknownPing) -> None:
    conn.execute(
        f"INSERT INTO unknown_pings ({UNKNOWN_PING_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            ping.at,
            ping.key,
            ping.remote_addr,
            ping.user_agent,
            ping.method,
            ping.path,
            ping.body,
            ping.uuid,
            ping.slug,
        ),
    )
    conn.execute(
        "DELETE FROM unknown_pings WHERE id <= "
        "(SELECT id FROM unknown_pings ORDER BY id DESC LIMIT 1 OFFSET ?)",
        (UNKNOWN_PINGS_KEPT,),
    )
    conn.execute(
        "INSERT INTO settings (key, value) VALUES ('unknown_ping_count', '1') "
        "ON CONFLICT(key) DO UPDATE SET "
        "value = CAST(CAST(settings.value AS INTEGER) + 1 AS TEXT)"
    )


# The instance's secret for ping URLs by slug: /ping/<ping key>/<slug>.
PING_KEY_SETTING = "ping_key"


def get_setting(conn: Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def set_setting(conn: Connection, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def ensure_secret_setting(conn: Connection, key: str) -> str:
    """A per-instance secret, made once and kept."""
    value = get_setting(conn, key)
    if value is None:
        value = secrets.token_urlsafe(16)
        conn.execute("INSERT INTO settings (key, value) VALUES (?, ?)", (key, value))
    return value


# Badge keys.


def assign_badge_keys(conn: Connection) -> dict[int, str]:
    """Give each check without a badge key a new random one; returns every check's key."""
    missing = conn.execute("SELECT id FROM checks WHERE badge_key IS NULL").fetchall()
    conn.executemany(
        "UPDATE checks SET badge_key = ? WHERE id = ?",
        [(secrets.token_urlsafe(16), r[0]) for r in missing],
    )
    return {r[0]: r[1] for r in conn.execute("SELECT id, badge_key FROM checks")}
