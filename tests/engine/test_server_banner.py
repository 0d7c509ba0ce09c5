"""Replies name no software versions: a LAN-facing port that says which Python and which
aiohttp it runs tells a scanner which advisories to try. Pings, the API, /metrics, badges and
a path that matches nothing are all asked over a raw socket, so what is checked is the bytes
the server sent."""

from __future__ import annotations

import asyncio
import re

import pytest

from beatwatch.core.validation import CheckSpec
from beatwatch.service.service import Service


@pytest.mark.parametrize(
    "paths",
    [
        pytest.param(("/ping/{uuid}",), id="ping"),
        pytest.param(("/api/v1/checks",), id="api"),
        pytest.param(("/api/v1/openapi.json",), id="openapi"),
        pytest.param(("/metrics",), id="metrics"),
        pytest.param(("/badge/nothing-here.svg",), id="badge"),
        pytest.param(("/no/such/page",), id="not-found"),
        # A connection that began with the API is aiohttp's, its later pings too.
        pytest.param(("/no/such/page", "/ping/{uuid}"), id="ping-on-an-api-connection"),
    ],
)
async def test_no_reply_names_the_software_it_runs_on(
    engine: Service, paths: tuple[str, ...]
) -> None:
    check = await engine.add_check(CheckSpec(name="backup", every_seconds=3600))
    reader, writer = await asyncio.open_connection("127.0.0.1", engine.bound_port)
    for n, path in enumerate(paths, 1):
        closing = "Connection: close\r\n" if n == len(paths) else ""
        target = path.format(uuid=check.uuid)
        writer.write(f"GET {target} HTTP/1.1\r\nHost: monitor\r\n{closing}\r\n".encode())
    try:
        received = (await reader.read()).decode("latin-1")
    finally:
        writer.close()
    assert received.count("HTTP/1.1 ") == len(paths), received  # every request answered
    banners = re.findall(r"\r\nserver:[^\r]*", received, re.IGNORECASE)
    assert set(banners) <= {"\r\nServer: beatwatch"}, received
