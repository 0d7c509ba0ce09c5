"""What PostgreSQL stores differently from SQLite, and the README's Choices name: a NUL in a
text value (a user agent, a name) cannot be kept in PostgreSQL text, so it is stored as
U+FFFD; bodies are bytes and keep every byte."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

from beatwatch.core.model import PingKind, PingRequest
from beatwatch.core.validation import CheckSpec
from beatwatch.service.service import Service
from tests.conftest import engine_settings


async def test_a_nul_in_text_is_stored_as_a_replacement_character(
    tmp_path: Path, postgres_url: str
) -> None:
    settings = replace(engine_settings(tmp_path / "data"), database_url=postgres_url)
    service = await Service.open(settings)
    try:
        check = await service.add_check(CheckSpec(name="backup", every_seconds=3600))
        request = PingRequest(
            PingKind.SUCCESS,
            uuid=check.uuid,
            at=time.time(),
            user_agent="curl\x00/8",
            body=b"dump\x00ok\xff",
        )
        assert (await service.record_ping(request)).check is not None
        [ping] = await service.pings(check.slug)
        assert ping.user_agent == "curl\ufffd/8"
        assert ping.body == b"dump\x00ok\xff"
    finally:
        await service.close()
