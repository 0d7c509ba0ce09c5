"""The server takes requests under /ping before the application's router: the key and tail it
finds must be what the router's ping routes would have found, and a target its own
connections read as it is must read as its URL does."""

from __future__ import annotations

import asyncio
from typing import cast

import pytest
from aiohttp import web
from aiohttp.base_protocol import BaseProtocol
from aiohttp.http_parser import HttpRequestParser
from aiohttp.test_utils import make_mocked_request

from beatwatch.web.ping_connection import RawPing, _parsed
from beatwatch.web.pings import ping_target

PATHS = [
    "/ping/5f1c1e4e-8d7a-4e3b-9c57-0a1b2c3d4e5f",
    "/ping/5f1c1e4e-8d7a-4e3b-9c57-0a1b2c3d4e5f/",
    "/ping/5f1c1e4e-8d7a-4e3b-9c57-0a1b2c3d4e5f/fail/3",
    "/ping/key/db-backup/start?rid=x",
    "/ping/key%2Fwith%2Fslashes/tail",
    "/ping/key/tail%2Fslash/%25literal",
    "/ping/caf%C3%A9/%0A",
    "/ping/key/%0D%0Amore//double",
    "/ping/%25%32%46",
]


async def _routed(path: str) -> dict[str, str] | None:
    async def unused(request: web.Request) -> web.Response:
        raise AssertionError

    app = web.Application()
    app.add_routes(
        [
            web.route("*", "/ping/{key}", unused),
            web.route("*", "/ping/{key}/{tail:[\\s\\S]*}", unused),
        ]
    )
    info = await app.router.resolve(make_mocked_request("GET", path))
    return None if info.http_exception is not None else dict(info)


@pytest.mark.parametrize("path", PATHS)
async def test_the_key_and_tail_are_the_routers(path: str) -> None:
    routed = await _routed(path)
    assert routed is not None
    found = ping_target(make_mocked_request("GET", path).rel_url)
    assert found == (routed["key"], routed.get("tail", ""))


@pytest.mark.parametrize("path", ["/ping", "/ping/", "/ping//fail", "/ping/%7Bx%7D"])
async def test_a_path_naming_no_usable_key_is_still_the_receivers(path: str) -> None:
    found = ping_target(make_mocked_request("GET", path).rel_url)
    assert found is not None


@pytest.mark.parametrize("path", ["/pings", "/api/v1/checks", "/", "/badge/x.svg", "/pingx/y"])
def test_other_paths_are_the_applications(path: str) -> None:
    assert ping_target(make_mocked_request("GET", path).rel_url) is None


# Targets the server's own connections read as they are, and some they must not.
RECEIVED_TARGETS = [
    *PATHS,
    "/ping/5f1c1e4e-8d7a-4e3b-9c57-0a1b2c3d4e5f/0",
    "/ping/key/db-backup/fail/3?rid=5f1c1e4e-8d7a-4e3b-9c57-0a1b2c3d4e5f&create=1",
    "/ping/key/a/../b",
    "/ping/./key/.",
    "/ping//",
    "/ping/key/a+b;c=d,e!$&'()*@:",
    "/ping/key/tail#fragment",
    "/ping/key/tail?",
    "/ping?rid=x",
    "/pings/key",
    "http://beatwatch.lan/ping/key/tail",
    "/api/v1/checks?limit=5",
]


@pytest.mark.parametrize("target", RECEIVED_TARGETS)
async def test_a_target_read_as_it_is_reads_as_its_url_does(target: str) -> None:
    loop = asyncio.get_running_loop()
    parser = HttpRequestParser(BaseProtocol(loop), loop, 2**16)
    [(message, payload)], _, _ = parser.feed_data(
        f"GET {target} HTTP/1.1\r\nHost: beatwatch.lan\r\n\r\n".encode()
    )
    url = message.url.relative() if message.url.absolute else message.url
    _, _, kept_url, found = _parsed(message, payload)
    assert found == ping_target(url)
    ping = RawPing(message, kept_url, payload, None, cast(asyncio.Transport, None))
    assert ping.path_qs == url.path_qs
    assert dict(ping.query) == dict(url.query)
