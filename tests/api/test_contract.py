"""Replies the OpenAPI document promises: a taken name is a conflict, not bad input, and a
query flag is 1 or 0."""

from __future__ import annotations

from tests.api.conftest import Api, assert_error


async def test_a_taken_name_is_a_409_naming_it(api: Api) -> None:
    check = {"name": "nightly-backup", "every_seconds": 3600}
    await api.ok("POST", "/checks", check, status=201)
    assert_error(await api.call("POST", "/checks", check), 409, "name")
    other = await api.ok("POST", "/checks", {"name": "other", "every_seconds": 3600}, 201)
    reply = await api.call("PATCH", f"/checks/{other['id']}", {"slug": "nightly-backup"})
    assert_error(reply, 409, "slug")
    channel = {"name": "ops", "url": "json://127.0.0.1:9/ops"}
    await api.ok("POST", "/channels", channel, status=201)
    assert_error(await api.call("POST", "/channels", channel), 409, "name")


async def test_the_open_flag_is_1_or_0(api: Api) -> None:
    assert await api.ok("GET", "/incidents?open=1") == []
    assert await api.ok("GET", "/incidents?open=0") == []
    for spelling in ("true", "yes", "٣"):
        assert_error(await api.call("GET", f"/incidents?open={spelling}"), 400, "open")
    assert_error(await api.call("GET", "/checks/x/pings?limit=٣"), 400, "limit")
