"""Storage faults are real here: the data dir sits on a small tmpfs that fills up while the
engine runs (a read-only file is no test as root, who may write it anyway). Pings get 503,
never a 200 for a ping that was not stored; the engine keeps running, and it recovers when
the storage returns."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from beatwatch.config import Settings
from beatwatch.core.validation import CheckSpec
from beatwatch.runtime import Runtime, start_engine
from beatwatch.service.service import Service
from tests.reliability.conftest import fill

BODY = b"x" * 10_000


@pytest.fixture
async def runtime(small_disk: Path) -> AsyncIterator[Runtime]:
    service = await Service.open(
        # Thousands of pings from one address until the disk is full: no rate limit here.
        Settings(
            data_dir=small_disk / "data",
            listen_host="127.0.0.1",
            listen_port=0,
            ping_rate_limit=None,
        )
    )
    yield await start_engine(service)
    await service.close()


@pytest.fixture
def engine(runtime: Runtime) -> Service:
    return runtime.service


async def ping(session: aiohttp.ClientSession, service: Service, uuid: str) -> tuple[int, dict]:
    url = f"http://127.0.0.1:{service.bound_port}/ping/{uuid}"
    async with session.post(url, data=BODY) as reply:
        return reply.status, await reply.json()


async def test_full_disk_gives_503_then_recovers(
    runtime: Runtime, engine: Service, small_disk: Path
) -> None:
    check = await engine.add_check(CheckSpec(name="backup", every_seconds=3600))
    async with aiohttp.ClientSession() as session:
        assert (await ping(session, engine, check.uuid))[0] == 200
        filler = fill(small_disk)
        statuses = []
        for _ in range(2000):  # the WAL grows until the disk refuses it
            status, body = await ping(session, engine, check.uuid)
            statuses.append(status)
            if status != 200:
                break
        assert statuses[-1] == 503, f"never refused: {len(statuses)} pings all stored"
        assert body["ok"] is False and "ping not stored" in body["error"]
        assert engine.storage_fault is not None
        acknowledged = statuses.count(200) + 1

        filler.unlink()
        replies: list[int] = []

        async def retry() -> None:
            replies.append((await ping(session, engine, check.uuid))[0])

        for _ in range(50):
            await retry()
            if replies[-1] == 200:
                break
        assert replies[-1] == 200
        assert engine.storage_fault is None
        assert all(not task.done() for task in runtime._tasks), "an engine task died"
    stored = await engine.pings(check.slug, limit=100)
    assert len(stored) == min(100, acknowledged + replies.count(200))
