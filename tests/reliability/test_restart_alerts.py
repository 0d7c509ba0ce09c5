"""Restart in the middle of an incident: an alert that could not be delivered before a kill -9
is delivered exactly once after the restart, and later restarts never send it again."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from beatwatch.config import Settings
from beatwatch.core.model import Check
from beatwatch.core.validation import CheckSpec
from beatwatch.service.service import Service
from beatwatch.store.database import DB_FILE, Store
from tests.conftest import settings_on, wait_for
from tests.engine.conftest import shift_into_past
from tests.outside import outside
from tests.reliability.conftest import ServeProcess, free_port
from tests.webhook import Hook, serving

DOWNTIME = 2 * 3600.0


def outbox(db: Path | Store) -> list[tuple[str, str, int]]:
    """(kind, status, attempts) of every queued message, oldest first."""
    with outside(db) as conn:
        rows = conn.execute("SELECT kind, status, attempts FROM outbox ORDER BY id").fetchall()
        return [tuple(row) for row in rows]


def make_retries_due(db: Path | Store) -> None:
    """As if the downtime had outlasted the retry delay (10 s after one failure)."""
    with outside(db) as conn:
        conn.execute("UPDATE outbox SET next_attempt_at = next_attempt_at - 60")


async def setup(settings: Settings, hook_port: int) -> Check:
    service = await Service.open(settings)
    try:
        url = f"json://127.0.0.1:{hook_port}/hook"
        await service.alerts.add_channel("ops", url, is_default=True)
        return await service.add_check(CheckSpec(name="db-backup", every_seconds=60))
    finally:
        await service.close()


@pytest.fixture
def settings(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    return settings_on(backend, request, tmp_path)


async def test_a_pending_alert_survives_kill9_and_arrives_exactly_once(settings: Settings) -> None:
    db = Store(settings.data_dir / DB_FILE, settings.database_url)
    hook_port = free_port()
    check = await setup(settings, hook_port)
    shift_into_past(db, check.id, DOWNTIME)
    inbox = Hook(port=hook_port)
    received = inbox.received

    # The notification receiver is down: the missed alert fails once and waits for a retry.
    env = {"BEATWATCH_DATABASE_URL": settings.database_url} if settings.database_url else {}
    server = ServeProcess(settings.data_dir, env)
    await server.start()
    await wait_for(lambda: [r[1:] for r in outbox(db)] == [("pending", 1)], timeout=10)
    server.kill()
    await server.process.wait()  # type: ignore[union-attr]
    make_retries_due(db)

    async with serving(inbox):
        await server.start()
        await wait_for(lambda: len(received) == 1, timeout=10)
        await wait_for(lambda: [r[1] for r in outbox(db)] == ["sent"], timeout=10)
        assert "MISSED" in received[0]["title"] and "db-backup" in received[0]["title"]
        assert await server.stop() == 0

        # Another restart; a recovery is then sent, and nothing was resent before it.
        await server.start()
        ping_url = f"{server.base}/ping/{check.uuid}"
        async with aiohttp.ClientSession() as session, session.get(ping_url) as reply:
            assert reply.status == 200
        await wait_for(lambda: len(received) == 2, timeout=10)
        await wait_for(lambda: all(r[1] == "sent" for r in outbox(db)), timeout=10)
        assert await server.stop() == 0

    kinds = [r[0] for r in outbox(db)]
    assert kinds == ["alert", "recovery"]
    assert "MISSED" not in received[1]["title"]
    print(f"\nrestart mid-incident: outbox {outbox(db)}, received {len(received)} messages")


@contextlib.asynccontextmanager
async def hung_server(port: int) -> AsyncIterator[list[bytes]]:
    """A channel endpoint that hangs: it reads the request and never finishes its answer,
    trickling a header byte now and then so no read timeout ever fires. Yields what each
    connection sent."""
    requests: list[bytes] = []

    async def swallow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        requests.append(b"")
        index = len(requests) - 1
        with contextlib.suppress(ConnectionError):
            while not requests[index].endswith(b"}"):  # the JSON body, however it arrives
                if not (chunk := await reader.read(65536)):
                    return
                requests[index] += chunk
            writer.write(b"HTTP/1.1 200 OK\r\nX-Wait: ")
            while True:
                writer.write(b"z")
                await writer.drain()
                await asyncio.sleep(1)

    server = await asyncio.start_server(swallow, "127.0.0.1", port)
    try:
        yield requests
    finally:
        server.close()
        for task in [t for t in asyncio.all_tasks() if t.get_coro().__name__ == "swallow"]:
            task.cancel()


async def test_sigterm_during_a_hung_send_exits_soon_and_the_alert_goes_out_once_later(
    tmp_path: Path,
) -> None:
    db_path = tmp_path / DB_FILE
    hook_port = free_port()
    check = await setup(Settings(data_dir=tmp_path), hook_port)
    shift_into_past(db_path, check.id, DOWNTIME)
    server = ServeProcess(tmp_path)

    async with hung_server(hook_port) as hung:
        await server.start()
        await wait_for(lambda: any(b"MISSED" in r for r in hung), timeout=10)
        assert server.process is not None
        asked_to_stop = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        try:
            returncode = await asyncio.wait_for(server.process.wait(), 10)
        finally:
            if server.process.returncode is None:
                server.kill()
        took = time.monotonic() - asked_to_stop
        assert len(hung) == 1
    assert returncode == 0
    assert [r[1:] for r in outbox(db_path)] == [("pending", 0)]

    inbox = Hook(port=hook_port)
    async with serving(inbox):
        await server.start()
        await wait_for(lambda: [r[1] for r in outbox(db_path)] == ["sent"], timeout=10)
        assert await server.stop() == 0
    assert len(inbox.received) == 1 and "MISSED" in inbox.received[0]["title"]
    print(f"\nSIGTERM with a hung channel: exited in {took:.1f} s; alert sent once after restart")
