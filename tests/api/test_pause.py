"""A pause asked for through the API: fields that do not go together or make no pause are
refused by their JSON names, and the check stays as it was."""

from __future__ import annotations

import time

import pytest

from tests.api.conftest import Api, assert_error

# Early next year: ahead, and well inside the ten years a time may lie from now.
NEXT_YEAR = time.gmtime().tm_year + 1


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (
            {"for": "2h", "paused_until": "2099-01-01T00:00:00Z"},
            "for",
            "give for or paused_until, not both",
        ),
        ({"for": 0}, "for", "the pause must end in the future"),
        ({"paused_until": "2000-01-01T00:00:00Z"}, "paused_until", "must end in the future"),
        ({"for": 10**12}, "for", "a pause may last at most 3650d (ten years)"),
    ],
)
async def test_a_pause_asked_for_wrongly_is_refused_by_its_json_name(
    api: Api, body: dict[str, object], field: str, message: str
) -> None:
    await api.ok("POST", "/checks", {"name": "backup", "every_seconds": 3600}, 201)

    reply = await api.call("POST", "/checks/backup/pause", body)

    assert message in assert_error(reply, 400, field)["error"]
    assert (await api.ok("GET", "/checks/backup"))["state"] == "new"


async def test_each_kind_of_pause_is_still_made(api: Api) -> None:
    await api.ok("POST", "/checks", {"name": "backup", "every_seconds": 3600}, 201)

    later = f"{NEXT_YEAR}-01-01T00:00:00Z"
    for body in ({}, {"for": "2h"}, {"for": 60}, {"paused_until": later}):
        paused = await api.ok("POST", "/checks/backup/pause", body)
        assert paused["state"] == "paused", body
        assert (paused["paused_until"] is None) == (body == {}), body
