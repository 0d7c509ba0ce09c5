"""Copying an instance from one store to another, table by table: SQLite to PostgreSQL and
back. Rows keep their ids (checks their uuids, so every crontab keeps working), and each id
counter is set past the highest id the source ever gave, so the copy never hands one out
twice. The nodes and their duties are not copied: they belong to the engines that run on
a database, and the copy has none yet.
"""

from __future__ import annotations

import sqlite3
from typing import Any, NamedTuple

from beatwatch.core.errors import BeatwatchError
from beatwatch.store.connection import Connection
from beatwatch.store.database import Store
from beatwatch.store.postgres_sql import in_dependency_order

RUNTIME_TABLES = {"nodes", "duties"}
CHUNK = 5000


class Table(NamedTuple):
    name: str
    key: tuple[str, ...]  # its primary key's columns, which the copy pages by
    counted: bool  # an id column, whose counter the copy carries


def copied_tables() -> list[Table]:
    """Every table an instance keeps, each after those it references."""
    from beatwatch.store.schema import migrate

    schema = sqlite3.connect(":memory:", isolation_level=None)
    try:
        migrate(schema)
        tables = [
            sql
            for (sql,) in schema.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        ordered = []
        for sql in in_dependency_order(tables):
            name = sql.split("(", 1)[0].split()[-1].strip('"')
            if name in RUNTIME_TABLES:
                continue
            columns = list(schema.execute(f'PRAGMA table_info("{name}")'))
            # table_info's last field is the column's place in the primary key, 0 if none.
            key = tuple(c[1] for c in sorted(columns, key=lambda c: c[5]) if c[5])
            ordered.append(Table(name, key, any(c[1] == "id" for c in columns)))
        return ordered
    finally:
        schema.close()


async def copy_instance(source: Store, target: Store) -> list[tuple[str, int]]:
    """Copy every table of `source` into `target`, which must hold no check; returns how
    many rows each table had."""
    if await target.list_checks():
        raise BeatwatchError(
            f"{target.location} already holds checks: copy into an empty database or data dir"
        )
    counts = []
    for table in copied_tables():
        copied = 0
        after: tuple[Any, ...] | None = None
        while True:
            rows, columns = await source.write(
                lambda conn, t=table, a=after: _read_chunk(conn, t, a), quiet=True
            )
            if rows:
                await target.write(
                    lambda conn, t=table, c=columns, r=rows: _insert(conn, t.name, c, r),
                    quiet=True,
                )
            copied += len(rows)
            if len(rows) < CHUNK:
                break
            after = tuple(rows[-1][columns.index(k)] for k in table.key)
        if table.counted:
            top = await source.write(lambda conn, t=table: _highest_id(conn, t.name), quiet=True)
            await target.write(
                lambda conn, t=table, n=top: _count_from(conn, t.name, n), quiet=True
            )
        counts.append((table.name, copied))
    return counts


def _read_chunk(
    conn: Connection, table: Table, after: tuple[Any, ...] | None
) -> tuple[list[tuple[Any, ...]], list[str]]:
    """The CHUNK rows of `table` that follow the primary key `after` (None: from the start)."""
    key = ", ".join(table.key)
    where = "" if after is None else f"WHERE ({key}) > ({', '.join('?' * len(after))}) "
    cursor = conn.execute(
        f"SELECT * FROM {table.name} {where}ORDER BY {key} LIMIT {CHUNK}", after or ()
    )
    rows = cursor.fetchall()
    if not rows:
        return [], []
    return [tuple(row) for row in rows], list(rows[0].keys())


def _insert(conn: Connection, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    names = ", ".join(columns)
    marks = ", ".join("?" * len(columns))
    conn.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)


def _highest_id(conn: Connection, table: str) -> int:
    """The highest id `table` has ever given, deleted rows included where the store knows."""
    [top] = conn.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()
    if getattr(conn, "shared_with_other_writers", False):
        row = conn.execute(f"SELECT last_value, is_called FROM {_sequence(table)}").fetchone()
        return max(int(top), int(row[0]) if row[1] else 0)
    counter = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = ?", (table,)).fetchone()
    return max(int(top), int(counter[0]) if counter else 0)


def _count_from(conn: Connection, table: str, highest: int) -> None:
    """The next id `table` gives is above `highest`."""
    if highest == 0:
        return
    if getattr(conn, "shared_with_other_writers", False):
        conn.execute(f"SELECT setval('{_sequence(table)}', ?)", (highest,))
        return
    conn.execute("DELETE FROM sqlite_sequence WHERE name = ?", (table,))
    conn.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (table, highest))


def _sequence(table: str) -> str:
    # An identity column's sequence is named this way unless renamed, which beatwatch never does.
    return f"{table}_id_seq"
