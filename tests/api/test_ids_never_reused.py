"""Ids users see are never handed out twice: delete the newest window, check, channel or
token, make another, and it gets a new id; a retried delete of the old id removes nothing.
A database at the previous schema version keeps every row, and its sequence, on upgrade."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from beatwatch.core.validation import CheckSpec
from beatwatch.service.service import Service
from beatwatch.store.database import DB_FILE
from beatwatch.store.schema import MIGRATIONS, NEVER_REUSED_IDS, migrate
from tests.api.conftest import Api, assert_error
from tests.conftest import engine_settings


async def test_a_retried_delete_does_not_remove_the_window_made_since(api: Api) -> None:
    await api.ok("POST", "/windows", {"host": "db1", "for": "1h", "force": True}, 201)
    newest = await api.ok("POST", "/windows", {"host": "db1", "for": "2h", "force": True}, 201)
    await api.ok("DELETE", f"/windows/{newest['id']}", status=204)

    replacement = await api.ok("POST", "/windows", {"host": "db1", "for": "3h", "force": True}, 201)
    retried = await api.call("DELETE", f"/windows/{newest['id']}")

    assert replacement["id"] == newest["id"] + 1
    assert_error(retried, 404)
    assert [w["id"] for w in await api.ok("GET", "/windows")] == [1, replacement["id"]]


async def test_checks_channels_and_tokens_get_new_ids(api: Api) -> None:
    service = api.service
    await service.add_check(CheckSpec(name="first", every_seconds=3600))
    newest = await service.add_check(CheckSpec(name="second", every_seconds=3600))
    await service.delete_check(newest.slug)
    assert (await service.add_check(CheckSpec(name="third", every_seconds=3600))).id == 3

    channel = await service.alerts.add_channel("ops", "json://127.0.0.1:9/hook")
    await service.alerts.remove_channel("ops")
    again = await service.alerts.add_channel("ops", "json://127.0.0.1:9/hook")
    assert again.id == channel.id + 1

    token, _ = await service.tokens.create("ci")
    await service.tokens.revoke("ci")
    assert (await service.tokens.create("ci"))[0].id == token.id + 1


def _previous_schema(path: Path) -> None:
    """A database as the previous version left it: schema 5, ids 1 and 2 in use in every
    table that gets a sequence, history hanging off the checks."""
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("PRAGMA foreign_keys = ON")
        for script in MIGRATIONS[:5]:
            assert isinstance(script, str)
            conn.executescript(script)
        conn.execute("PRAGMA user_version = 5")
        conn.execute("INSERT INTO hosts VALUES ('db1', 0)")
        for i in (1, 2):
            conn.execute(
                "INSERT INTO checks (id, uuid, name, slug, every_seconds, grace_seconds, host, "
                "created_at, clock_start, state, state_since, badge_key) "
                "VALUES (?, ?, ?, ?, 3600, 300, 'db1', 0, 0, 'up', 0, ?)",
                (i, f"00000000-0000-4000-8000-00000000000{i}", f"c{i}", f"c{i}", f"key{i}"),
            )
            conn.execute("INSERT INTO pings (check_id, kind, at) VALUES (?, 'success', 1)", (i,))
            conn.execute(
                "INSERT INTO transitions (check_id, at, from_state, to_state) "
                "VALUES (?, 1, 'new', 'up')",
                (i,),
            )
            conn.execute(
                "INSERT INTO incidents (id, check_id, state, opened_at, reason, notified, "
                "streak_started_at, streak_notified) VALUES (?, ?, 'missed', 1, 'r', 1, 1, 1)",
                (i, i),
            )
            conn.execute(
                "INSERT INTO channels (id, name, url, created_at) VALUES (?, ?, 'json://x', 0)",
                (i, f"ch{i}"),
            )
            conn.execute(
                "INSERT INTO outbox (channel_id, incident_id, kind, title, body, created_at, "
                "status) VALUES (?, ?, 'alert', 't', 'b', 0, 'sent')",
                (i, i),
            )
            conn.execute(
                "INSERT INTO maintenance_windows (id, host, created_at, starts_at, ends_at) "
                "VALUES (?, 'db1', 0, 0, 1)",
                (i,),
            )
            conn.execute(
                "INSERT INTO api_tokens (id, name, digest, read_only, created_at) "
                "VALUES (?, ?, ?, 0, 0)",
                (i, f"t{i}", f"d{i}"),
            )


def _columns(path: Path) -> dict[str, list[str]]:
    """Each table's columns, as the schema stands."""
    with closing(sqlite3.connect(path)) as conn:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name != "
                "'sqlite_sequence' ORDER BY name"
            )
        ]
        return {t: [r[1] for r in conn.execute(f"PRAGMA table_info({t})")] for t in tables}


def _dump(path: Path, columns: dict[str, list[str]]) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the tables and columns given: the ones a later migration adds (with
    their defaults) are no rows that were there before."""
    with closing(sqlite3.connect(path)) as conn:
        return {
            t: sorted(conn.execute(f"SELECT {', '.join(c)} FROM {t}").fetchall(), key=repr)
            for t, c in columns.items()
        }


async def test_upgrade_keeps_every_row_and_never_reuses_an_id(tmp_path: Path) -> None:
    settings = engine_settings(tmp_path / "data")
    settings.data_dir.mkdir()
    _previous_schema(settings.data_dir / DB_FILE)
    columns = _columns(settings.data_dir / DB_FILE)
    # The one column a later migration drops: a ping is numbered within its check instead.
    columns["pings"].remove("id")
    before = _dump(settings.data_dir / DB_FILE, columns)

    service = await Service.open(settings)
    try:
        after = _dump(settings.data_dir / DB_FILE, columns)
        # Opening gives the instance its ping key; every other row is as it was.
        assert [key for key, _ in after.pop("settings")] == ["ping_key"]
        assert after == {k: v for k, v in before.items() if k != "settings"}
        with closing(sqlite3.connect(settings.data_dir / DB_FILE)) as conn:
            assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
            sequences = dict(conn.execute("SELECT name, seq FROM sqlite_sequence"))
            assert sequences == dict.fromkeys(NEVER_REUSED_IDS, 2)
            assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        third = await service.add_check(CheckSpec(name="c3", every_seconds=3600))
        await service.delete_check(third.slug)
        fourth = await service.add_check(CheckSpec(name="c4", every_seconds=3600))
        assert (third.id, fourth.id) == (3, 4)
        # Foreign keys hold again after the upgrade: a deleted check takes its history.
        await service.delete_check("c1")
        assert [p.number for p in await service.pings("c2")] == [1]
        with closing(sqlite3.connect(settings.data_dir / DB_FILE)) as conn:
            assert conn.execute("SELECT count(*) FROM pings WHERE check_id = 1").fetchone() == (0,)
    finally:
        await service.close()


def test_migrating_twice_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "beatwatch.db"
    _previous_schema(path)
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        migrate(conn)
        first = conn.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall()
        migrate(conn)
        assert conn.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall() == first
