"""Counts in words that agree, and the two ways a moment is written for people."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from beatwatch.core.counting import agreeing, counted
from beatwatch.core.presentation import unknown_pings_summary
from beatwatch.core.timefmt import example_time, long_time, parse_time, short_time, when
from tests.unit.factory import utc


def test_counts_agree_with_their_number() -> None:
    assert [counted(n, "check") for n in (0, 1, 2)] == ["0 checks", "1 check", "2 checks"]
    assert counted(3, "entry", "entries") == "3 entries"
    assert [agreeing(n, "is", "are") for n in (1, 2)] == ["is", "are"]


@pytest.mark.parametrize(
    ("total", "shown", "line"),
    [
        (0, 0, "Every ping so far has matched a check."),
        (1, 1, "1 ping matched no check so far; it is below."),
        (2, 2, "2 pings matched no check so far; both are below."),
        (3, 3, "3 pings matched no check so far; all 3 are below."),
        (120, 50, "120 pings matched no check so far; the latest 50 are below."),
    ],
)
def test_the_unknown_pings_line(total: int, shown: int, line: str) -> None:
    assert unknown_pings_summary(total, shown) == line


@pytest.fixture
def in_berlin(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_tables_read_to_the_minute_and_details_name_the_zone(in_berlin: None) -> None:
    t = utc(2026, 12, 1, 20, 5, 35)
    assert short_time(t) == "Tue 01 Dec 21:05"
    assert long_time(t) == "Tue 01 Dec 2026 21:05:35 CET"
    assert long_time(utc(2026, 7, 1, 20, 5, 35)) == "Wed 01 Jul 2026 22:05:35 CEST"
    assert short_time(t, ZoneInfo("America/New_York")) == "Tue 01 Dec 15:05"
    assert when(t, t + 90) == "Tue 01 Dec 21:05 (1m30s ago)"


def test_an_example_time_lies_ahead_and_reads_back(in_berlin: None) -> None:
    now = utc(2026, 12, 1, 23, 30)  # already the 2nd in Berlin
    example = example_time(now, 1, 6)
    assert example == "2026-12-03T06:00"
    assert (
        parse_time(example, now)
        == datetime(2026, 12, 3, 6, tzinfo=ZoneInfo("Europe/Berlin")).timestamp()
    )
