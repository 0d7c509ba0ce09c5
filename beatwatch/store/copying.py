"""Copying an instance from one store to another, table by table: SQLite to PostgreSQL and
back. Rows keep their ids (checks their uuids, so every crontab keeps working), and each id
counter is set past the highest id the source ever gave, so the copy never hands one out
twice. The nodes and their duties are not copied: they belong to the engines that run on
a database, and the copy has none yet.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from beatwatch.core.errors import BeatwatchError
from beatwatch.store.connection import Connection
from beatwatch.store.database import Store
from beatwatch.store.postgres_sql import in_dependency_order

RUNTIME_TABLES = {"nodes", "duties"}
CHUNK = 5000


def copied_tables() -> list[tuple[str, bool]]:
    """Every table an instance keeps, each after those it references, and whether it has an
    id column to page by and to carry a counter for."""
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
            columns = [row[1] for row in schema.execute(f'PRAGMA table_info("{name}")')]
            ordered.append((name, "id" in columns))
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
    for table, has_id in copied_tables():
        copied = 0
        after = None
        while True:
            rows, columns = await source.write(
                lambda conn, t=table, a=after, i=has_id: _read_chunk(conn, t, a, i), quiet=True
            )
            if rows:
                await target.write(
                    lambda conn, t=table, c=columns, r=rows: _insert(conn, t, c, r), quiet=True
                )
            copied += len(rows)
            if not has_id or len(rows) < CHUNK:
                break
            after = rows[-1][columns.index("id")]
        if has_id:
            top = await source.write(lambda conn, t=table: _highest_id(conn, t), quiet=True)
            await target.write(lambda conn, t=table, n=top: _count_from(conn, t, n), quiet=True)
        counts.append((table, copied))
    return counts


def _read_chunk(
    conn: Connection, table: str, after: int | None, paged: bool
) -> tuple[list[tuple[Any, ...]], list[str]]:
    if paged:
        cursor = conn.execute(
            f"SELECT * FROM {table} WHERE id > ? ORDER BY id LIMIT {CHUNK}", (after or 0,)
        )
    else:
        cursor = conn.execute(f"SELECT * FROM {table}")
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
