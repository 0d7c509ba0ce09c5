"""The SQLite schema as a list of migrations; PRAGMA user_version says how many have run."""

from __future__ import annotations

import sqlite3

MIGRATIONS: list[str] = [
    # 1: checks, pings, open runs, hosts, state history, unknown pings, instance settings.
    """
    CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE hosts (
        name TEXT PRIMARY KEY,
        created_at REAL NOT NULL
    );
    CREATE TABLE checks (
        id INTEGER PRIMARY KEY,
        uuid TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL UNIQUE,
        slug TEXT NOT NULL UNIQUE,
        every_seconds INTEGER,
        cron TEXT,
        tz TEXT,
        grace_seconds INTEGER NOT NULL,
        max_duration_seconds INTEGER,
        host TEXT REFERENCES hosts(name),
        tags TEXT NOT NULL DEFAULT '[]',
        description TEXT NOT NULL DEFAULT '',
        alerts TEXT NOT NULL DEFAULT '[]',
        channels TEXT NOT NULL DEFAULT '[]',
        failure_threshold INTEGER NOT NULL DEFAULT 1,
        created_at REAL NOT NULL,
        clock_start REAL NOT NULL,
        paused_at REAL,
        paused_until REAL,
        last_ping_at REAL,
        last_finish_at REAL,
        last_finish_kind TEXT,
        last_exit_code INTEGER,
        last_duration REAL,
        failure_streak INTEGER NOT NULL DEFAULT 0,
        run_started_at REAL,
        state TEXT NOT NULL,
        state_since REAL NOT NULL,
        next_change_at REAL,
        alerted_state TEXT
    );
    CREATE INDEX checks_next_change ON checks(next_change_at)
        WHERE next_change_at IS NOT NULL;
    CREATE TABLE pings (
        id INTEGER PRIMARY KEY,
        check_id INTEGER NOT NULL REFERENCES checks(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        at REAL NOT NULL,
        exit_code INTEGER,
        rid TEXT,
        duration REAL,
        remote_addr TEXT,
        user_agent TEXT,
        body BLOB NOT NULL DEFAULT x''
    );
    CREATE INDEX pings_by_check ON pings(check_id, id);
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        check_id INTEGER NOT NULL REFERENCES checks(id) ON DELETE CASCADE,
        rid TEXT,
        started_at REAL NOT NULL
    );
    CREATE INDEX runs_by_check ON runs(check_id, started_at);
    CREATE TABLE transitions (
        id INTEGER PRIMARY KEY,
        check_id INTEGER NOT NULL REFERENCES checks(id) ON DELETE CASCADE,
        at REAL NOT NULL,
        from_state TEXT NOT NULL,
        to_state TEXT NOT NULL
    );
    CREATE INDEX transitions_by_check ON transitions(check_id, id);
    CREATE TABLE unknown_pings (
        id INTEGER PRIMARY KEY,
        at REAL NOT NULL,
        key TEXT NOT NULL,
        remote_addr TEXT,
        user_agent TEXT
    );
    """,
]


def migrate(conn: sqlite3.Connection) -> None:
    """Bring the schema up to date, each migration in its own transaction."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > len(MIGRATIONS):
        raise RuntimeError(
            f"this database was written by a newer beatwatch (schema {version}, "
            f"this version knows {len(MIGRATIONS)}); upgrade beatwatch to use it"
        )
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in script.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
