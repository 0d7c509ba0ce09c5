"""How a pause may be asked for is the service's rule alone: for a while or until a time,
not both, ending ahead, lasting at most ten years; errors name the fields by its own keys."""

from __future__ import annotations

import time
from typing import Any

import pytest

from beatwatch.core.errors import ValidationError
from beatwatch.core.timefmt import LONGEST_DURATION
from beatwatch.core.validation import CheckSpec
from beatwatch.service.service import Service

REFUSED = [
    pytest.param(
        {"duration": 3600, "until": time.time() + 86400},
        "duration",
        "give duration or until, not both",
        id="both",
    ),
    pytest.param({"duration": 0}, "duration", "the pause must end in the future", id="for-0"),
    pytest.param(
        {"until": time.time() - 60}, "until", "the pause must end in the future", id="past"
    ),
    pytest.param(
        {"duration": LONGEST_DURATION + 1},
        "duration",
        "a pause may last at most 3650d (ten years)",
        id="too-long",
    ),
]


@pytest.mark.parametrize(("request_fields", "field", "message"), REFUSED)
async def test_a_pause_asked_for_wrongly_is_refused_by_the_service(
    engine: Service, request_fields: dict[str, Any], field: str, message: str
) -> None:
    check = await engine.add_check(CheckSpec(name="backup", every_seconds=3600))

    with pytest.raises(ValidationError) as refused:
        await engine.pause_check(check.slug, **request_fields)

    assert (refused.value.field, refused.value.message) == (field, message)
    assert (await engine.get_check(check.slug)).paused_at is None


async def test_a_duration_pauses_from_now(engine: Service) -> None:
    check = await engine.add_check(CheckSpec(name="backup", every_seconds=3600))
    before = time.time()

    paused = await engine.pause_check(check.slug, duration=7200)

    assert paused.paused_at is not None and paused.paused_until is not None
    assert before <= paused.paused_at <= time.time()
    assert paused.paused_until == paused.paused_at + 7200


async def test_a_wrong_request_is_refused_before_the_check_is_looked_up(
    engine: Service,
) -> None:
    with pytest.raises(ValidationError):
        await engine.pause_check("nosuch", until=time.time() + 60, duration=60)
