"""A check's row is updated by the columns in which the check differs from the row as it
was read, and only those: every field, changed alone, is written and read back."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import fields
from pathlib import Path

import pytest

from beatwatch.core.model import AlertType, Check, PingKind, Schedule, State
from beatwatch.core.validation import CheckSpec, validate
from beatwatch.engine.check_edits import create_check
from beatwatch.store import database
from beatwatch.store.check_rows import changed_values, load_check_by, update_check
from beatwatch.store.schema import migrate

# A value other than a new check's for every field but its id.
CHANGES: dict[str, object] = {
    "uuid": "9d1c2a8e-6f0b-4c3e-9a57-2b8e0f6d4c11",
    "name": "nightly backup",
    "slug": "nightly-backup",
    "schedule": Schedule(cron="0 3 * * *", tz="Europe/Berlin"),
    "grace_seconds": 900,
    "created_at": 1.5,
    "clock_start": 2.5,
    "max_duration_seconds": 3600,
    "host": "db2",
    "tags": ("backup", "db"),
    "description": "pg_dump of the main cluster",
    "alerts": frozenset({AlertType.FAILING, AlertType.LONG}),
    "channels": ("ops",),
    "failure_threshold": 3,
    "escalation_channels": ("pager",),
    "escalate_after_seconds": 1800,
    "remind_every_seconds": 7200,
    "escalation_policy": "nights",
    "paused_at": 10.0,
    "paused_until": 20.0,
    "last_ping_at": 30.0,
    "last_ping_number": 7,
    "last_finish_at": 31.0,
    "last_finish_kind": PingKind.FAIL,
    "last_exit_code": 3,
    "last_duration": 1.25,
    "failure_streak": 2,
    "run_started_at": 29.0,
    "state": State.FAILING,
    "state_since": 33.0,
    "next_change_at": 40.0,
    "alerted_state": State.FAILING,
}


def columns_of(field: str) -> set[str]:
    return {"every_seconds", "cron", "tz"} if field == "schedule" else {field}


def test_every_field_but_the_id_has_a_change_below() -> None:
    assert set(CHANGES) == {f.name for f in fields(Check)} - {"id"}


SPEC = validate(CheckSpec(name="queue worker", every_seconds=60))


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    """A new database's connection."""
    with closing(database.connect(database.prepare_files(tmp_path / "data"))) as conn:
        migrate(conn)
        yield conn


def test_each_field_changed_alone_writes_its_own_columns_and_reads_back(
    conn: sqlite3.Connection,
) -> None:
    database.ensure_host(conn, "db2", 0.0)  # a check's host is a known one
    for field, value in CHANGES.items():
        stored = create_check(conn, SPEC, 0.0)
        changed = stored.evolve(**{field: value})

        assert set(changed_values(changed, stored)) == columns_of(field), field
        update_check(conn, changed, stored)
        assert load_check_by(conn, "uuid", changed.uuid) == changed, field
        database.delete_check(conn, stored.id)


def test_values_equal_to_the_rows_write_nothing(conn: sqlite3.Connection) -> None:
    stored = create_check(conn, SPEC, 0.0)
    # Equal values that are other objects, as a row read again gives them.
    reread = load_check_by(conn, "uuid", stored.uuid)
    assert reread is not None and reread.schedule is not stored.schedule

    assert changed_values(reread, stored) == {}
    assert changed_values(stored.evolve(tags=tuple(list(stored.tags))), stored) == {}
