"""kill -9 under load, on SQLite and on PostgreSQL: every ping that got a 200 is in the
history after the restart, and an SQLite file passes its integrity check."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from contextlib import closing
from pathlib import Path

import aiohttp
import pytest

from beatwatch.config import Settings
from beatwatch.core.validation import CheckSpec
from beatwatch.service.service import Service
from beatwatch.store.database import DB_FILE, Store
from tests.conftest import settings_on, wait_for
from tests.outside import outside
from tests.reliability.conftest import ServeProcess

CLIENTS = 8


async def make_checks(settings: Settings, count: int) -> list[str]:
    service = await Service.open(settings)
    try:
        return [
            (await service.add_check(CheckSpec(name=f"job-{n}", every_seconds=3600))).uuid
            for n in range(count)
        ]
    finally:
        await service.close()


async def hammer(
    base: str, uuids: list[str], acked: list[str], start: int, stop: asyncio.Event
) -> int:
    """Ping until the server dies; returns how many pings were sent."""
    sent = 0
    connector = aiohttp.TCPConnector(limit=1)
    async with aiohttp.ClientSession(connector=connector) as session:
        n = start
        while not stop.is_set():
            marker = f"marker-{n}"
            uuid = uuids[n % len(uuids)]
            n += CLIENTS
            sent += 1
            try:
                async with session.post(f"{base}/ping/{uuid}", data=marker) as reply:
                    if reply.status == 200:
                        acked.append(marker)
            except (TimeoutError, aiohttp.ClientError):
                return sent
    return sent


async def run_kills(settings: Settings, kills: int, acks_per_round: int) -> dict[str, int]:
    # Enough checks that none reaches the 100-ping history cap during the run.
    uuids = await make_checks(settings, max(400, kills * acks_per_round // 40))
    env = {"BEATWATCH_PING_RATE_LIMIT": "off"}
    if settings.database_url is not None:
        env["BEATWATCH_DATABASE_URL"] = settings.database_url
    acked: list[str] = []
    sent = 0
    offset = 0
    for _ in range(kills):
        # The clients all ping from one address, far above the per-address limit.
        server = ServeProcess(settings.data_dir, env=env)
        await server.start()
        stop = asyncio.Event()
        before = len(acked)
        clients = [
            asyncio.create_task(hammer(server.base, uuids, acked, offset + i, stop))
            for i in range(CLIENTS)
        ]
        await wait_for(lambda before=before: len(acked) - before >= acks_per_round, timeout=60)
        server.kill()
        sent += sum(await asyncio.gather(*clients))
        stop.set()
        await server.process.wait()  # type: ignore[union-attr]
        offset += 1_000_000  # fresh markers each round

    if settings.database_url is None:
        with closing(sqlite3.connect(settings.data_dir / DB_FILE)) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with outside(Store(settings.data_dir / DB_FILE, settings.database_url)) as conn:
        stored = {bytes(r[0]).decode() for r in conn.execute("SELECT body FROM pings")}
    missing = [m for m in acked if m not in stored]
    assert not missing, f"{len(missing)} acknowledged pings were lost, e.g. {missing[:3]}"
    return {"kills": kills, "sent": sent, "acknowledged": len(acked), "found": len(stored)}


@pytest.fixture
def settings(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    return settings_on(backend, request, tmp_path / "data")


async def test_kill9_five_times_loses_no_acknowledged_ping(settings: Settings) -> None:
    figures = await run_kills(settings, kills=5, acks_per_round=300)
    print(f"\nkill -9 under load: {figures}")


@pytest.mark.slow
async def test_kill9_long(tmp_path: Path) -> None:
    figures = await run_kills(
        Settings(data_dir=tmp_path),
        kills=int(os.environ.get("BEATWATCH_KILLS", "20")),
        acks_per_round=3000,
    )
    print(f"\nkill -9 under load (long): {figures}")
