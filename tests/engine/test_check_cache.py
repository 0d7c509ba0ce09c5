"""The ping path's check cache never serves a check that differs from its row: edits in
this process or another, and rolled-back batches, are all seen by the next ping."""

from __future__ import annotations

import asyncio
import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from functools import partial
from pathlib import Path

import pytest

import beatwatch
from beatwatch.core.errors import StorageError
from beatwatch.core.model import Check, PingKind, PingRequest, UnknownPing
from beatwatch.core.validation import CheckSpec, validate
from beatwatch.engine.check_edits import create_check
from beatwatch.engine.ingest import record_ping
from beatwatch.service.service import Service
from beatwatch.store import database
from beatwatch.store.check_cache import CheckCache
from beatwatch.store.check_rows import update_checks
from beatwatch.store.schema import migrate
from tests.engine.conftest import Send
from tests.outside import outside


def write_as_another_process(engine: Service, sql: str, *params: object) -> None:
    with outside(engine.store) as other_process:
        other_process.execute(sql, params)


async def seconds_from_last_ping_to_due(engine: Service, ref: str) -> float:
    stored = await engine.get_check(ref)
    assert stored.last_ping_at is not None and stored.next_change_at is not None
    return stored.next_change_at - stored.last_ping_at


async def test_a_ping_uses_a_schedule_changed_by_another_process(
    engine: Service, send: Send
) -> None:
    check = await engine.add_check(CheckSpec(name="backup", every_seconds=3600))
    assert (await send(f"/ping/{check.uuid}")).status == 200

    write_as_another_process(
        engine, "UPDATE checks SET every_seconds = 7200, grace_seconds = 60 WHERE id = ?", check.id
    )
    assert (await send(f"/ping/{check.uuid}")).status == 200

    assert await seconds_from_last_ping_to_due(engine, check.uuid) == pytest.approx(7200)


async def test_a_slug_renamed_by_another_process_stops_matching(
    engine: Service, send: Send
) -> None:
    check = await engine.add_check(CheckSpec(name="backup", every_seconds=3600))
    assert (await send(f"/ping/{engine.ping_key}/backup")).status == 200

    write_as_another_process(engine, "UPDATE checks SET slug = 'nightly' WHERE id = ?", check.id)
    assert (await send(f"/ping/{engine.ping_key}/backup")).status == 200
    assert (await send(f"/ping/{engine.ping_key}/nightly")).status == 200

    assert len(await engine.pings(check.uuid)) == 2
    assert [u.key for u in await engine.unknown_pings()] == ["slug backup"]


async def test_a_ping_uses_an_edit_made_in_this_process(engine: Service, send: Send) -> None:
    check = await engine.add_check(CheckSpec(name="backup", every_seconds=3600))
    assert (await send(f"/ping/{check.uuid}")).status == 200

    await engine.update_check(check.uuid, every_seconds=600, grace_seconds=30)
    assert (await send(f"/ping/{check.uuid}")).status == 200

    assert await seconds_from_last_ping_to_due(engine, check.uuid) == pytest.approx(600)


async def test_a_rolled_back_ping_is_forgotten(tmp_path: Path) -> None:
    db = await database.Store.open(tmp_path / "data")
    try:
        spec = validate(CheckSpec(name="backup", every_seconds=3600))
        check = await db.write(partial(create_check, spec=spec, now=time.time()))
        fail = partial(
            record_ping,
            request=PingRequest(kind=PingKind.FAIL, uuid=check.uuid, at=time.time()),
            ping_key="key",
            cache=db.check_cache,
        )
        await db.write(fail)  # the check is now cached with a failure streak of 1

        # Queued in the same turn of the loop, the next ping and a job that breaks the
        # storage share a batch, and the whole batch is rolled back.
        doomed = asyncio.ensure_future(db.write(fail))
        breaking = asyncio.ensure_future(
            db.write(lambda conn: conn.execute("INSERT INTO no_such_table VALUES (1)"))
        )
        doomed_error, breaking_error = await asyncio.gather(
            doomed, breaking, return_exceptions=True
        )
        assert isinstance(doomed_error, StorageError)
        assert isinstance(breaking_error, StorageError)

        outcome = await db.write(fail)
        assert outcome.check is not None
        assert outcome.check.failure_streak == 2
        assert len(await db.pings(check.id, 100)) == 2
    finally:
        await db.close()


async def statements_of_a_ping(engine: Service, send: Send, uuid: str) -> list[str]:
    """The SQL statements the writer ran for one ping to `uuid`."""
    statements: list[str] = []
    await engine.store.write(lambda conn: conn.set_trace_callback(statements.append))
    try:
        assert (await send(f"/ping/{uuid}")).status == 200
    finally:
        await engine.store.write(lambda conn: conn.set_trace_callback(None))
    return statements


@pytest.mark.sqlite_only  # SQLite's statement trace
async def test_a_ping_updates_only_the_columns_it_changes(engine: Service, send: Send) -> None:
    check = await engine.add_check(CheckSpec(name="backup", every_seconds=3600))
    statements = await statements_of_a_ping(engine, send, check.uuid)
    # A statement that fires a trigger is traced again for it.
    [update] = {s for s in statements if s.startswith("UPDATE checks")}
    assignments = update.split(" SET ")[1].split(" WHERE ")[0].split(", ")
    columns = {assignment.split(" = ")[0] for assignment in assignments}
    assert {"last_ping_at", "next_change_at"} <= columns
    assert columns.isdisjoint({"uuid", "slug", "name", "tags", "alerts", "created_at"})


@contextmanager
def three_checks(tmp_path: Path) -> Iterator[tuple[sqlite3.Connection, list[Check]]]:
    """A new database holding three checks, and a connection to it."""
    path = database.prepare_files(tmp_path / "data")
    with closing(database.connect(path)) as conn:
        migrate(conn)
        checks = [
            create_check(conn, validate(CheckSpec(name=f"job-{n}", every_seconds=60)), 0.0)
            for n in range(3)
        ]
        yield conn, checks


def test_the_oldest_checks_leave_a_full_cache(tmp_path: Path) -> None:
    with three_checks(tmp_path) as (conn, checks):
        cache = CheckCache(limit=2)
        for check in checks:
            cache.remember(check)

        assert cache.lookup(conn, "uuid", checks[2].uuid) is checks[2]
        assert cache.lookup(conn, "slug", checks[1].slug) is checks[1]
        reloaded = cache.lookup(conn, "uuid", checks[0].uuid)
        assert reloaded is not checks[0] and reloaded == checks[0]


def test_a_check_remembered_again_is_the_last_to_leave_a_full_cache(tmp_path: Path) -> None:
    with three_checks(tmp_path) as (conn, (first, second, third)):
        cache = CheckCache(limit=2)
        cache.remember(first)
        cache.remember(second)
        pinged = first.evolve(last_ping_at=5.0)
        cache.remember(pinged)
        cache.remember(third)

        assert cache.lookup(conn, "uuid", first.uuid) is pinged
        assert cache.lookup(conn, "slug", first.slug) is pinged
        reloaded = cache.lookup(conn, "uuid", second.uuid)
        assert reloaded is not second and reloaded == second


def test_a_full_cache_keeps_the_checks_whose_rows_are_held_back(tmp_path: Path) -> None:
    with three_checks(tmp_path) as (conn, checks):
        cache = CheckCache(limit=2)
        cache.watch(conn)
        pinged = [check.evolve(last_ping_at=5.0) for check in checks]
        for check, stored in zip(pinged, checks, strict=True):
            cache.write_later(conn, check, stored)
        # Over its limit, the cache still holds all three: they are the only current copies.
        assert [cache.lookup(conn, "uuid", c.uuid) for c in checks] == pinged

        cache.write_held(conn)
        rows = conn.execute("SELECT last_ping_at FROM checks ORDER BY id").fetchall()
        assert [r[0] for r in rows] == [5.0, 5.0, 5.0]


def test_writes_that_touch_no_check_keep_it_cached_and_its_own_row_changing_drops_it(
    tmp_path: Path,
) -> None:
    path = database.prepare_files(tmp_path / "data")
    with closing(database.connect(path)) as conn:
        migrate(conn)
        check, other = (
            create_check(conn, validate(CheckSpec(name=name, every_seconds=60)), 0.0)
            for name in ("backup", "rotate logs")
        )
        cache = CheckCache()
        cache.watch(conn)
        cache.remember(check)
        cache.remember(other)

        database.record_unknown_ping(conn, UnknownPing(1.0, "slug nope", None, None))
        conn.execute("UPDATE checks SET grace_seconds = 7 WHERE id = ?", (other.id,))
        assert cache.lookup(conn, "uuid", check.uuid) is check

        conn.execute("UPDATE checks SET grace_seconds = 7 WHERE id = ?", (check.id,))
        reloaded = cache.lookup(conn, "uuid", check.uuid)
        assert reloaded is not None and reloaded.grace_seconds == 7

        cache.remember(reloaded)
        conn.execute("DELETE FROM checks WHERE id = ?", (check.id,))
        assert cache.lookup(conn, "slug", check.slug) is None


@pytest.mark.sqlite_only  # SQLite's statement trace
async def test_the_engine_renewing_its_duties_leaves_the_checks_cached(
    engine: Service, send: Send
) -> None:
    check = await engine.add_check(CheckSpec(name="backup", every_seconds=3600))
    assert (await send(f"/ping/{check.uuid}")).status == 200
    assert engine.duties is not None
    await engine.duties.renew()  # every few seconds, on a running engine

    statements = await statements_of_a_ping(engine, send, check.uuid)
    assert [s for s in statements if "FROM checks" in s] == []


def _runs_a_trigger(conn: sqlite3.Connection, sql: str) -> bool:
    # A trigger built into a statement is a subprogram of its own.
    return any(row[1] == "Program" for row in conn.execute(f"EXPLAIN {sql}"))


def test_a_checks_state_written_by_the_engine_drops_it_and_its_held_write_runs_no_trigger(
    tmp_path: Path,
) -> None:
    with three_checks(tmp_path) as (conn, (check, held, _)):
        cache = CheckCache()
        cache.watch(conn)
        cache.remember(check)
        moved = check.evolve(next_change_at=99.0, state_since=5.0)
        update_checks(conn, [(moved, check)])
        reloaded = cache.lookup(conn, "uuid", check.uuid)
        assert reloaded is not None and reloaded.next_change_at == 99.0

        pinged = held.evolve(last_ping_at=5.0, last_ping_number=1, next_change_at=65.0)
        cache.write_later(conn, pinged, held)
        cache.write_held(conn)
        assert cache.lookup(conn, "uuid", held.uuid) is pinged

        # A trigger in an UPDATE makes SQLite journal each page it changes, to undo it alone.
        state_update = "UPDATE checks SET last_ping_at = 1, next_change_at = 2 WHERE id = 1"
        assert not _runs_a_trigger(conn, state_update)
        assert _runs_a_trigger(conn, "UPDATE checks SET grace_seconds = 7 WHERE id = 1")


def test_only_the_store_s_row_writer_updates_a_checks_state() -> None:
    # What the cache's triggers do not see, update_checks must write: no other UPDATE of
    # `checks` runs beside the engine but the badge key's, a column no check holds, and a
    # migration's, which runs before the cache is filled.
    package = Path(beatwatch.__file__).parent
    found = sorted(
        path.relative_to(package).as_posix()
        for path in package.rglob("*.py")
        for line in path.read_text().splitlines()
        if re.search(r"UPDATE\s+(main\.)?\"?checks\b", line)
    )
    assert found == ["store/check_rows.py", "store/database.py", "store/schema.py"]
