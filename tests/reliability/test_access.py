"""Who may reach what, beyond the API routes (tests/api/test_auth.py covers those): /metrics
wants a token unless opened on a loopback listener, while pings and badges are reached by the
secret in their URL and ignore tokens altogether."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import aiohttp
import pytest

from beatwatch.core.validation import CheckSpec
from tests.api import conftest as api_fixtures
from tests.api.conftest import Api, assert_error
from tests.conftest import engine_settings, running_engine

api = api_fixtures.api  # the engine with a read-write and a read-only token
CALLERS = [(None, 401), ("bw_not-a-real-token", 401), ("ro", 200), ("rw", 200)]


@pytest.mark.parametrize(("token", "status"), CALLERS)
async def test_metrics_want_a_token_and_a_read_only_one_is_enough(
    api: Api, token: str | None, status: int
) -> None:
    reply = await api.call("GET", "/metrics", token=token)
    if status == 200:
        assert reply.status == 200 and "beatwatch_storage_ok 1" in reply.text
    else:
        assert_error(reply, status)
        assert reply.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(("token", "status"), CALLERS)
async def test_pings_and_badges_ignore_tokens(api: Api, token: str | None, status: int) -> None:
    check = await api.service.add_check(CheckSpec(name="backup", every_seconds=3600))
    badge_key = (await api.service.badge_keys())[check.id]
    for path, expected in ((f"/badge/{badge_key}.svg", 200), ("/badge/not-a-key.svg", 404)):
        assert (await api.call("GET", path, token=token)).status == expected
    async with api.session.get(
        f"{api.base}/ping/{check.uuid}",
        headers={"Authorization": f"Bearer {token}"} if token else {},
    ) as reply:
        assert reply.status == 200


@pytest.mark.parametrize(("host", "status"), [("127.0.0.1", 200), ("0.0.0.0", 401)])
async def test_metrics_public_opens_metrics_only_on_a_loopback_listener(
    tmp_path: Path, http: aiohttp.ClientSession, host: str, status: int
) -> None:
    settings = replace(engine_settings(tmp_path / "data"), listen_host=host, metrics_public=True)
    async with running_engine(settings) as service:
        url = f"http://127.0.0.1:{service.bound_port}/metrics"
        async with http.get(url) as reply:
            assert reply.status == status
            if status == 401:
                assert "loopback" in (await reply.json())["error"]
