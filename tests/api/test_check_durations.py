"""Durations a check is created or edited with through the API are plain numbers of seconds,
so the API refuses what no command-line duration could say: beyond ten years, no deadline
they lead to can be written as a date."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api, assert_error

TEN_YEARS_AND_A_SECOND = 3650 * 86400 + 1
CRON = {"name": "backup", "cron": "0 3 * * *"}


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (
            {**CRON, "grace_seconds": TEN_YEARS_AND_A_SECOND},
            "grace_seconds",
            "the grace may be at most 3650d (ten years)",
        ),
        (
            {**CRON, "max_duration_seconds": TEN_YEARS_AND_A_SECOND},
            "max_duration_seconds",
            "the max duration may be at most 3650d (ten years)",
        ),
        (
            {**CRON, "remind_every_seconds": 10**13},
            "remind_every_seconds",
            "the reminder interval may be at most 3650d (ten years)",
        ),
    ],
)
async def test_a_duration_beyond_ten_years_is_refused_by_its_json_name(
    api: Api, body: dict[str, object], field: str, message: str
) -> None:
    reply = await api.call("POST", "/checks", body)

    assert assert_error(reply, 400, field)["error"] == message
    assert await api.ok("GET", "/checks") == []


async def test_an_edit_beyond_ten_years_is_refused_and_the_check_keeps_working(api: Api) -> None:
    check = await api.ok("POST", "/checks", CRON, 201)

    reply = await api.call("PATCH", "/checks/backup", {"grace_seconds": 10**13})

    assert_error(reply, 400, "grace_seconds")
    assert (await api.ok("GET", "/checks/backup"))["grace_seconds"] == check["grace_seconds"]
    await api.ping(check["uuid"])
    assert (await api.ok("GET", "/checks/backup"))["state"] == "up"
