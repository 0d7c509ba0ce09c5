"""What the commands answer, read as a person reads it: counts in words that agree, times in
local time with their zone named, and a plain sentence where there is nothing to list."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from beatwatch.config import Settings
from beatwatch.core.model import PingKind, PingRequest
from beatwatch.service.service import Service
from tests.cli.conftest import Beatwatch

BERLIN = ZoneInfo("Europe/Berlin")


async def send_pings(data_dir: Path, uuid: str, kinds: Sequence[PingKind]) -> None:
    service = await Service.open(Settings(data_dir=data_dir))
    try:
        for kind in kinds:
            await service.record_ping(
                PingRequest(kind=kind, uuid=uuid, exit_code=None, body=b"", at=time.time())
            )
    finally:
        await service.close()


def test_no_unknown_ping_is_said_plainly_without_an_empty_table(beatwatch: Beatwatch) -> None:
    beatwatch("check", "add", "etl", "--every", "1h")

    assert beatwatch("unknown").stdout == "Every ping so far has matched a check.\n"


async def test_one_unknown_ping_is_counted_in_the_singular(
    beatwatch: Beatwatch, data_dir: Path
) -> None:
    beatwatch("check", "add", "etl", "--every", "1h")
    await send_pings(data_dir, "0b5e8d2c-1f1e-4c55-9d8e-1a2b3c4d5e6f", [PingKind.SUCCESS])

    summary, header, row = beatwatch("unknown").stdout.splitlines()

    assert summary == "1 ping matched no check so far; it is below."
    assert header.split() == ["WHEN", "KEY", "REQUEST", "FROM", "USER", "AGENT"]
    assert "0b5e8d2c-1f1e-4c55-9d8e-1a2b3c4d5e6f" in row


async def test_acknowledging_a_resolved_incident_says_it_was_already_resolved(
    beatwatch: Beatwatch, data_dir: Path
) -> None:
    check = beatwatch("check", "add", "etl", "--every", "1h", "--json").json()
    await send_pings(data_dir, check["uuid"], [PingKind.FAIL, PingKind.SUCCESS])

    acked = beatwatch("incident", "ack", "1")

    assert acked.code == 0, acked
    assert acked.stdout.startswith("incident 1 was already resolved ")
    assert acked.stdout.endswith("; there is nothing left to acknowledge\n")
    assert beatwatch("incident", "show", "1", "--json").json()["acknowledged_at"] is None


async def test_acknowledging_twice_says_the_second_time_changed_nothing(
    beatwatch: Beatwatch, data_dir: Path
) -> None:
    check = beatwatch("check", "add", "etl", "--every", "1h", "--json").json()
    await send_pings(data_dir, check["uuid"], [PingKind.FAIL])

    first, second = beatwatch("incident", "ack", "1"), beatwatch("incident", "ack", "1")

    assert first.stdout == "acknowledged incident 1: no escalation or reminder will follow\n"
    assert second.code == 0
    assert second.stdout.startswith("incident 1 was already acknowledged ")
    assert second.stdout.endswith("; nothing changed\n")


def test_a_pause_until_a_local_time_is_echoed_in_local_time_with_its_zone(
    beatwatch: Beatwatch,
) -> None:
    beatwatch.env["TZ"] = "Europe/Berlin"
    beatwatch("check", "add", "etl", "--every", "1h")
    asked_at = datetime.now(BERLIN)

    reply = beatwatch("check", "pause", "etl", "--until", "06:00")

    six = asked_at.replace(hour=6, minute=0, second=0, microsecond=0)
    if six <= asked_at:
        six = (six.replace(tzinfo=None) + timedelta(days=1)).replace(tzinfo=BERLIN)
    assert reply.stdout == f"paused etl until {six:%a %d %b %Y} 06:00:00 {six:%Z}\n"
    # Machines still read UTC.
    paused_until = beatwatch("check", "show", "etl", "--json").json()["paused_until"]
    assert paused_until == six.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_check_show_writes_its_times_in_local_time_with_the_zone(beatwatch: Beatwatch) -> None:
    beatwatch.env["TZ"] = "Europe/Berlin"
    beatwatch("check", "add", "etl", "--every", "1h")

    facts = dict(
        line.split(None, 1) for line in beatwatch("check", "show", "etl").stdout.splitlines()
    )

    long_form = r"\w{3} \d\d \w{3} \d{4} \d\d:\d\d:\d\d CES?T"
    assert re.fullmatch(rf"○ new since {long_form} \(.+\)", facts["state"]), facts["state"]
