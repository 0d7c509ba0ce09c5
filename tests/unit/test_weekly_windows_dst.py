"""A weekly maintenance window opens and closes at the wall-clock times it was given, on DST
days too: its end is the local end time, not its start plus a fixed length. A time the
change skips is the moment the clock jumps; a time it repeats is its first pass (as cron
daemons run jobs)."""

from __future__ import annotations

from datetime import datetime

import pytest

from beatwatch.core.maintenance import is_open, next_start, occurrence, parse_weekly
from beatwatch.core.model import MaintenanceWindow
from beatwatch.core.schedule import zone


def weekly(pattern: str, tz: str) -> MaintenanceWindow:
    weekdays, start_minute, duration = parse_weekly(pattern)
    return MaintenanceWindow(
        id=1,
        host="db1",
        reason="patching",
        created_at=0.0,
        weekdays=weekdays,
        start_minute=start_minute,
        duration_seconds=duration,
        tz=tz,
    )


def at(tz: str, text: str, fold: int = 0) -> float:
    """An instant by its wall-clock reading in `tz` ("2026-10-04 03:17"); `fold` 1 for the
    second pass of a repeated hour."""
    return datetime.fromisoformat(text).replace(tzinfo=zone(tz), fold=fold).timestamp()


def utc(text: str) -> float:
    return datetime.fromisoformat(f"{text}+00:00").timestamp()


LORD_HOWE = "Australia/Lord_Howe"  # 2026-10-04: 02:00 (+10:30) jumps to 02:30 (+11)
BERLIN = "Europe/Berlin"  # 2026-03-29: 02:00 -> 03:00; 2026-10-25: 03:00 -> 02:00
NEW_YORK = "America/New_York"  # 2026-03-08: 02:00 -> 03:00; 2026-11-01: 02:00 -> 01:00


def test_lord_howe_spring_window_ends_at_three_local_not_half_past() -> None:
    window = weekly("sun 01:30-03:00", LORD_HOWE)
    span = occurrence(window, at(LORD_HOWE, "2026-10-04 02:45"))
    assert span == (at(LORD_HOWE, "2026-10-04 01:30"), at(LORD_HOWE, "2026-10-04 03:00"))
    assert span[1] - span[0] == 3600  # half an hour of the wall clock never happened
    assert not is_open(window, at(LORD_HOWE, "2026-10-04 03:17"))


def test_berlin_autumn_window_lasts_until_four_standard_time() -> None:
    window = weekly("sun 02:00-04:00", BERLIN)
    # 02:00 comes twice: the window opens at its first pass, summer time.
    assert next_start(window, utc("2026-10-24 12:00")) == utc("2026-10-25 00:00")
    assert is_open(window, at(BERLIN, "2026-10-25 03:02"))
    span = occurrence(window, at(BERLIN, "2026-10-25 03:02"))
    assert span == (utc("2026-10-25 00:00"), utc("2026-10-25 03:00"))
    assert not is_open(window, at(BERLIN, "2026-10-25 04:00"))


def test_berlin_spring_window_closes_at_four_summer_time() -> None:
    window = weekly("sun 02:00-04:00", BERLIN)
    # 02:00 never shows on the clock that night: the window opens as the clock jumps.
    assert next_start(window, utc("2026-03-28 12:00")) == utc("2026-03-29 01:00")
    assert occurrence(window, at(BERLIN, "2026-03-29 03:30")) == (
        utc("2026-03-29 01:00"),
        at(BERLIN, "2026-03-29 04:00"),
    )
    assert not is_open(window, at(BERLIN, "2026-03-29 04:30"))


def test_a_start_the_clock_skips_opens_as_the_clock_jumps() -> None:
    window = weekly("sun 02:30-05:00", BERLIN)
    assert next_start(window, utc("2026-03-28 12:00")) == utc("2026-03-29 01:00")
    assert is_open(window, at(BERLIN, "2026-03-29 03:10"))


def test_new_york_spring_window_closes_at_five_daylight_time() -> None:
    window = weekly("sun 01:00-05:00", NEW_YORK)
    span = occurrence(window, at(NEW_YORK, "2026-03-08 04:30"))
    assert span == (at(NEW_YORK, "2026-03-08 01:00"), at(NEW_YORK, "2026-03-08 05:00"))
    assert not is_open(window, at(NEW_YORK, "2026-03-08 05:30"))


def test_new_york_autumn_end_in_the_repeated_hour_is_its_first_pass() -> None:
    window = weekly("sun 00:30-01:30", NEW_YORK)
    assert is_open(window, at(NEW_YORK, "2026-11-01 01:15"))
    assert not is_open(window, at(NEW_YORK, "2026-11-01 01:15", fold=1))


@pytest.mark.parametrize("tz", [LORD_HOWE, BERLIN, NEW_YORK])
def test_an_ordinary_week_is_unchanged(tz: str) -> None:
    window = weekly("sun 01:30-03:00", tz)
    span = occurrence(window, at(tz, "2026-06-14 02:00"))
    assert span == (at(tz, "2026-06-14 01:30"), at(tz, "2026-06-14 03:00"))
