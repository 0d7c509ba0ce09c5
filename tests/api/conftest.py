"""The real engine on 127.0.0.1:0 with a read-write and a read-only token, and a client that
speaks to its management API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest

from beatwatch.service.service import Service
from tests.engine.conftest import Reply

ABSENT = object()


@dataclass
class Api:
    service: Service
    session: aiohttp.ClientSession
    token: str
    read_token: str

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.service.bound_port}"

    async def call(
        self, method: str, path: str, body: Any = ABSENT, token: str | None = "rw", **options: Any
    ) -> Reply:
        """`path` below /api/v1 (or absolute from / when it starts with /metrics or /badge);
        token "rw", "ro", None for none, or any other string sent as is."""
        headers = dict(options.pop("headers", {}))
        secret = {"rw": self.token, "ro": self.read_token}.get(token or "", token)
        if secret:
            headers["Authorization"] = f"Bearer {secret}"
        if body is not ABSENT:
            options["json"] = body
        url = self.base + (path if path.startswith(("/metrics", "/badge")) else f"/api/v1{path}")
        async with self.session.request(method, url, headers=headers, **options) as reply:
            return Reply(reply.status, reply.headers, await reply.text())

    async def ok(self, method: str, path: str, body: Any = ABSENT, status: int = 200) -> Any:
        reply = await self.call(method, path, body)
        assert reply.status == status, reply.text
        return reply.json() if reply.text else None

    async def ping(self, uuid: str, action: str = "") -> None:
        async with self.session.get(f"{self.base}/ping/{uuid}{action}") as reply:
            assert reply.status == 200


@pytest.fixture
async def api(engine: Service, http: aiohttp.ClientSession) -> Api:
    _, secret = await engine.tokens.create("ops")
    _, read_secret = await engine.tokens.create("dashboard", read_only=True)
    return Api(engine, http, secret, read_secret)


def assert_error(reply: Reply, status: int, field: str | None = None) -> dict[str, Any]:
    """A JSON error reply with this status naming this field."""
    assert reply.status == status, reply.text
    data = reply.json()
    assert isinstance(data["error"], str) and data["error"]
    assert data["field"] == field, data
    return data
