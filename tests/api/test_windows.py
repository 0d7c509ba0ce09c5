"""A maintenance window asked for through the API: fields that are missing, do not go
together or make no window are refused by their JSON names, and no window is made."""

from __future__ import annotations

import time

import pytest

from tests.api.conftest import Api, assert_error

# Early next year: ahead, and well inside the ten years a time may lie from now.
NEXT_YEAR = time.gmtime().tm_year + 1

GOES_WITH = "goes with"
GIVE_ONE = "give one of for, ends_at (with an optional starts_at) or weekly"


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"for": "2h", "tz": "Europe/Berlin"}, "tz", GOES_WITH),
        ({"ends_at": "2099-01-01T04:00:00Z", "tz": "Europe/Berlin"}, "tz", GOES_WITH),
        ({"for": "2h", "starts_at": "2099-01-01T02:00:00Z"}, "starts_at", GOES_WITH),
        (
            {"weekly": "sun 02:00-04:00", "starts_at": "2099-01-01T02:00:00Z"},
            "starts_at",
            GOES_WITH,
        ),
        ({}, "ends_at", GIVE_ONE),
        ({"for": "2h", "weekly": "sun 02:00-04:00"}, "weekly", "give for or weekly, not both"),
        ({"for": 0}, "for", "a maintenance window must end after it starts"),
        ({"for": 10**12}, "for", "a maintenance window may last at most 3650d (ten years)"),
        (
            {"starts_at": "2020-01-01T00:00:00Z", "ends_at": "2020-01-01T02:00:00Z"},
            "ends_at",
            "that window would already be over",
        ),
    ],
)
async def test_a_window_asked_for_wrongly_is_refused_by_its_json_name(
    api: Api, body: dict[str, object], field: str, message: str
) -> None:
    reply = await api.call("POST", "/windows", {"host": "db1", **body})

    assert message in assert_error(reply, 400, field)["error"]
    assert await api.ok("GET", "/windows") == []


async def test_a_window_needs_a_host(api: Api) -> None:
    reply = await api.call("POST", "/windows", {"for": "2h"})

    assert "give the host" in assert_error(reply, 400, "host")["error"]


async def test_each_kind_of_window_is_still_made(api: Api) -> None:
    await api.ok("POST", "/checks", {"name": "backup", "every_seconds": 3600, "host": "db1"}, 201)
    await api.ok("POST", "/windows", {"host": "db1", "for": "2h"}, 201)
    await api.ok(
        "POST",
        "/windows",
        {
            "host": "db1",
            "starts_at": f"{NEXT_YEAR}-01-01T02:00:00Z",
            "ends_at": f"{NEXT_YEAR}-01-01T04:00:00Z",
        },
        201,
    )
    await api.ok("POST", "/windows", {"host": "db1", "weekly": "sun 02:00-04:00", "tz": "UTC"}, 201)
    assert len(await api.ok("GET", "/windows")) == 3


async def test_a_window_on_a_host_no_check_names_is_refused_unless_forced(api: Api) -> None:
    await api.ok("POST", "/checks", {"name": "backup", "every_seconds": 3600, "host": "db1"}, 201)
    reply = await api.call("POST", "/windows", {"host": "db9", "for": "1h"})

    assert assert_error(reply, 409, "host")["error"] == (
        "no check names host 'db9' (hosts: db1); send \"force\": true to open it anyway"
    )
    assert await api.ok("GET", "/windows") == []
    await api.ok("POST", "/windows", {"host": "db9", "for": "1h", "force": True}, 201)
