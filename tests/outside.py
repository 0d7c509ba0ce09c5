"""Writing to a store's database as another process would: a connection of its own (sqlite3
on the file, or one to the same PostgreSQL database), committed on the way out."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from beatwatch.store.connection import Connection
from beatwatch.store.database import Store


@contextlib.contextmanager
def outside(store: Store | Path) -> Iterator[Connection]:
    """A connection to `store`'s database (or to the SQLite file at that path) that is not
    the store's, in a transaction that commits when the block ends (and is rolled back if
    it raises)."""
    conn: Connection
    if isinstance(store, Path) or store.database_url is None:
        conn = sqlite3.connect(
            store if isinstance(store, Path) else store.path, isolation_level=None
        )
        conn.row_factory = sqlite3.Row
    else:
        from beatwatch.store.postgres import PostgresConnection

        conn = PostgresConnection(store.database_url)
    try:
        conn.execute("BEGIN")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    finally:
        conn.close()
