"""Runs and history through the real receiver: `?rid=` pairing and durations, the 100-ping cap,
and a deleted check taking its history with it."""

from __future__ import annotations

import uuid

import pytest

from beatwatch.core.errors import CheckNotFound
from beatwatch.core.model import PINGS_KEPT, Check, Ping, PingKind, State
from beatwatch.core.validation import CheckSpec
from beatwatch.service.service import Service
from tests.engine.conftest import Send
from tests.outside import outside


@pytest.fixture
async def check(engine: Service) -> Check:
    return await engine.add_check(CheckSpec(name="etl", every_seconds=3600))


def run_time(finish: Ping, start: Ping) -> object:
    """The duration a finish should carry: from its own start to itself."""
    return pytest.approx(finish.at - start.at, abs=1e-6)


async def test_start_and_finish_with_one_rid_give_the_run_duration(
    engine: Service, send: Send, check: Check
) -> None:
    rid = str(uuid.uuid4())

    await send(f"/ping/{check.uuid}/start?rid={rid}")
    await send(f"/ping/{check.uuid}?rid={rid}")

    finish, start = await engine.pings(check.slug)
    assert finish.rid == start.rid == rid
    assert start.duration is None
    assert finish.duration == run_time(finish, start)
    assert (await engine.get_check(check.slug)).last_duration == finish.duration


async def test_overlapping_runs_each_get_their_own_duration(
    engine: Service, send: Send, check: Check
) -> None:
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    await send(f"/ping/{check.uuid}/start?rid={first}")
    await send(f"/ping/{check.uuid}/start?rid={second}")

    # The first run ends first: without its rid it would close the newer start.
    await send(f"/ping/{check.uuid}?rid={first}")
    assert (await engine.get_check(check.slug)).state is State.RUNNING
    await send(f"/ping/{check.uuid}/fail/1?rid={second}")

    second_end, first_end, second_start, first_start = await engine.pings(check.slug)
    assert first_end.duration == run_time(first_end, first_start)
    assert second_end.duration == run_time(second_end, second_start)
    assert (await engine.get_check(check.slug)).state is State.FAILING


async def test_without_rid_a_finish_closes_the_most_recent_start(
    engine: Service, send: Send, check: Check
) -> None:
    await send(f"/ping/{check.uuid}/start")
    await send(f"/ping/{check.uuid}/start")  # the job was restarted

    await send(f"/ping/{check.uuid}")

    finish, restart, _abandoned = await engine.pings(check.slug)
    assert finish.duration == run_time(finish, restart)
    assert (await engine.get_check(check.slug)).state is State.UP


async def test_a_finish_without_an_open_start_has_no_duration(
    engine: Service, send: Send, check: Check
) -> None:
    await send(f"/ping/{check.uuid}")
    await send(f"/ping/{check.uuid}/start")
    await send(f"/ping/{check.uuid}")
    await send(f"/ping/{check.uuid}/fail")  # its start was already closed

    late_fail, paired, _start, lone = await engine.pings(check.slug)
    assert lone.duration is None
    assert paired.duration is not None
    assert late_fail.duration is None
    # The check's last duration is its last finish's: the paired run's would be stale.
    assert (await engine.get_check(check.slug)).last_duration is None


def stored_rows(engine: Service, table: str, check_id: int) -> int:
    with outside(engine.store) as conn:
        query = f"SELECT count(*) FROM {table} WHERE check_id = ?"
        return int(conn.execute(query, (check_id,)).fetchone()[0])


async def test_only_the_newest_100_pings_are_kept(
    engine: Service, send: Send, check: Check
) -> None:
    for number in range(130):
        reply = await send(f"/ping/{check.uuid}", method="POST", data=str(number).encode())
        assert reply.status == 200

    assert stored_rows(engine, "pings", check.id) == PINGS_KEPT
    kept = [int(p.body) for p in await engine.pings(check.slug, limit=PINGS_KEPT)]
    assert kept == list(range(129, 29, -1))


async def test_deleting_a_check_deletes_its_history(
    engine: Service, send: Send, check: Check
) -> None:
    await send(f"/ping/{check.uuid}/fail")
    await send(f"/ping/{check.uuid}/start")
    assert stored_rows(engine, "runs", check.id) == 1

    await engine.delete_check(check.uuid)

    for table in ("pings", "runs", "transitions"):
        assert stored_rows(engine, table, check.id) == 0, table
    with pytest.raises(CheckNotFound):
        await engine.get_check(check.uuid)
    assert (await send(f"/ping/{check.uuid}")).status == 200
    assert [p.key for p in await engine.unknown_pings()] == [check.uuid]


async def test_recent_results_are_the_newest_finishes_of_each_check(
    engine: Service, send: Send, check: Check
) -> None:
    other = await engine.add_check(CheckSpec(name="backup", every_seconds=3600))
    for path in ("/start", "", "/log", "/fail/3", "/start", "/0", "/fail"):
        assert (await send(f"/ping/{check.uuid}{path}")).status == 200
    idle = await engine.add_check(CheckSpec(name="never-ran", every_seconds=3600))
    assert (await send(f"/ping/{other.uuid}/fail")).status == 200

    results = await engine.recent_results([check.id, other.id, idle.id], limit=3)

    assert results == {
        check.id: [(PingKind.FAIL, None), (PingKind.SUCCESS, 0), (PingKind.FAIL, 3)],
        other.id: [(PingKind.FAIL, None)],
        idle.id: [],
    }
