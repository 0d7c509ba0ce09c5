"""Header bytes that are not UTF-8, sent over a raw socket (a client library would tidy them
up): the ping is stored with the bytes replaced, and a mangled Authorization is a 401 with a
JSON reason on the API and on /metrics."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from pathlib import Path

import pytest

from beatwatch.core.validation import CheckSpec
from beatwatch.service.service import Service
from tests.conftest import engine_settings, running_engine


async def exchange(port: int, path: str, *headers: bytes) -> tuple[int, bytes, bytes]:
    """Send one GET with these raw header lines; the status, head and body of the reply."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    lines = [f"GET {path} HTTP/1.1".encode(), b"Host: monitor", b"Connection: close", *headers]
    writer.write(b"\r\n".join(lines) + b"\r\n\r\n")
    reply = await reader.read()
    writer.close()
    head, _, body = reply.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), head, body


@pytest.mark.parametrize(
    ("header", "field", "kept"),
    [
        (b"User-Agent: J\xf6rg-backup", "user_agent", "J\ufffdrg-backup"),
        (b"X-Forwarded-For: 10.0.0.\xe9", "remote_addr", "10.0.0.\ufffd"),
    ],
)
async def test_header_bytes_are_kept_replaced(
    tmp_path: Path, header: bytes, field: str, kept: str
) -> None:
    settings = replace(engine_settings(tmp_path / "data"), trusted_proxies=("127.0.0.1/32",))
    async with running_engine(settings) as engine:
        check = await engine.add_check(CheckSpec(name="backup", every_seconds=3600))
        status, head, _ = await exchange(engine.bound_port, f"/ping/{check.uuid}", header)
        assert status == 200, head
        [ping] = await engine.pings(check.slug)
        assert getattr(ping, field) == kept


async def test_unknown_ping_with_bad_bytes_is_recorded(engine: Service) -> None:
    status, head, _ = await exchange(
        engine.bound_port, "/ping/00000000-0000-4000-8000-000000000000", b"User-Agent: \xff\xfe"
    )
    assert status == 200, head
    [unknown] = await engine.unknown_pings()
    assert unknown.user_agent == "\ufffd\ufffd"


@pytest.mark.parametrize("path", ["/api/v1/checks", "/metrics"])
@pytest.mark.parametrize(
    "authorization",
    [b"Bearer \xf6\xff", b"B\xe9arer abc", b"\xff", b"Basic dXNlcjpwYXNz", b"Bearer"],
)
async def test_malformed_authorization_is_401(
    engine: Service, path: str, authorization: bytes
) -> None:
    status, head, body = await exchange(engine.bound_port, path, b"Authorization: " + authorization)
    assert status == 401, head + body
    assert b"application/json" in head
    assert "token" in json.loads(body)["error"]
