"""A 200 means stored: 503 while the database refuses writes, everything kept across a
restart, and no ping lost when many arrive at once."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing

import aiohttp
import pytest

from beatwatch.config import Settings
from beatwatch.core.validation import CheckSpec
from beatwatch.service.service import Service
from beatwatch.store.writer import Writer
from tests.conftest import running_engine
from tests.engine.conftest import Send, sender


@pytest.mark.sqlite_only  # another process's exclusive lock on the file
async def test_a_ping_that_cannot_be_stored_gets_503_until_storage_is_back(
    engine: Service, send: Send
) -> None:
    check = await engine.add_check(CheckSpec(name="backup", every_seconds=3600))
    assert (await send(f"/ping/{check.uuid}")).status == 200
    # The writer waits lock_wait (5 s) for a lock before it gives up; a shorter wait keeps
    # the test quick and takes the same path.
    engine.store.writer.lock_wait = 0.1

    with closing(sqlite3.connect(engine.store.path, isolation_level=None)) as other_process:
        other_process.execute("BEGIN EXCLUSIVE")
        refused = await send(f"/ping/{check.uuid}/fail", method="POST", data=b"refused")
        other_process.execute("ROLLBACK")

    assert refused.status == 503
    reason = refused.json()
    assert reason["ok"] is False
    assert reason["error"].startswith("ping not stored: ")
    assert "locked" in reason["error"]
    assert refused.headers["Ping-Body-Limit"] == "10240"
    assert engine.storage_fault is not None

    accepted = await send(f"/ping/{check.uuid}", method="POST", data=b"back")
    assert (accepted.status, accepted.json()) == (200, {"ok": True})
    assert engine.storage_fault is None
    assert [p.body for p in await engine.pings(check.slug)] == [b"back", b""]


async def test_checks_pings_and_states_survive_a_restart(
    settings: Settings, http: aiohttp.ClientSession
) -> None:
    async with running_engine(settings) as first:
        send = sender(first, http)
        backup = await first.add_check(CheckSpec(name="backup", every_seconds=3600))
        deploy = await first.add_check(CheckSpec(name="deploy", cron="0 3 * * *", tz="UTC"))
        await first.add_check(CheckSpec(name="reports", every_seconds=86400))
        await send(f"/ping/{backup.uuid}/start")
        await send(f"/ping/{backup.uuid}", method="POST", data=b"3 tables")
        await send(f"/ping/{first.ping_key}/{deploy.slug}/fail/2")
        await first.pause_check("reports")
        checks = await first.list_checks()
        history = {c.slug: await first.pings(c.slug) for c in checks}
        transitions = {c.slug: await first.transitions(c.slug) for c in checks}
        ping_key = first.ping_key

    async with running_engine(settings) as second:
        assert second.ping_key == ping_key
        assert await second.list_checks() == checks
        assert {c.slug: await second.pings(c.slug) for c in checks} == history
        assert {c.slug: await second.transitions(c.slug) for c in checks} == transitions
        assert [c.state.value for c in checks] == ["up", "failing", "paused"]
        reply = await sender(second, http)(f"/ping/{ping_key}/{deploy.slug}")
        assert reply.status == 200
        assert len(await second.pings(deploy.slug)) == 2


async def test_200_pings_at_once_are_all_stored_and_answered(engine: Service) -> None:
    workers = [
        await engine.add_check(CheckSpec(name=f"worker {n}", every_seconds=60)) for n in range(4)
    ]
    connector = aiohttp.TCPConnector(limit=16)
    async with aiohttp.ClientSession(connector=connector) as http:
        send = sender(engine, http)
        replies = await asyncio.gather(
            *(
                send(f"/ping/{workers[n % 4].uuid}", method="POST", data=str(n).encode())
                for n in range(200)
            )
        )

    assert [r.status for r in replies] == [200] * 200
    for index, worker in enumerate(workers):
        stored = sorted(int(p.body) for p in await engine.pings(worker.slug))
        assert stored == list(range(index, 200, 4))


class _FailingDisk:
    """A connection whose every statement hits a disk error."""

    def execute(self, sql: str, *args: object) -> sqlite3.Cursor:
        raise sqlite3.OperationalError("disk I/O error")

    def close(self) -> None:
        pass


async def test_watching_for_other_writers_rides_out_a_storage_fault() -> None:
    # The watcher runs twice a second; the fault is reported by the next batch, once.
    writer = Writer(_FailingDisk)  # type: ignore[arg-type]
    writer.start()
    writer.look_for_other_writers()
    await writer.stop()
