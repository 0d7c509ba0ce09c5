"""Cron macros and compound durations through the API: the same rule as everywhere."""

from __future__ import annotations

from tests.api.conftest import Api, assert_error


async def test_a_macro_is_taken_and_an_unknown_one_refused_by_its_field(api: Api) -> None:
    check = await api.ok("POST", "/checks", {"name": "weekly", "cron": "@weekly", "tz": "UTC"}, 201)

    assert check["cron"] == "@weekly"
    reply = await api.call("PATCH", "/checks/weekly", {"cron": "@fortnightly"})
    assert "is not a cron macro" in assert_error(reply, 400, "cron")["error"]
    assert (await api.ok("GET", "/checks/weekly"))["cron"] == "@weekly"


async def test_a_pause_for_a_compound_duration(api: Api) -> None:
    await api.ok("POST", "/checks", {"name": "etl", "every_seconds": 3600}, 201)

    paused = await api.ok("POST", "/checks/etl/pause", {"for": "1h 30m"})

    assert paused["paused_until"] is not None
