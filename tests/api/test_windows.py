"""A maintenance window asked for through the API: fields that do not go together are
refused by name, and no window is made."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api, assert_error


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"for": "2h", "tz": "Europe/Berlin"}, "tz"),
        ({"ends_at": "2099-01-01T04:00:00Z", "tz": "Europe/Berlin"}, "tz"),
        ({"for": "2h", "starts_at": "2099-01-01T02:00:00Z"}, "starts_at"),
        ({"weekly": "sun 02:00-04:00", "starts_at": "2099-01-01T02:00:00Z"}, "starts_at"),
    ],
)
async def test_fields_that_do_not_go_together_are_refused(
    api: Api, body: dict[str, str], field: str
) -> None:
    assert (
        "goes with"
        in assert_error(await api.call("POST", "/windows", {"host": "db1", **body}), 400, field)[
            "error"
        ]
    )
    assert await api.ok("GET", "/windows") == []


async def test_each_kind_of_window_is_still_made(api: Api) -> None:
    await api.ok("POST", "/windows", {"host": "db1", "for": "2h"}, 201)
    await api.ok(
        "POST",
        "/windows",
        {"host": "db1", "starts_at": "2099-01-01T02:00:00Z", "ends_at": "2099-01-01T04:00:00Z"},
        201,
    )
    await api.ok("POST", "/windows", {"host": "db1", "weekly": "sun 02:00-04:00", "tz": "UTC"}, 201)
    assert len(await api.ok("GET", "/windows")) == 3
