"""Schedules as people write and read them: cron macros, plain words for a cron line, and the
wall-clock times those words promise holding across DST changes."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from beatwatch.core.errors import ScheduleError, ValidationError
from beatwatch.core.schedule import (
    closest_zone,
    describe,
    describe_cron,
    next_slot,
    upcoming,
    validate_cron,
)
from beatwatch.core.validation import CheckSpec, validate
from tests.unit.factory import cron, every, utc

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("macro", "fields"),
    [
        ("@hourly", "0 * * * *"),
        ("@daily", "0 0 * * *"),
        ("@midnight", "0 0 * * *"),
        ("@weekly", "0 0 * * 0"),
        ("@monthly", "0 0 1 * *"),
        ("@yearly", "0 0 1 1 *"),
        ("@annually", "0 0 1 1 *"),
    ],
)
def test_a_macro_runs_when_its_five_fields_would(macro: str, fields: str) -> None:
    after = utc(2025, 3, 28, 12, 34)
    assert upcoming(cron(macro), after, 5) == upcoming(cron(fields), after, 5)
    assert describe_cron(macro) == describe_cron(fields)


def test_a_macro_is_kept_as_typed_in_lower_case_and_validated_once_for_everyone() -> None:
    spec = validate(CheckSpec(name="backup", cron="  @Daily ", tz="Europe/Berlin"))
    assert spec.cron == "@daily"
    assert spec.grace_seconds == 300


@pytest.mark.parametrize("text", ["@reboot", "@often"])
def test_an_unknown_macro_says_which_there_are(text: str) -> None:
    with pytest.raises(ValidationError, match="@hourly") as caught:
        validate(CheckSpec(name="x", cron=text, tz="UTC"))
    assert caught.value.field == "cron"
    assert text in caught.value.message


def test_a_wrong_field_count_mentions_macros_too() -> None:
    with pytest.raises(ScheduleError, match=r"5 fields.*or a macro such as @daily"):
        validate_cron("0 3 * *", "UTC")


@pytest.mark.parametrize(
    ("expr", "words"),
    [
        ("30 2 * * 1-5", "at 02:30 on weekdays"),
        ("0 3 * * *", "at 03:00 every day"),
        ("0 9 * * 6,0", "at 09:00 on weekends"),
        ("*/5 9-17 * * 1-5", "every 5 minutes from 09:00 through 17:59 on weekdays"),
        ("*/15 * * * *", "every 15 minutes"),
        ("0 * * * *", "at the start of every hour"),
        ("0 0 1 * *", "at 00:00 on the first day of every month"),
        ("0 0 L * *", "at 00:00 on the last day of every month"),
        ("0 5 * * SUN", "at 05:00 on Sunday"),
        ("@weekly", "at 00:00 on Sunday"),
    ],
)
def test_a_cron_line_reads_as_plain_words(expr: str, words: str) -> None:
    assert describe_cron(expr) == words


def test_a_description_names_the_zone_its_times_are_in() -> None:
    assert describe(cron("30 2 * * 1-5", "Europe/Berlin")) == (
        "at 02:30 on weekdays, Europe/Berlin"
    )
    assert describe(every(5400)) == "every 1h30m"


def local_times(expr: str, tz: str, after: float, count: int) -> list[str]:
    zone = ZoneInfo(tz)
    return [
        datetime.fromtimestamp(t, zone).strftime("%a %H:%M")
        for t in upcoming(cron(expr, tz), after, count)
    ]


def test_the_wall_clock_time_in_the_words_holds_across_both_dst_changes() -> None:
    # 2025-03-30 Berlin goes from 02:00 CET to 03:00 CEST; 2025-10-26 from 03:00 back to 02:00.
    words = describe(cron("0 3 * * *", "Europe/Berlin"))
    assert words == "at 03:00 every day, Europe/Berlin"
    spring = local_times("0 3 * * *", "Europe/Berlin", utc(2025, 3, 28, 12), 3)
    autumn = local_times("0 3 * * *", "Europe/Berlin", utc(2025, 10, 24, 12), 3)
    assert spring == ["Sat 03:00", "Sun 03:00", "Mon 03:00"]
    assert autumn == ["Sat 03:00", "Sun 03:00", "Mon 03:00"]
    # In UTC the run moves by the hour the clocks moved.
    assert next_slot(cron("0 3 * * *", "Europe/Berlin"), utc(2025, 3, 29, 12)) == utc(
        2025, 3, 30, 1
    )
    assert next_slot(cron("0 3 * * *", "Europe/Berlin"), utc(2025, 10, 25, 12)) == utc(
        2025, 10, 26, 2
    )


def test_a_time_the_spring_change_skips_runs_when_the_clocks_reach_it() -> None:
    # "at 02:30 on weekdays" on a Monday that follows no change, and a daily 02:30 on the
    # Sunday whose 02:30 never happens: it runs at 03:00 CEST, once.
    assert local_times("30 2 * * 1-5", "Europe/Berlin", utc(2025, 3, 29), 2) == [
        "Mon 02:30",
        "Tue 02:30",
    ]
    assert local_times("30 2 * * *", "Europe/Berlin", utc(2025, 3, 29, 12), 3) == [
        "Sun 03:00",
        "Mon 02:30",
        "Tue 02:30",
    ]


def test_a_macro_in_new_york_keeps_its_midnight_across_the_autumn_change() -> None:
    # 2025-11-02 01:00-02:00 happens twice in New York; @daily's midnight is untouched.
    assert local_times("@daily", "America/New_York", utc(2025, 11, 1, 12), 2) == [
        "Sun 00:00",
        "Mon 00:00",
    ]
    assert describe(cron("@daily", "America/New_York")) == ("at 00:00 every day, America/New_York")


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("Europe/Berlnr", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        ("berlin", "Europe/Berlin"),
        ("new york", "America/New_York"),
        ("Mars/Olympus", None),
    ],
)
def test_a_mistyped_zone_is_met_with_the_one_it_most_likely_meant(
    typed: str, meant: str | None
) -> None:
    assert closest_zone(typed) == meant


def test_every_interface_hears_the_did_you_mean() -> None:
    with pytest.raises(ValidationError, match=r"did you mean Europe/Berlin\?") as caught:
        validate(CheckSpec(name="x", cron="0 3 * * *", tz="Europe/Berlnr"))
    assert caught.value.field == "tz"
