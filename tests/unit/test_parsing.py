"""What users type and what jobs send: durations, times, check specs and ping URLs."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import datetime

import pytest

from beatwatch.core.errors import BadPing, ValidationError
from beatwatch.core.model import PingKind
from beatwatch.core.ping_url import parse_ping
from beatwatch.core.timefmt import (
    format_duration,
    format_duration_exact,
    format_relative,
    parse_duration,
    parse_time,
    utc_iso,
)
from beatwatch.core.validation import CheckSpec, slugify, validate
from tests.unit.factory import utc

UUID = "0f8fad5b-d9cb-469f-a165-70867728950e"


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("45s", 45),
        ("10m", 600),
        ("2h", 7200),
        ("1d", 86400),
        ("1w", 604800),
        ("90", 90),
        ("1h30m", 5400),
        ("1h 30m", 5400),
        ("1d 12h", 129600),
        ("2w1d", 1296000),
        (" 2H ", 7200),
    ],
)
def test_durations_parse(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "h", "1y", "-5m", "1.5h", "²", "5 m", "1 30", "1h 30", "ten"])
def test_bad_durations_say_what_would_do(text: str) -> None:
    with pytest.raises(ValueError, match="try 45s, 10m, 2h, 1h30m, 1d, 1w or plain seconds"):
        parse_duration(text)


@pytest.mark.parametrize("text", ["3651d", "9999999d", "99999999999999999999"])
def test_durations_beyond_ten_years_are_refused(text: str) -> None:
    # Beyond any sensible pause or window, and beyond the dates a preview can show.
    with pytest.raises(ValueError, match="too long: at most 3650d"):
        parse_duration(text)


def test_durations_format_short_and_exact() -> None:
    assert [format_duration(s) for s in (5, 90, 3600, 93784)] == ["5s", "1m30s", "1h", "1d2h"]
    assert format_duration_exact(93784) == "1d2h3m4s"
    assert parse_duration(format_duration_exact(93784)) == 93784
    assert format_relative(100, 280) == "3m ago"
    assert format_relative(280, 100) == "in 3m"
    assert format_relative(100.4, 100) == "just now"
    assert utc_iso(utc(2026, 11, 23, 6, 5)) == "2026-11-23T06:05:00Z"
    assert utc_iso(None) is None


@pytest.fixture
def riga() -> Iterator[None]:
    before = os.environ.get("TZ")
    os.environ["TZ"] = "Europe/Riga"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


def test_a_time_of_day_is_the_next_one_and_keeps_its_hour_across_dst(riga: None) -> None:
    # 23:00 local on the eve of the October change: "06:00" is tomorrow 06:00, 8 hours on
    # the wall clock but 8 + 1 real hours later.
    now = datetime(2026, 10, 24, 23, 0).timestamp()
    when = parse_time("06:00", now)
    assert datetime.fromtimestamp(when).strftime("%Y-%m-%d %H:%M") == "2026-10-25 06:00"
    assert when - now == 8 * 3600
    assert parse_time("23:30", now) - now == 1800


def test_iso_times_with_and_without_a_zone(riga: None) -> None:
    assert parse_time("2026-11-24T06:00Z", 0) == utc(2026, 11, 24, 6)
    assert parse_time("2026-11-24T08:00", 0) == utc(2026, 11, 24, 6)  # Riga is UTC+2 then
    with pytest.raises(ValueError):
        parse_time("tomorrow", 0)
    with pytest.raises(ValueError, match="not a time of day"):
        parse_time("24:00", 0)


def test_a_spec_is_filled_in_with_defaults() -> None:
    spec = validate(CheckSpec(name="  Nightly backup (db1) ", every_seconds=3600, tags=("a", "a")))
    assert (spec.name, spec.slug, spec.grace_seconds, spec.tags) == (
        "Nightly backup (db1)",
        "nightly-backup-db1",
        300,
        ("a",),
    )
    assert validate(CheckSpec(name="poll", every_seconds=60)).grace_seconds == 30
    assert slugify("ÆØÅ!!!") == "check"
    assert len(slugify("x" * 300)) == 100


@pytest.mark.parametrize(
    ("spec", "field", "words"),
    [
        (CheckSpec(name="", every_seconds=60), "name", "must not be empty"),
        (CheckSpec(name="x", every_seconds=10), "every", "between 30s"),
        (CheckSpec(name="x", every_seconds=600, grace_seconds=400), "grace", "at most half"),
        (CheckSpec(name="x", cron="0 3 * * *", tz="Mars/Olympus"), "tz", "Mars/Olympus"),
        (CheckSpec(name="x", cron="61 * * * *", tz="UTC"), "cron", "bad cron expression"),
        (CheckSpec(name="x"), "schedule", "either an interval"),
        (CheckSpec(name="x", every_seconds=60, tz="UTC"), "tz", "goes with a cron"),
        (CheckSpec(name="x", every_seconds=60, slug="Bad Slug"), "slug", "a-z, 0-9"),
        (CheckSpec(name="x", every_seconds=60, max_duration_seconds=0), "max_duration", "more"),
    ],
)
def test_each_mistake_names_its_field(spec: CheckSpec, field: str, words: str) -> None:
    with pytest.raises(ValidationError, match=words) as caught:
        validate(spec)
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("key", "tail", "kind", "exit_code"),
    [
        (UUID, "", PingKind.SUCCESS, None),
        (UUID, "start", PingKind.START, None),
        (UUID, "fail", PingKind.FAIL, None),
        (UUID, "log", PingKind.LOG, None),
        (UUID, "0", PingKind.SUCCESS, 0),
        (UUID, "3", PingKind.FAIL, 3),
        (UUID, "fail/255", PingKind.FAIL, 255),
        ("pingkey", "backup", PingKind.SUCCESS, None),
        ("pingkey", "backup/fail/2", PingKind.FAIL, 2),
    ],
)
def test_every_ping_form(key: str, tail: str, kind: PingKind, exit_code: int | None) -> None:
    ping = parse_ping(key, tail, {})
    assert (ping.kind, ping.exit_code) == (kind, exit_code)
    assert (ping.uuid, ping.slug) == ((UUID, None) if key == UUID else (None, "backup"))


def test_rid_and_create_are_read_from_the_query() -> None:
    ping = parse_ping("pingkey", "backup", {"rid": UUID.upper(), "create": "1"})
    assert (ping.rid, ping.create) == (UUID, True)
    assert parse_ping(UUID, "", {"create": "1"}).create is False  # only by slug


@pytest.mark.parametrize(
    ("key", "tail", "query", "words"),
    [
        ("not-a-uuid", "", {}, "is not a check uuid"),
        ("pingkey", "Bad Slug", {}, "is not a slug"),
        (UUID, "256", {}, "0 to 255"),
        (UUID, "fail/-1", {}, "0 to 255"),
        (UUID, "²", {}, "unknown ping form"),
        (UUID, "stop", {}, "unknown ping form"),
        (UUID, "start/now", {}, "unknown ping form"),
        (UUID, "", {"rid": "42"}, "rid must be a UUID"),
    ],
)
def test_malformed_pings_say_why(key: str, tail: str, query: dict[str, str], words: str) -> None:
    with pytest.raises(BadPing, match=words):
        parse_ping(key, tail, query)
