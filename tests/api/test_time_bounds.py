"""Times given through the API are bounded before anything is stored, and a row an older
version stored beyond that bound (past year 9999 in UTC) reads back instead of failing every
listing."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest

from tests.api.conftest import Api, assert_error

# Year 9999 in its zone, year 10000 in UTC: the moment no datetime can hold.
BEYOND = "9999-12-31T23:59:59-01:00"
BEYOND_EPOCH = 253402304399.0


@pytest.mark.parametrize("until", [BEYOND, "2099-01-01T00:00:00Z"])
async def test_a_pause_too_far_ahead_is_refused_by_name(api: Api, until: str) -> None:
    await api.ok("POST", "/checks", {"name": "backup", "every_seconds": 3600}, 201)

    reply = await api.call("POST", "/checks/backup/pause", {"paused_until": until})

    assert "paused_until" in assert_error(reply, 400, "paused_until")["error"]
    assert (await api.ok("GET", "/checks/backup"))["state"] == "new"
    assert (await api.ok("GET", "/checks"))[0]["paused_until"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"ends_at": BEYOND}, "ends_at"),
        (
            {"starts_at": "0001-01-01T00:00:00+01:00", "ends_at": "2030-01-01T00:00:00Z"},
            "starts_at",
        ),
    ],
)
async def test_a_window_too_far_from_now_is_refused_by_name(
    api: Api, body: dict[str, str], field: str
) -> None:
    reply = await api.call("POST", "/windows", {"host": "db1", **body})

    assert field in assert_error(reply, 400, field)["error"]
    assert await api.ok("GET", "/windows") == []


async def test_rows_stored_beyond_the_bound_still_read(api: Api) -> None:
    await api.ok("POST", "/checks", {"name": "backup", "every_seconds": 3600, "host": "db1"}, 201)
    await api.ok("POST", "/checks/backup/pause", {"for": "1h"})
    await api.ok("POST", "/windows", {"host": "db1", "for": "1h"}, 201)
    with closing(sqlite3.connect(api.service.store.path)) as conn, conn:
        conn.execute("UPDATE checks SET paused_until = ?", (BEYOND_EPOCH,))
        conn.execute("UPDATE maintenance_windows SET ends_at = ?", (BEYOND_EPOCH,))

    [check] = await api.ok("GET", "/checks")
    [window] = await api.ok("GET", "/windows")

    assert check["state"] == "paused"
    assert check["paused_until"] == "9999-12-30T00:00:00Z"
    assert window["ends_at"] == "9999-12-30T00:00:00Z"
    assert (await api.ok("GET", "/hosts"))[0]["in_maintenance"] is True
