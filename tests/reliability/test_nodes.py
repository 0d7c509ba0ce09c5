"""Three `beatwatch serve` nodes on one PostgreSQL database: a storm of 200 checks going
missed is alerted exactly once in all (the first 50 alone, the rest in one digest per
channel, as the storm guard has it), whichever node evaluates and whichever dispatches;
the node dispatching is killed with SIGKILL mid-storm and another takes over within 15 s,
sending the rest (only a send under way at the kill may go out twice: the receiver had it,
the dead node never heard so); pings spread over every node while one is killed are each
stored if they got a 200."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import aiohttp

from beatwatch.core.model import PingKind, PingRequest
from beatwatch.core.validation import CheckSpec
from beatwatch.engine.dispatch import CONCURRENT_SENDS
from beatwatch.service.service import Service
from tests.conftest import engine_settings, wait_for
from tests.outside import outside
from tests.reliability.conftest import BEATWATCH, ServeProcess
from tests.webhook import Hook, serving

CHECKS = 200
CHANNELS = 5
INTERVAL = 3600
NAME = re.compile(r"job-\d{3}")
TAKEOVER = 15.0


def cli(data_dir: Path, url: str, *args: str) -> str:
    import subprocess

    env = {**os.environ, "BEATWATCH_DATABASE_URL": url}
    done = subprocess.run(
        [*BEATWATCH, "--data-dir", str(data_dir), *args], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


async def fleet(tmp_path: Path, url: str, hook: Hook) -> list[str]:
    """CHECKS checks spread over CHANNELS channels, each pinged once; their names."""
    settings = replace(engine_settings(tmp_path / "setup"), database_url=url)
    service = await Service.open(settings)
    try:
        for n in range(CHANNELS):
            await service.alerts.add_channel(f"ops{n}", f"{hook.url}?n={n}")
        names = []
        for n in range(CHECKS):
            spec = CheckSpec(
                name=f"job-{n:03}", every_seconds=INTERVAL, channels=(f"ops{n % CHANNELS}",)
            )
            check = await service.add_check(spec)
            await service.record_ping(
                PingRequest(PingKind.SUCCESS, uuid=check.uuid, at=time.time())
            )
            names.append(check.name)
        return names
    finally:
        await service.close()


def make_all_due(store_url: str) -> None:
    """Every check's last ping an interval and more ago: all of them missed at once."""
    from beatwatch.store.database import Store

    with outside(Store(Path("/unused"), store_url)) as conn:
        shift = INTERVAL * 2
        conn.execute(
            "UPDATE checks SET created_at = created_at - :s, clock_start = clock_start - :s, "
            "state_since = state_since - :s, next_change_at = next_change_at - :s, "
            "last_ping_at = last_ping_at - :s, last_finish_at = last_finish_at - :s",
            {"s": shift},
        )


@contextlib.asynccontextmanager
async def nodes(tmp_path: Path, url: str, count: int = 3) -> AsyncIterator[list[ServeProcess]]:
    started = [
        ServeProcess(tmp_path / f"node{n}", {"BEATWATCH_DATABASE_URL": url}) for n in range(count)
    ]
    try:
        await asyncio.gather(*(node.start() for node in started))
        yield started
    finally:
        for node in started:
            if node.process is not None and node.process.returncode is None:
                node.kill()
                await node.process.wait()


def end_the_storm(store_url: str) -> None:
    """As if the storm window had passed since the last held message: digests are due."""
    from beatwatch.store.database import Store

    with outside(Store(Path("/unused"), store_url)) as conn:
        conn.execute("UPDATE outbox SET created_at = created_at - 3600 WHERE status = 'held'")


def alerted(hook: Hook) -> Counter[str]:
    """How many messages named each check: alone, or in a digest."""
    return Counter(
        name
        for message in hook.received
        for name in set(NAME.findall(f"{message['title']}\n{message['message']}"))
    )


async def storm_sent(tmp_path: Path, url: str, hook: Hook, timeout: float) -> None:
    """Until the storm's 50 single alerts are out, then, its window ended, every digest."""
    await wait_for(lambda: len(hook.received) >= 50, timeout=timeout, what="50 single alerts")
    await wait_for(lambda: held_only(url), timeout=timeout, what="the rest held")
    end_the_storm(url)
    await wait_for(lambda: all_sent(url), timeout=timeout, what="every digest")


def held_only(url: str) -> bool:
    """Nothing left to send but what the storm guard holds."""
    return outbox_statuses(url) - {"held"} <= {"sent"}


def all_sent(url: str) -> bool:
    return outbox_statuses(url) <= {"sent", "digested"}


def outbox_statuses(url: str) -> set[str]:
    from beatwatch.store.database import Store

    with outside(Store(Path("/unused"), url)) as conn:
        return {row[0] for row in conn.execute("SELECT DISTINCT status FROM outbox").fetchall()}


def cluster(tmp_path: Path, url: str) -> dict[str, object]:
    return json.loads(cli(tmp_path / "setup", url, "nodes", "--json"))


def holder_of(view: dict[str, object], duty: str) -> dict[str, object] | None:
    for node in view["nodes"]:  # type: ignore[attr-defined]
        if duty in node["duties"]:
            return node
    return None


async def test_three_nodes_send_every_alert_of_a_storm_exactly_once(
    tmp_path: Path, postgres_url: str
) -> None:
    async with serving(Hook()) as hook:
        names = await fleet(tmp_path, postgres_url, hook)
        async with nodes(tmp_path, postgres_url):
            view = cluster(tmp_path, postgres_url)
            assert len(view["nodes"]) == 3 and view["unheld"] == []  # type: ignore[arg-type]
            assert all(node["alive"] for node in view["nodes"])  # type: ignore[attr-defined]
            make_all_due(postgres_url)
            # Once no message is left to send, no second copy can still come.
            await storm_sent(tmp_path, postgres_url, hook, timeout=60)
        assert alerted(hook) == Counter(names)
        assert len(hook.received) == 50 + CHANNELS


async def test_the_dispatching_node_killed_mid_storm_is_replaced_within_15_s(
    tmp_path: Path, postgres_url: str
) -> None:
    async with serving(Hook(answer_after=0.02)) as hook:
        names = await fleet(tmp_path, postgres_url, hook)
        async with nodes(tmp_path, postgres_url) as running:
            make_all_due(postgres_url)
            await wait_for(lambda: len(hook.received) >= 30, timeout=60, what="the storm")
            holder = holder_of(cluster(tmp_path, postgres_url), "dispatch")
            assert holder is not None
            [victim] = [n for n in running if n.process and n.process.pid == holder["pid"]]
            victim.kill()
            killed_at, had = time.monotonic(), len(hook.received)
            await wait_for(
                lambda: len(hook.received) >= 50, timeout=TAKEOVER, what="the alerts after the kill"
            )
            taken = time.monotonic() - killed_at
            await storm_sent(tmp_path, postgres_url, hook, timeout=60)
            new_holder = holder_of(cluster(tmp_path, postgres_url), "dispatch")
            assert new_holder is not None and new_holder["id"] != holder["id"]
        sent = alerted(hook)
        assert set(sent) == set(names)
        twice = [name for name, count in sent.items() if count > 1]
        assert len(twice) <= CONCURRENT_SENDS, twice
        assert all(count <= 2 for count in sent.values())
        print(f"takeover: alerts {had + 1}-50 out {taken:.1f} s after the kill -9; twice: {twice}")


async def test_pings_spread_over_the_nodes_while_one_is_killed_are_all_stored(
    tmp_path: Path, postgres_url: str
) -> None:
    async with serving(Hook()) as hook:
        await fleet(tmp_path, postgres_url, hook)
        checks = json.loads(cli(tmp_path / "setup", postgres_url, "check", "list", "--json"))
        acknowledged: Counter[str] = Counter()
        async with nodes(tmp_path, postgres_url) as running, aiohttp.ClientSession() as http:

            async def ping(node: ServeProcess, check: dict[str, str], n: int) -> None:
                with contextlib.suppress(aiohttp.ClientError):
                    url = f"{node.base}/ping/{check['uuid']}"
                    async with http.post(url, data=f"{n}".encode()) as reply:
                        if reply.status == 200:
                            acknowledged[check["name"]] += 1

            for n in range(300):
                if n == 150:
                    running[0].kill()
                await ping(running[n % 3], checks[n % 20], n)
        assert sum(acknowledged.values()) >= 200  # the killed node's share fails, no more
        for name, count in acknowledged.items():
            [check] = [c for c in checks if c["name"] == name]
            stored = json.loads(
                cli(
                    tmp_path / "setup",
                    postgres_url,
                    "pings",
                    check["slug"],
                    "--json",
                    "--limit",
                    "100",
                )
            )
            # The one ping of the setup, and every one that got a 200.
            assert len(stored) == count + 1, name
