"""What a writer job and a row mapper are given: a connection and its rows, whichever database
holds them. A sqlite3 connection is one as it is; PostgreSQL's is wrapped (store/postgres.py)
to take the same SQL, the same `?` and `:name` parameters and give rows read the same ways.

Errors follow the DB-API: both backends raise subclasses of DatabaseError, and a broken
constraint is an IntegrityError, which callers above the store catch by these names.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Protocol

DatabaseError = sqlite3.Error
IntegrityError = sqlite3.IntegrityError

Parameters = Sequence[Any] | Mapping[str, Any]


class Row(Protocol):
    """A result row: by position, by column name, or unpacked."""

    def __getitem__(self, key: int | str, /) -> Any: ...

    def __iter__(self) -> Iterator[Any]: ...

    def __len__(self) -> int: ...

    def keys(self) -> list[str]: ...


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    @property
    def total_changes(self) -> int:
        """Rows this connection has changed since it opened: it only grows."""
        ...

    @property
    def in_transaction(self) -> bool: ...

    def execute(self, sql: str, parameters: Parameters = ..., /) -> Cursor: ...

    def executemany(self, sql: str, parameters: Any, /) -> Cursor: ...

    def close(self) -> None: ...


class SQLiteConnection(sqlite3.Connection):
    """A sqlite3 connection with one addition: where update_checks tells the ids of the
    check rows it wrote. The writer's cache of checks listens there, since update_checks is
    how a check's state is written."""

    check_rows_written: Callable[[list[int]], None] | None = None


def row_lock(conn: Connection) -> str:
    """What a SELECT inside a writer job ends with to lock the rows it reads until the job's
    transaction ends: on PostgreSQL, where another node may write them meanwhile. SQLite's
    one write lock serializes every writer already."""
    return " FOR UPDATE" if getattr(conn, "shared_with_other_writers", False) else ""


def database_clock(conn: Connection, local_now: float) -> float:
    """The database's time (epoch seconds): what leases between nodes are measured in, so
    that a node's clock being off cannot hand a duty to two of them. SQLite is local, so
    its time is this machine's, `local_now`."""
    now = getattr(conn, "now", None)
    return float(now()) if now is not None else local_now


def inserted_id(conn: Connection, sql: str, parameters: Parameters) -> int:
    """Run the INSERT `sql` and return the id the database gave its row."""
    if isinstance(conn, sqlite3.Connection):
        # Cheaper than RETURNING, which makes a result row and leaves the statement open.
        rowid = conn.execute(sql, parameters).lastrowid
        assert rowid is not None  # an INSERT's
        return rowid
    row = conn.execute(f"{sql} RETURNING id", parameters).fetchone()
    return int(row[0])
