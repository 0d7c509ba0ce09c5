"""Which fields a maintenance window may be asked for with is the service's rule alone: it
names the fields by its own keys, and each interface puts its own names in."""

from __future__ import annotations

import time
from typing import Any

import pytest

from beatwatch.core.errors import ValidationError
from beatwatch.core.timefmt import LONGEST_DURATION
from beatwatch.service.service import Service

LATER = time.time() + 86400
REFUSED = [
    pytest.param(
        {},
        "ends_at",
        "give one of duration, ends_at (with an optional starts_at) or weekly",
        id="no-time",
    ),
    pytest.param(
        {"duration": 3600, "weekly": "sun 02:00-04:00"},
        "weekly",
        "give duration or weekly, not both",
        id="two-times",
    ),
    pytest.param(
        {"ends_at": LATER, "weekly": "sun 02:00-04:00", "tz": "UTC"},
        "weekly",
        "give ends_at or weekly, not both",
        id="one-off-and-weekly",
    ),
    pytest.param(
        {"duration": 3600, "tz": "UTC"},
        "tz",
        "tz goes with weekly, not with duration",
        id="duration-tz",
    ),
    pytest.param(
        {"starts_at": LATER, "ends_at": LATER + 3600, "tz": "UTC"},
        "tz",
        "tz goes with weekly, not with ends_at",
        id="ends-at-tz",
    ),
    pytest.param(
        {"weekly": "sun 02:00-04:00", "starts_at": LATER},
        "starts_at",
        "starts_at goes with ends_at, not with weekly",
        id="weekly-starts-at",
    ),
    pytest.param(
        {"duration": LONGEST_DURATION + 1},
        "duration",
        "a maintenance window may last at most 3650d (ten years)",
        id="too-long",
    ),
    pytest.param(
        {"duration": 0},
        "duration",
        "a maintenance window must end after it starts",
        id="duration-0",
    ),
]


@pytest.mark.parametrize(("request_fields", "field", "message"), REFUSED)
async def test_a_window_asked_for_wrongly_is_refused_by_the_service(
    engine: Service, request_fields: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        await engine.alerts.start_maintenance("db1", **request_fields)

    assert (refused.value.field, refused.value.message) == (field, message)
    assert await engine.alerts.hosts() == []


async def test_an_interface_names_the_fields_its_own_way(engine: Service) -> None:
    with pytest.raises(ValidationError) as refused:
        await engine.alerts.start_maintenance("db1", duration=3600, tz="UTC")

    named = refused.value.named({"duration": "--for", "weekly": "--weekly", "tz": "--tz"})

    assert (named.field, named.message) == (
        "--tz",
        "--tz goes with --weekly, not with --for",
    )


async def test_a_duration_starts_the_window_now(engine: Service) -> None:
    before = time.time()

    window = await engine.alerts.start_maintenance("db1", duration=3600, force=True)

    assert window.starts_at is not None and window.ends_at is not None
    assert before <= window.starts_at <= time.time()
    assert window.ends_at == window.starts_at + 3600
