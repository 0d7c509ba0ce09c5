"""The PostgreSQL backend: a psycopg 3 connection that takes the store's SQL and gives its
rows, and the schema made the same as SQLite's.

psycopg is imported only here, and this module only when a database URL is configured, so
SQLite users never load it. The connection runs in autocommit mode, so the writer's own
BEGIN, SAVEPOINT and COMMIT are the transactions, as they are on SQLite. Every commit that
changed rows sends a NOTIFY, which the other nodes' writers count as PRAGMA data_version
counts another SQLite connection's commits: their caches are emptied, their UIs reload.
PostgreSQL text cannot hold NUL; a NUL in a text value is stored as U+FFFD (bodies are
bytes and keep theirs).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg.adapt import Dumper
from psycopg.types.numeric import IntDumper

from beatwatch.store.connection import Connection, Parameters
from beatwatch.store.postgres_sql import in_dependency_order, translate, translate_ddl

T = TypeVar("T")
CHANNEL = "beatwatch_commits"
SCHEMA_TABLE = "beatwatch_schema"
# Any fixed number: the lock every node takes while it makes or migrates the schema.
SCHEMA_LOCK = 0x62656174
CONNECT_TIMEOUT = 5


class PostgresError(sqlite3.DatabaseError):
    """An error PostgreSQL reported, or the connection to it failing."""


class PostgresIntegrityError(sqlite3.IntegrityError):
    """A constraint PostgreSQL enforced: a name taken, a row referenced."""


class Row:
    """A result row, read by position or by column name, as sqlite3.Row is."""

    __slots__ = ("_index", "_values")

    def __init__(self, values: tuple[Any, ...], index: dict[str, int]) -> None:
        self._values = values
        self._index = index

    def __getitem__(self, key: int | str) -> Any:
        return self._values[self._index[key] if isinstance(key, str) else key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __eq__(self, other: object) -> bool:
        return tuple(self) == tuple(other) if isinstance(other, Row | tuple) else NotImplemented

    def __hash__(self) -> int:
        return hash(self._values)

    def keys(self) -> list[str]:
        return list(self._index)


def _row_factory(cursor: psycopg.Cursor[Any]) -> Any:
    index = {column.name: n for n, column in enumerate(cursor.description or ())}
    return lambda values: Row(tuple(values), index)


class _NulFreeText(Dumper):
    """str as text, NUL (which PostgreSQL text cannot hold) as U+FFFD."""

    oid = psycopg.adapters.types["text"].oid

    def dump(self, obj: str) -> bytes:
        return obj.replace("\x00", "\ufffd").encode()


class _Cursor:
    """What a query returns: its rows, and how many it changed."""

    def __init__(self, rows: list[Row], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    def fetchone(self) -> Row | None:
        return self._rows[0] if self._rows else None

    def fetchall(self) -> list[Row]:
        return self._rows

    def __iter__(self) -> Iterator[Row]:
        return iter(self._rows)


def _mapped(exc: psycopg.Error) -> sqlite3.Error:
    error_type = (
        PostgresIntegrityError if isinstance(exc, psycopg.IntegrityError) else PostgresError
    )
    mapped = error_type(str(exc).strip() or type(exc).__name__)
    mapped.__cause__ = exc
    return mapped


def connect_postgres(url: str, password: str | None = None) -> psycopg.Connection[Any]:
    secret = {} if password is None else {"password": password}
    try:
        conn = psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT, **secret)
    except psycopg.Error as exc:
        raise _mapped(exc) from None
    conn.row_factory = _row_factory
    # Booleans go where SQLite keeps them, in integer columns; NUL never reaches text.
    conn.adapters.register_dumper(bool, IntDumper)
    conn.adapters.register_dumper(str, _NulFreeText)
    return conn


class PostgresConnection:
    """A psycopg connection that behaves as the store's Connection."""

    # Other nodes write the same rows: a writer job locks what it reads (row_lock).
    shared_with_other_writers = True

    def __init__(self, url: str, listen: bool = False, password: str | None = None) -> None:
        self._url = url
        self._password = password
        self._listen = listen
        self._changes = 0
        self._changes_at_begin = 0
        self._foreign_commits = 0
        self._conn = self._open()

    def _open(self) -> psycopg.Connection[Any]:
        conn = connect_postgres(self._url, self._password)
        if self._listen:
            conn.execute(f"LISTEN {CHANNEL}")
            own = conn.info.backend_pid
            conn.add_notify_handler(lambda n: self._count_commit(n.pid, own))
        return conn

    def _count_commit(self, pid: int, own: int) -> None:
        if pid != own:
            self._foreign_commits += 1

    @property
    def total_changes(self) -> int:
        return self._changes

    @property
    def in_transaction(self) -> bool:
        return self._conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE

    def now(self) -> float:
        row = self.execute("SELECT CAST(extract(epoch FROM clock_timestamp()) AS DOUBLE PRECISION)")
        return float(row.fetchone()[0])

    def data_version(self) -> int:
        """Grows whenever another connection has committed a change (PRAGMA data_version)."""
        pgconn = self._conn.pgconn
        try:
            pgconn.consume_input()
        except psycopg.OperationalError as exc:
            raise _mapped(exc) from None
        while (notice := pgconn.notifies()) is not None:
            self._count_commit(notice.be_pid, pgconn.backend_pid)
        return self._foreign_commits

    def execute(self, sql: str, parameters: Parameters = ()) -> _Cursor:
        if sql == "COMMIT" and self._changes != self._changes_at_begin:
            # Delivered to the listeners when, and only if, the transaction commits.
            self._run(f"NOTIFY {CHANNEL}", None)
        cursor = self._run(translate(sql), parameters)
        if sql.startswith("BEGIN"):
            self._changes_at_begin = self._changes
        return cursor

    def execute_native(self, sql: str) -> None:
        """Run `sql` as PostgreSQL's own, untranslated and without parameters (schema text)."""
        self._run(sql, None)

    def executemany(self, sql: str, parameters: Any) -> _Cursor:
        try:
            with self._conn.cursor() as cursor:
                cursor.executemany(translate(sql), list(parameters))
                changed = max(cursor.rowcount, 0)
        except psycopg.Error as exc:
            raise _mapped(exc) from None
        self._changes += changed
        return _Cursor([], changed)

    def _run(self, sql: str, parameters: Parameters | None) -> _Cursor:
        if self.lost:
            if not sql.startswith("BEGIN"):
                raise PostgresError("the connection to PostgreSQL was lost")
            # A new transaction may start on a new connection: nothing of an old one is lost.
            self._conn = self._open()
        try:
            with self._conn.cursor() as cursor:
                # Parameters, even none, make psycopg read the %s and %% of translated SQL.
                cursor.execute(sql, parameters)
                rows = cursor.fetchall() if cursor.description is not None else []
                changed = max(cursor.rowcount, 0) if cursor.description is None else len(rows)
        except psycopg.Error as exc:
            raise _mapped(exc) from None
        if _changes_rows(sql):
            self._changes += changed
        return _Cursor(rows, changed)

    @property
    def lost(self) -> bool:
        return bool(self._conn.broken or self._conn.closed)

    def close(self) -> None:
        self._conn.close()


def _changes_rows(sql: str) -> bool:
    return sql.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE")


# -- the schema ------------------------------------------------------------------------------


def sqlite_schema_statements() -> list[str]:
    """SQLite's schema as it stands after every migration, as PostgreSQL statements: made
    from the migrations themselves, so the two backends cannot drift apart."""
    from beatwatch.store.schema import migrate

    source = sqlite3.connect(":memory:", isolation_level=None)
    try:
        migrate(source)
        rows = source.execute(
            "SELECT type, sql FROM sqlite_master WHERE sql IS NOT NULL "
            "AND name NOT LIKE 'sqlite_%' ORDER BY rowid"
        ).fetchall()
    finally:
        source.close()
    tables = in_dependency_order([sql for kind, sql in rows if kind == "table"])
    rest = [sql for kind, sql in rows if kind == "index"]
    rest += [sql for kind, sql in rows if kind == "trigger"]
    return [statement for sql in (*tables, *rest) for statement in translate_ddl(sql)]


def migrate_postgres(conn: PostgresConnection) -> None:
    """Make the schema in an empty database, or run the migrations it has not had; under a
    lock, so that nodes starting together do it once."""
    from beatwatch.store.schema import MIGRATIONS, statements

    conn.execute("BEGIN")
    try:
        conn.execute("SELECT pg_advisory_xact_lock(?)", (SCHEMA_LOCK,))
        exists = conn.execute("SELECT to_regclass(?)", (SCHEMA_TABLE,)).fetchone()
        if exists is None or exists[0] is None:
            for statement in sqlite_schema_statements():
                conn.execute_native(statement)
            conn.execute(f"CREATE TABLE {SCHEMA_TABLE} (version BIGINT NOT NULL)")
            conn.execute(f"INSERT INTO {SCHEMA_TABLE} VALUES (?)", (len(MIGRATIONS),))
        else:
            [version] = conn.execute(f"SELECT version FROM {SCHEMA_TABLE}").fetchone()
            if version > len(MIGRATIONS):
                raise RuntimeError(
                    f"this database was written by a newer beatwatch (schema {version}, "
                    f"this version knows {len(MIGRATIONS)}); upgrade beatwatch to use it"
                )
            for migration in MIGRATIONS[version:]:
                if callable(migration):
                    raise RuntimeError("a migration written for SQLite alone cannot run here")
                for sql in statements(migration):
                    for statement in translate_ddl(sql):
                        conn.execute_native(statement)
            conn.execute(f"UPDATE {SCHEMA_TABLE} SET version = ?", (len(MIGRATIONS),))
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def integrity_ok(conn: PostgresConnection) -> bool:
    """PostgreSQL checks its own pages; that it answers is what there is to know here."""
    return conn.execute("SELECT 1").fetchone() is not None


# -- what the Store opens ----------------------------------------------------------------------


def open_writer(url: str, password: str | None = None) -> PostgresConnection:
    """The writer's connection, listening for the other nodes' commits, the schema current."""
    conn = PostgresConnection(url, listen=True, password=password)
    try:
        migrate_postgres(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def foreign_commits(conn: Connection) -> int:
    assert isinstance(conn, PostgresConnection)
    return conn.data_version()


class PostgresReader:
    """Reads on a connection of their own, one at a time on a thread of their own (as
    aiosqlite does for SQLite): each a statement in autocommit, so each sees every commit
    acknowledged before it began. A lost connection is opened again for the next read."""

    def __init__(self, url: str, password: str | None = None) -> None:
        self._url = url
        self._password = password
        self._conn: PostgresConnection | None = None
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="beatwatch-reads")

    async def open(self) -> None:
        self._conn = await self._on_thread(self._connect)

    async def fetchall(self, sql: str, parameters: tuple[Any, ...]) -> list[Any]:
        return await self._on_thread(self._fetchall, sql, parameters)

    def _fetchall(self, sql: str, parameters: tuple[Any, ...]) -> list[Any]:
        if self._conn is None or self._conn.lost:
            self._conn = self._connect()
        return self._conn.execute(sql, parameters).fetchall()

    def _connect(self) -> PostgresConnection:
        return PostgresConnection(self._url, password=self._password)

    async def close(self) -> None:
        if self._conn is not None:
            await self._on_thread(self._conn.close)
            self._conn = None
        self._thread.shutdown()

    async def _on_thread(self, call: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._thread, call, *args)


def masked(url: str) -> str:
    """`url` with its password, if it holds one, as ***: for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))
