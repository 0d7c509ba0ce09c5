"""Rate limits on the real server: one runaway address gets 429 with a reason and Retry-After,
while everyone else carries on. Two sources come from a trusted proxy's X-Forwarded-For."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import aiohttp

from beatwatch.config import Settings
from beatwatch.core.ratelimit import Rate
from beatwatch.core.validation import CheckSpec
from tests.conftest import engine_settings, running_engine
from tests.engine.conftest import Reply, Send, sender

BURST = 5
RUNAWAY, NEIGHBOUR = "203.0.113.9", "198.51.100.7"


def limited(tmp_path: Path, **rates: Rate | None) -> Settings:
    return replace(engine_settings(tmp_path / "data"), trusted_proxies=("127.0.0.1",), **rates)


def source(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


async def burst(send: Send, path: str, count: int, **options: object) -> list[Reply]:
    return [await send(path, **options) for _ in range(count)]


def assert_too_many(reply: Reply, setting: str) -> None:
    assert reply.status == 429, reply.text
    assert int(reply.headers["Retry-After"]) >= 1
    assert setting in reply.json()["error"]


async def test_a_runaway_address_gets_429_while_another_keeps_pinging(
    tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    settings = limited(tmp_path, ping_rate_limit=Rate(per_second=0.1, burst=BURST))
    async with running_engine(settings) as service:
        check = await service.add_check(CheckSpec(name="backup", every_seconds=3600))
        send = sender(service, http)
        path = f"/ping/{check.uuid}"

        runaway = await burst(send, path, 3 * BURST, headers=source(RUNAWAY))
        neighbour = await burst(send, path, BURST, headers=source(NEIGHBOUR))

        statuses = [r.status for r in runaway]
        assert statuses == [200] * BURST + [429] * (2 * BURST)
        assert_too_many(runaway[-1], "ping_rate_limit")
        assert runaway[-1].json()["ok"] is False
        assert [r.status for r in neighbour] == [200] * BURST
        assert len(await service.pings(check.slug)) == 2 * BURST  # refused ones are not stored
        print(f"\nping rate limit: {statuses.count(429)} of {len(runaway)} runaway pings got 429")


async def test_a_forged_forwarded_for_does_not_dodge_the_limit_without_a_trusted_proxy(
    tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    settings = replace(
        engine_settings(tmp_path / "data"), ping_rate_limit=Rate(per_second=0.1, burst=BURST)
    )
    async with running_engine(settings) as service:
        send = sender(service, http)
        path = "/ping/0c6f8e0e-4d4a-4a4e-9a4b-1c2d3e4f5a6b"
        replies = [await send(path, headers=source(f"10.0.0.{n}")) for n in range(BURST + 1)]
        assert [r.status for r in replies] == [200] * BURST + [429]


async def test_the_api_metrics_and_badges_share_one_limit_checked_before_the_token(
    tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    settings = limited(tmp_path, api_rate_limit=Rate(per_second=0.1, burst=BURST))
    async with running_engine(settings) as service:
        _, token = await service.tokens.create("ops")
        send = sender(service, http)
        bearer = {"Authorization": f"Bearer {token}"}

        guesses = await burst(send, "/api/v1/checks", BURST, headers=source(RUNAWAY))
        assert [r.status for r in guesses] == [401] * BURST
        with_token = await send("/api/v1/checks", headers={**bearer, **source(RUNAWAY)})
        assert_too_many(with_token, "api_rate_limit")
        assert with_token.json()["field"] is None
        assert_too_many(await send("/metrics", headers={**bearer, **source(RUNAWAY)}), "api")
        assert_too_many(await send("/badge/no-such-key.svg", headers=source(RUNAWAY)), "api")

        for path in ("/api/v1/checks", "/metrics"):
            assert (await send(path, headers={**bearer, **source(NEIGHBOUR)})).status == 200
        pings = await burst(send, "/ping/not-a-check", BURST, headers=source(RUNAWAY))
        assert {r.status for r in pings} == {400}, "pings have a limit of their own"


async def test_off_means_no_limit(tmp_path: Path, http: aiohttp.ClientSession) -> None:
    settings = limited(tmp_path, ping_rate_limit=None, api_rate_limit=None)
    async with running_engine(settings) as service:
        send = sender(service, http)
        path = "/ping/0c6f8e0e-4d4a-4a4e-9a4b-1c2d3e4f5a6b"
        replies = await burst(send, path, 200, headers=source(RUNAWAY))
        assert {r.status for r in replies} == {200}
        replies = await burst(send, "/api/v1/checks", 200, headers=source(RUNAWAY))
        assert {r.status for r in replies} == {401}
