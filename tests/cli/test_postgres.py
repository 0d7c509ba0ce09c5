"""The command line and `serve` on PostgreSQL: the database named by --database, the config
file or BEATWATCH_DATABASE_URL, its password never shown, a bad URL refused in one line, and
PostgreSQL stopped under a stream of pings: 503s while it is down, nothing that got a 200
lost, and pings stored again once it is back, without a restart."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from tests.cli.conftest import TIMEOUT, Beatwatch, assert_one_line_error
from tests.cli.test_serve import LISTENING, start_serve, stop_serve
from tests.conftest import wait_for
from tests.postgres import Cluster, fresh_database, throwaway_cluster


async def test_commands_and_serve_share_one_database(
    beatwatch: Beatwatch, postgres_url: str, tmp_path: Path
) -> None:
    added = beatwatch("--database", postgres_url, "check", "add", "backup", "--every", "1h")
    assert added.code == 0, added.stderr
    # Another machine's data dir, the same database: what a second node sees.
    other = Beatwatch(
        tmp_path / "elsewhere", {**beatwatch.env, "BEATWATCH_DATABASE_URL": postgres_url}
    )
    [check] = other("check", "list", "--json").json()
    assert check["name"] == "backup"

    serve, startup = await start_serve(other)
    try:
        base = LISTENING.search(startup[-1]).group(1)  # type: ignore[union-attr]
        async with (
            aiohttp.ClientSession() as http,
            http.post(f"{base}/ping/{check['uuid']}", data=b"42 tables") as reply,
        ):
            assert (reply.status, await reply.json()) == (200, {"ok": True})
        [ping] = beatwatch("--database", postgres_url, "pings", "backup", "--json").json()
        assert ping["body"] == "42 tables"
    finally:
        _, rest = await stop_serve(serve)
    assert serve.returncode == 0
    assert f"data in {postgres_url}" in rest.decode()


def test_a_bad_database_url_is_refused_in_one_line(beatwatch: Beatwatch, tmp_path: Path) -> None:
    wrong = beatwatch("--database", "mysql://db.lan/beatwatch", "check", "list")
    assert_one_line_error(wrong, 2, "--database", "postgresql://")
    no_name = beatwatch("--database", "postgresql://db.lan", "check", "list")
    assert_one_line_error(no_name, 2, "names no database")
    config = tmp_path / "beatwatch.toml"
    config.write_text('theme = "beatwatch-dark"\ndatabase_password_file = "/nonexistent/pw"\n')
    unreadable = beatwatch("--config", str(config), "check", "list")
    assert_one_line_error(unreadable, 2, "line 2", "database_password_file")


def test_a_password_never_shows_in_an_error(beatwatch: Beatwatch, tmp_path: Path) -> None:
    # Nothing listens in this directory: the connection fails, and says where it went.
    nowhere = f"postgresql://beatwatch:hunter2@/beatwatch?host={tmp_path}"
    failed = beatwatch("--database", nowhere, "check", "list")
    assert failed.code != 0 and "Traceback" not in failed.stderr
    assert "hunter2" not in failed.stderr + failed.stdout
    assert "beatwatch:***@" in failed.stderr


@pytest.fixture
def own_cluster(postgres_cluster: Cluster) -> Iterator[Cluster]:
    """A cluster of this test's own, to stop and start: the session's serves the others."""
    with throwaway_cluster() as cluster:
        yield cluster


async def test_pings_get_503_while_postgresql_is_down_and_none_acknowledged_is_lost(
    beatwatch: Beatwatch, own_cluster: Cluster
) -> None:
    url = fresh_database(own_cluster)
    db = Beatwatch(beatwatch.data_dir, {**beatwatch.env, "BEATWATCH_DATABASE_URL": url})
    uuid = db("check", "add", "backup", "--every", "1h", "--json").json()["uuid"]
    serve, startup = await start_serve(db)
    acknowledged: list[str] = []
    statuses: list[int] = []
    try:
        base = LISTENING.search(startup[-1]).group(1)  # type: ignore[union-attr]
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:

            async def ping(n: int) -> int:
                async with http.post(f"{base}/ping/{uuid}", data=str(n).encode()) as reply:
                    if reply.status == 200:
                        acknowledged.append(str(n))
                    else:
                        assert reply.status == 503
                        assert (await reply.json())["error"].startswith("ping not stored: ")
                    statuses.append(reply.status)
                    return reply.status

            for n in range(20):
                assert await ping(n) == 200
            own_cluster.stop("fast")
            for n in range(20, 40):
                await ping(n)
            assert statuses[-1] == 503
            own_cluster.start()
            numbers = iter(range(40, 1000))

            async def stored_again() -> bool:
                return await ping(next(numbers)) == 200

            await wait_for(stored_again, timeout=30, what="a ping stored again")
    finally:
        serve.send_signal(signal.SIGTERM)
        await asyncio.wait_for(serve.wait(), TIMEOUT)
    stored = {p["body"] for p in db("pings", "backup", "--json", "--limit", "100").json()}
    assert set(acknowledged) <= stored
