"""The SQLite schema as a list of migrations; PRAGMA user_version says how many have run."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from beatwatch.store.connection import Connection

# Tables whose ids users see and name (in URLs, on the command line, in a script's retry):
# an id once given out is never given again, so a retried delete cannot hit a newer row.
NEVER_REUSED_IDS = ("checks", "channels", "incidents", "maintenance_windows", "api_tokens")


def _ids_never_reused(conn: Connection) -> None:
    """AUTOINCREMENT on each of NEVER_REUSED_IDS. SQLite cannot add it to a table in place,
    so each is rebuilt from its own stored definition (columns added later included), its
    rows copied with their ids, its indexes made again. Copying sets the sequence to the
    highest id present; an id deleted from the top before this ran has left no trace, so
    that one id may be given once more (see the README's Choices)."""
    for table in NEVER_REUSED_IDS:
        [definition] = conn.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).fetchone()
        dependents = [
            sql
            for (sql,) in conn.execute(
                "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', "
                "'trigger') AND sql IS NOT NULL",
                (table,),
            )
        ]
        rebuilt = f"{table}_rebuilt"
        head = f"CREATE TABLE {table} (\n        id INTEGER PRIMARY KEY,"
        if not definition.startswith(head):
            raise RuntimeError(f"unexpected definition of table {table}: {definition[:80]}")
        conn.execute(
            f"CREATE TABLE {rebuilt} (\n        id INTEGER PRIMARY KEY AUTOINCREMENT,"
            + definition.removeprefix(head)
        )
        conn.execute(f"INSERT INTO {rebuilt} SELECT * FROM {table}")
        conn.execute(f"DROP TABLE {table}")
        conn.execute(f"ALTER TABLE {rebuilt} RENAME TO {table}")
        for sql in dependents:
            conn.execute(sql)


Migration = str | Callable[[Connection], None]

MIGRATIONS: list[Migration] = [
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
    # 2: alerting: channels, incidents, the durable outbox, maintenance windows, escalation.
    """
    ALTER TABLE checks ADD COLUMN escalation_channels TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE checks ADD COLUMN escalate_after_seconds INTEGER;
    ALTER TABLE checks ADD COLUMN remind_every_seconds INTEGER;
    CREATE TABLE channels (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        url TEXT NOT NULL,
        is_default INTEGER NOT NULL DEFAULT 0,
        tags TEXT NOT NULL DEFAULT '[]',
        created_at REAL NOT NULL,
        failing INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        last_error_at REAL,
        last_success_at REAL
    );
    CREATE TABLE incidents (
        id INTEGER PRIMARY KEY,
        check_id INTEGER NOT NULL REFERENCES checks(id) ON DELETE CASCADE,
        state TEXT NOT NULL,
        opened_at REAL NOT NULL,
        reason TEXT NOT NULL,
        notified INTEGER NOT NULL,
        notified_at REAL,
        streak_started_at REAL NOT NULL,
        streak_notified INTEGER NOT NULL,
        resolved_at REAL,
        resolution TEXT,
        acknowledged_at REAL,
        escalated_at REAL,
        last_reminded_at REAL,
        next_action_at REAL
    );
    CREATE INDEX incidents_by_check ON incidents(check_id, id);
    CREATE INDEX incidents_open ON incidents(check_id) WHERE resolved_at IS NULL;
    CREATE INDEX incidents_notified_at ON incidents(notified_at) WHERE notified_at IS NOT NULL;
    CREATE INDEX incidents_next_action ON incidents(next_action_at)
        WHERE next_action_at IS NOT NULL;
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        channel_id INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
        incident_id INTEGER REFERENCES incidents(id) ON DELETE SET NULL,
        kind TEXT NOT NULL,
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        created_at REAL NOT NULL,
        status TEXT NOT NULL,
        next_attempt_at REAL,
        claimed_until REAL,
        attempts INTEGER NOT NULL DEFAULT 0,
        sent_at REAL,
        last_error TEXT
    );
    CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE status = 'pending';
    CREATE INDEX outbox_held ON outbox(channel_id, created_at) WHERE status = 'held';
    CREATE INDEX outbox_by_incident ON outbox(incident_id);
    CREATE TABLE maintenance_windows (
        id INTEGER PRIMARY KEY,
        host TEXT NOT NULL REFERENCES hosts(name) ON DELETE CASCADE,
        reason TEXT NOT NULL DEFAULT '',
        created_at REAL NOT NULL,
        starts_at REAL,
        ends_at REAL,
        weekdays TEXT NOT NULL DEFAULT '[]',
        start_minute INTEGER,
        duration_seconds INTEGER,
        tz TEXT,
        closed_until REAL
    );
    CREATE INDEX windows_by_host ON maintenance_windows(host);
    """,
    # 3: management API tokens (only a hash of each is kept) and per-check badge keys, given
    # out on first use (a new column cannot default to a random value).
    """
    CREATE TABLE api_tokens (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        digest TEXT NOT NULL UNIQUE,
        read_only INTEGER NOT NULL,
        created_at REAL NOT NULL,
        last_used_at REAL
    );
    ALTER TABLE checks ADD COLUMN badge_key TEXT;
    CREATE UNIQUE INDEX checks_badge_key ON checks(badge_key);
    """,
    # 4: the 100-pings-per-check cap kept by the database, inside the ping's own INSERT.
    """
    CREATE TRIGGER pings_keep_newest AFTER INSERT ON pings BEGIN
        DELETE FROM pings WHERE check_id = NEW.check_id AND id <= (
            SELECT id FROM pings WHERE check_id = NEW.check_id
            ORDER BY id DESC LIMIT 1 OFFSET 100
        );
    END;
    """,
    # 5: the storm guard counts the recoveries of the last minute at every recovery.
    """
    CREATE INDEX outbox_recoveries ON outbox(created_at, incident_id) WHERE kind = 'recovery';
    """,
    # 6: ids of checks, channels, incidents, windows and tokens are never handed out twice.
    _ids_never_reused,
    # 7: tag badges get a key each, derived from a new secret (tag_badge_secret); the one
    # key every tag badge URL shared is dropped, and with it every such URL.
    """
    DELETE FROM settings WHERE key = 'tag_badge_key';
    """,
    # 8: on call: people, rotations and their overrides, escalation policies by step, and
    # the steps each incident has taken (whom they reached, when).
    """
    CREATE TABLE people (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL UNIQUE,
        channels TEXT NOT NULL DEFAULT '[]',
        created_at REAL NOT NULL
    );
    CREATE TABLE rotations (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL UNIQUE,
        people TEXT NOT NULL DEFAULT '[]',
        every INTEGER NOT NULL,
        unit TEXT NOT NULL,
        start_date TEXT NOT NULL,
        handoff_minute INTEGER NOT NULL,
        tz TEXT NOT NULL,
        created_at REAL NOT NULL
    );
    CREATE TABLE overrides (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        rotation_id INTEGER NOT NULL REFERENCES rotations(id) ON DELETE CASCADE,
        person TEXT NOT NULL,
        starts_at REAL NOT NULL,
        ends_at REAL NOT NULL,
        created_at REAL NOT NULL
    );
    CREATE INDEX overrides_by_rotation ON overrides(rotation_id, ends_at);
    CREATE TABLE escalation_policies (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL UNIQUE,
        steps TEXT NOT NULL,
        tags TEXT NOT NULL DEFAULT '[]',
        is_default INTEGER NOT NULL DEFAULT 0,
        created_at REAL NOT NULL
    );
    ALTER TABLE checks ADD COLUMN escalation_policy TEXT;
    ALTER TABLE incidents ADD COLUMN policy TEXT;
    ALTER TABLE incidents ADD COLUMN steps_reached INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE incident_steps (
        id INTEGER PRIMARY KEY,
        incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
        step INTEGER NOT NULL,
        at REAL NOT NULL,
        target TEXT NOT NULL,
        rotation TEXT,
        person TEXT,
        channels TEXT NOT NULL DEFAULT '[]'
    );
    CREATE INDEX incident_steps_by_incident ON incident_steps(incident_id, id);
    """,
    # 9: the event log every interface reads: state changes, deliveries, alerts that went
    # nowhere, unknown pings and the engine's warnings. No foreign key: a line outlives its
    # check, whose name it already holds.
    """
    CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at REAL NOT NULL,
        level TEXT NOT NULL,
        kind TEXT NOT NULL,
        text TEXT NOT NULL,
        check_id INTEGER,
        paused_until REAL
    );
    """,
    # 10: an unknown ping keeps its request, and the uuid or slug a check would need to get it.
    """
    ALTER TABLE unknown_pings ADD COLUMN method TEXT;
    ALTER TABLE unknown_pings ADD COLUMN path TEXT;
    ALTER TABLE unknown_pings ADD COLUMN body BLOB NOT NULL DEFAULT x'';
    ALTER TABLE unknown_pings ADD COLUMN uuid TEXT;
    ALTER TABLE unknown_pings ADD COLUMN slug TEXT;
    """,
    # 11: the engines on one database (nodes) and the duties one of them holds at a time,
    # each under a lease with an epoch that grows at every change of holder; a message's
    # claim names the epoch of the dispatch duty it was made under.
    """
    ALTER TABLE outbox ADD COLUMN claim_epoch INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE nodes (
        id TEXT PRIMARY KEY,
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        listen TEXT NOT NULL,
        started_at REAL NOT NULL,
        last_seen REAL NOT NULL,
        clock_offset REAL NOT NULL DEFAULT 0
    );
    CREATE TABLE duties (
        name TEXT PRIMARY KEY,
        holder TEXT,
        epoch INTEGER NOT NULL DEFAULT 0,
        expires_at REAL NOT NULL DEFAULT 0
    );
    """,
    # 12: a check's newest 100 pings in 100 slots, its next ping overwriting the oldest in
    # place (an INSERT plus the trigger's DELETE of a cold row cost twice as much). Each
    # ping is numbered within its check, from 1; the check keeps its newest ping's number,
    # and ping n lives in slot n % 100.
    """
    ALTER TABLE checks ADD COLUMN last_ping_number INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE ping_slots (
        check_id INTEGER NOT NULL REFERENCES checks(id) ON DELETE CASCADE,
        slot INTEGER NOT NULL,
        number INTEGER NOT NULL,
        kind TEXT NOT NULL,
        at REAL NOT NULL,
        exit_code INTEGER,
        rid TEXT,
        duration REAL,
        remote_addr TEXT,
        user_agent TEXT,
        body BLOB NOT NULL DEFAULT x'',
        PRIMARY KEY (check_id, slot)
    ) WITHOUT ROWID;
    INSERT INTO ping_slots (check_id, slot, number, kind, at, exit_code, rid, duration,
        remote_addr, user_agent, body)
    SELECT check_id, number % 100, number, kind, at, exit_code, rid, duration, remote_addr,
        user_agent, body
    FROM (
        SELECT pings.*, row_number() OVER (PARTITION BY check_id ORDER BY id) AS number,
            count(*) OVER (PARTITION BY check_id) AS kept
        FROM pings
    ) AS numbered
    WHERE number > kept - 100;
    UPDATE checks SET last_ping_number = (
        SELECT coalesce(max(number), 0) FROM ping_slots WHERE check_id = checks.id
    );
    DROP TRIGGER pings_keep_newest;
    DROP TABLE pings;
    ALTER TABLE ping_slots RENAME TO pings;
    """,
]


def migrate(conn: Connection) -> None:
    """Bring the schema up to date, each migration in its own transaction. The version is
    read again under the write lock: two processes opening a new file at once must not both
    run the same migration. Foreign keys are off meanwhile (the pragma cannot change inside
    a transaction): a table being rebuilt is dropped, and its rows' dependents must not go
    with it."""
    [enforced] = conn.execute("PRAGMA foreign_keys").fetchone()
    conn.execute("PRAGMA foreign_keys = OFF")
    try:
        _run_migrations(conn)
    finally:
        conn.execute(f"PRAGMA foreign_keys = {'ON' if enforced else 'OFF'}")


def _run_migrations(conn: Connection) -> None:
    while True:
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > len(MIGRATIONS):
                raise RuntimeError(
                    f"this database was written by a newer beatwatch (schema {version}, "
                    f"this version knows {len(MIGRATIONS)}); upgrade beatwatch to use it"
                )
            if version == len(MIGRATIONS):
                conn.execute("COMMIT")
                return
            migration = MIGRATIONS[version]
            if callable(migration):
                migration(conn)
            else:
                for statement in statements(migration):
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


def statements(script: str) -> list[str]:
    """The statements of a migration; a trigger's body keeps its inner semicolons."""
    statements: list[str] = []
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                statements.append(pending)
            pending = ""
    return statements
