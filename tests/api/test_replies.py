"""What the API answers when a request names nothing that exists, or asks for what is
already so."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api, assert_error


@pytest.mark.parametrize(
    ("method", "path", "message"),
    [
        ("POST", "/hosts/nosuch/end-maintenance", "no host is named 'nosuch'"),
        ("DELETE", "/windows/99", "no maintenance window has the id 99"),
        ("POST", "/checks/nosuch/resume", "no check matches 'nosuch'"),
        ("POST", "/incidents/99/ack", "no incident has the id 99"),
        ("POST", "/channels/nosuch/test", "no channel is named 'nosuch'"),
    ],
)
async def test_a_name_that_matches_nothing_is_404(
    api: Api, method: str, path: str, message: str
) -> None:
    error = assert_error(await api.call(method, path), 404)
    assert message in error["error"]


async def test_ending_maintenance_on_a_host_that_has_none_says_so(api: Api) -> None:
    await api.ok("POST", "/checks", {"name": "backup", "every_seconds": 3600, "host": "db1"}, 201)

    ended = await api.ok("POST", "/hosts/db1/end-maintenance")

    assert ended == {"host": "db1", "ended": 0}


async def test_resume_says_whether_the_check_was_paused(api: Api) -> None:
    await api.ok("POST", "/checks", {"name": "backup", "every_seconds": 3600}, 201)
    await api.ok("POST", "/checks/backup/pause")

    first = await api.ok("POST", "/checks/backup/resume")
    again = await api.ok("POST", "/checks/backup/resume")

    assert (first["resumed"], first["state"]) == (True, "new")
    assert (again["resumed"], again["state"]) == (False, "new")
    assert again["state_since"] == first["state_since"]
