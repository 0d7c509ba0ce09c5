"""The server takes requests under /ping before the application's router: the key and tail it
finds must be what the router's ping routes would have found."""

from __future__ import annotations

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

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
