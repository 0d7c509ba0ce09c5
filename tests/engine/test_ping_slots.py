"""A check's newest 100 pings in 100 slots: each ping numbered within its check, the next one
written over the oldest, and a database from before the slots upgraded on both backends
with every kept ping in its order; on PostgreSQL, nodes pinged at once never give one number
twice."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from contextlib import closing
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from beatwatch.core.model import PINGS_KEPT
from beatwatch.core.validation import CheckSpec
from beatwatch.service.service import Service
from beatwatch.store import schema
from beatwatch.store.database import DB_FILE
from beatwatch.store.postgres import PostgresConnection, migrate_postgres
from tests.conftest import engine_settings, running_engine
from tests.engine.conftest import Send, sender
from tests.outside import outside
from tests.postgres import Cluster, fresh_database

# The schema as it stood before the slots, and the upgrade to them.
BEFORE_SLOTS = 11
# Pings a check had under the trigger: the oldest 5 of them were already dropped.
SENT_BEFORE = PINGS_KEPT + 5
# Pings sent to one check through two nodes at once, fewer than it keeps.
SENT_AT_ONCE = 60


async def test_each_check_numbers_its_own_pings(engine: Service, send: Send) -> None:
    backup = await engine.add_check(CheckSpec(name="backup", every_seconds=3600))
    certbot = await engine.add_check(CheckSpec(name="certbot", every_seconds=3600))
    for _ in range(3):
        for check in (backup, certbot):
            assert (await send(f"/ping/{check.uuid}")).status == 200

    assert [p.number for p in await engine.pings("backup")] == [3, 2, 1]
    assert [p.number for p in await engine.pings("certbot")] == [3, 2, 1]
    assert (await engine.get_check("backup")).last_ping_number == 3


async def test_the_next_ping_takes_the_oldest_ones_slot(engine: Service, send: Send) -> None:
    check = await engine.add_check(CheckSpec(name="etl", every_seconds=3600))
    for sent in range(1, PINGS_KEPT + 2):
        reply = await send(f"/ping/{check.uuid}", method="POST", data=str(sent).encode())
        assert reply.status == 200

    with outside(engine.store) as conn:
        rows = conn.execute(
            "SELECT slot, number, body FROM pings WHERE check_id = ?", (check.id,)
        ).fetchall()
    assert len(rows) == PINGS_KEPT
    # Ping 101 is in the slot ping 1 had; every ping's body is its own.
    assert {r[0]: r[1] for r in rows}[1] == PINGS_KEPT + 1
    assert all(bytes(r[2]) == str(r[1]).encode() for r in rows)
    shown = await engine.pings("etl", limit=PINGS_KEPT)
    assert [p.number for p in shown] == list(range(PINGS_KEPT + 1, 1, -1))


def _pings_before_slots(execute: Callable[..., Any]) -> None:
    """Two checks on the schema before the slots: one with SENT_BEFORE pings sent (the
    trigger kept the newest 100), one with 3; pings of the two interleaved at the end."""
    for i, name in ((1, "backup"), (2, "certbot")):
        execute(
            "INSERT INTO checks (id, uuid, name, slug, every_seconds, grace_seconds, "
            "created_at, clock_start, state, state_since) "
            "VALUES (?, ?, ?, ?, 3600, 300, 0, 0, 'up', 0)",
            (i, f"00000000-0000-4000-8000-00000000000{i}", name, name),
        )
    sent = {1: 0, 2: 0}
    order = [1] * (SENT_BEFORE - 3) + [1, 2] * 3
    for check_id in order:
        sent[check_id] += 1
        execute(
            "INSERT INTO pings (check_id, kind, at, body) VALUES (?, 'success', ?, ?)",
            (check_id, float(sent[check_id]), str(sent[check_id]).encode()),
        )


async def _upgraded_as_expected(service: Service, http: aiohttp.ClientSession) -> None:
    """The upgrade kept each check's pings in order, numbered from the oldest kept; the next
    ping is numbered after them and takes the oldest one's slot."""
    store = service.store
    [backup] = [c for c in await store.list_checks() if c.name == "backup"]
    [certbot] = [c for c in await store.list_checks() if c.name == "certbot"]
    assert (backup.last_ping_number, certbot.last_ping_number) == (PINGS_KEPT, 3)
    kept = await store.pings(backup.id, PINGS_KEPT)
    assert [p.number for p in kept] == list(range(PINGS_KEPT, 0, -1))
    # The bodies say which ping each was when sent: the oldest 5 were gone already.
    assert [int(p.body) for p in kept] == list(range(SENT_BEFORE, 5, -1))
    assert [(p.number, p.body) for p in await store.pings(certbot.id, 10)] == [
        (3, b"3"),
        (2, b"2"),
        (1, b"1"),
    ]
    assert (await sender(service, http)(f"/ping/{backup.uuid}")).status == 200
    after = await store.pings(backup.id, PINGS_KEPT)
    assert len(after) == PINGS_KEPT
    assert after[0].number == PINGS_KEPT + 1
    assert after[-1].body == b"7"  # the oldest kept (sent 6th) was overwritten


async def test_a_sqlite_database_from_before_the_slots_keeps_its_pings(
    http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    settings = engine_settings(tmp_path / "data")
    settings.data_dir.mkdir()
    with closing(sqlite3.connect(settings.data_dir / DB_FILE, isolation_level=None)) as conn:
        for migration in schema.MIGRATIONS[:BEFORE_SLOTS]:
            if callable(migration):
                migration(conn)
            else:
                conn.executescript(migration)
        conn.execute(f"PRAGMA user_version = {BEFORE_SLOTS}")
        _pings_before_slots(conn.execute)

    async with running_engine(settings) as service:
        await _upgraded_as_expected(service, http)


async def test_a_postgresql_database_from_before_the_slots_keeps_its_pings(
    postgres_cluster: Cluster,
    http: aiohttp.ClientSession,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    url = fresh_database(postgres_cluster)
    with monkeypatch.context() as before:
        before.setattr(schema, "MIGRATIONS", schema.MIGRATIONS[:BEFORE_SLOTS])
        conn = PostgresConnection(url)
        try:
            migrate_postgres(conn)
            conn.execute("BEGIN")
            _pings_before_slots(conn.execute)
            conn.execute("COMMIT")
        finally:
            conn.close()

    settings = engine_settings(tmp_path / "data")
    async with running_engine(replace(settings, database_url=url)) as service:
        await _upgraded_as_expected(service, http)


async def test_two_nodes_pinged_at_once_never_give_one_number_twice(
    postgres_url: str, http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    first = replace(engine_settings(tmp_path / "first"), database_url=postgres_url)
    second = replace(engine_settings(tmp_path / "second"), database_url=postgres_url)
    async with running_engine(first) as one, running_engine(second) as other:
        check = await one.add_check(CheckSpec(name="backup", every_seconds=3600))
        sends = [sender(node, http) for node in (one, other)]
        replies = await asyncio.gather(
            *(
                sends[n % 2](f"/ping/{check.uuid}", method="POST", data=str(n).encode())
                for n in range(SENT_AT_ONCE)
            )
        )
        assert [r.status for r in replies] == [200] * SENT_AT_ONCE

        stored = await one.pings("backup", limit=PINGS_KEPT)
        assert sorted(p.number for p in stored) == list(range(1, SENT_AT_ONCE + 1))
        assert sorted(int(p.body) for p in stored) == list(range(SENT_AT_ONCE))
        assert (await other.get_check("backup")).last_ping_number == SENT_AT_ONCE
