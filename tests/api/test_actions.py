"""Action routes (resume, ack, end maintenance, channel test) take no fields: an empty body or
{} is fine, a stray field is refused by name and changes nothing."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api, assert_error

ACTIONS = [
    "/checks/backup/resume",
    "/incidents/1/ack",
    "/hosts/db1/end-maintenance",
    "/channels/pager/test",
]


@pytest.mark.parametrize("path", ACTIONS)
async def test_an_action_refuses_a_field_it_does_not_take(api: Api, path: str) -> None:
    reply = await api.call("POST", path, {"until": "tomorrow"})
    assert "takes no fields" in assert_error(reply, 400, "until")["error"]


@pytest.mark.parametrize("body", [[], "resume", 1])
async def test_an_action_refuses_a_body_that_is_not_an_object(api: Api, body: object) -> None:
    assert_error(await api.call("POST", "/checks/backup/resume", body), 400)


async def test_a_refused_resume_leaves_the_check_paused(api: Api) -> None:
    await api.ok("POST", "/checks", {"name": "backup", "every_seconds": 3600}, 201)
    await api.ok("POST", "/checks/backup/pause", {})
    await api.call("POST", "/checks/backup/resume", {"now": True})
    assert (await api.ok("GET", "/checks/backup"))["state"] == "paused"
    # Both ways of sending nothing are accepted.
    resumed = await api.ok("POST", "/checks/backup/resume", {})
    assert resumed["state"] != "paused"
    await api.ok("POST", "/checks/backup/pause")
    assert (await api.ok("POST", "/checks/backup/resume"))["state"] != "paused"
