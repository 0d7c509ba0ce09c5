"""Parsing and formatting of durations and times, shared by the CLI, the API and the UI."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, tzinfo

from beatwatch.core.errors import DurationTooLong

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PART = re.compile(r"([0-9]+)([smhdw])")
# "1h 30m" reads as "1h30m"; a space between two numbers ("1 30") stays a mistake.
_SPACE_AFTER_UNIT = re.compile(r"(?<=[smhdw])\s+(?=[0-9])")
# Longer than any interval, pause or maintenance anyone means, and short enough that every
# moment it reaches can still be shown as a date.
LONGEST_DURATION = 3650 * 86400
LONGEST_DURATION_TEXT = "3650d (ten years)"


# The span every zone can write as a date: a day inside year 1 and year 9999 in UTC.
EARLIEST_TIME = datetime(1, 1, 2, tzinfo=UTC).timestamp()
LATEST_TIME = datetime(9999, 12, 30, tzinfo=UTC).timestamp()


def parse_duration(text: str) -> int:
    """Seconds from "45s", "10m", "2h", "1d", "1w", compounds ("1h30m", "1d 12h") or plain
    seconds ("90").

    Raises ValueError with a message fit to show the user.
    """
    raw = _SPACE_AFTER_UNIT.sub("", text.strip().lower())
    if raw.isascii() and raw.isdigit():
        seconds = int(raw)
    elif raw and _PART.sub("", raw) == "":
        seconds = sum(int(n) * _UNITS[u] for n, u in _PART.findall(raw))
    else:
        raise ValueError(
            f"{text!r} is not a duration (try 45s, 10m, 2h, 1h30m, 1d, 1w or plain seconds)"
        )
    if seconds > LONGEST_DURATION:
        raise DurationTooLong(f"{text.strip()[:20]!r} is too long: at most {LONGEST_DURATION_TEXT}")
    return seconds


def format_duration(seconds: float) -> str:
    """The largest unit and the one below it: 90 -> "1m30s", 3600 -> "1h", 93784 -> "1d2h"."""
    total = round(seconds)
    if total < 60:
        return f"{total}s"
    units = (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1))
    for index, (unit, size) in enumerate(units):
        if total >= size:
            lead, rest = divmod(total, size)
            text = f"{lead}{unit}"
            if index + 1 < len(units):
                next_unit, next_size = units[index + 1]
                if rest // next_size:
                    text += f"{rest // next_size}{next_unit}"
            return text
    return f"{total}s"


def format_duration_exact(seconds: int) -> str:
    """Every unit, nothing rounded: 93784 -> "1d2h3m4s". Parses back with parse_duration."""
    if seconds == 0:
        return "0s"
    parts = []
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


def format_relative(t: float, now: float) -> str:
    """ "3m ago", "in 57m", "just now"."""
    delta = t - now
    if abs(delta) < 1:
        return "just now"
    text = format_duration(abs(delta))
    return f"in {text}" if delta > 0 else f"{text} ago"


# The two ways a person reads a moment, both in local time (or a cron check's own zone).
# Tables: to the minute, the zone left to the column's age beside it ("Tue 01 Dec 21:05").
SHORT_FORM = "%a %d %b %H:%M"
# Details, replies and alerts, which are read later or elsewhere: the year, the seconds and
# the zone's name ("Tue 01 Dec 2026 21:05:35 CET").
LONG_FORM = "%a %d %b %Y %H:%M:%S %Z"


def written(t: float, form: str, zone: tzinfo | None = None) -> str:
    """`t` as strftime's `form` writes it, in local time or in `zone`."""
    moment = datetime.fromtimestamp(t, zone) if zone else datetime.fromtimestamp(t).astimezone()
    return moment.strftime(form)


def short_time(t: float, zone: tzinfo | None = None) -> str:
    """`t` as a table shows it, in local time or in `zone`."""
    return written(t, SHORT_FORM, zone)


def long_time(t: float, zone: tzinfo | None = None) -> str:
    """`t` as a detail, a reply or an alert writes it, its zone named."""
    return written(t, LONG_FORM, zone)


def when(t: float, now: float) -> str:
    """A table's cell for a moment: "Tue 04 Jun 03:12 (5m ago)"."""
    return f"{short_time(t)} ({format_relative(t, now)})"


def example_time(now: float, days_ahead: int, hour: int) -> str:
    """A local time `days_ahead` days from now at `hour`, as parse_time reads it: for the
    examples in placeholders and messages, which must not lie in the past."""
    day = datetime.fromtimestamp(now) + timedelta(days=days_ahead)
    return day.replace(hour=hour, minute=0).strftime("%Y-%m-%dT%H:%M")


def within_calendar(t: float | None) -> float | None:
    """A stored time brought inside EARLIEST_TIME..LATEST_TIME, so that reading it never
    fails: older versions stored user-given times unbounded (a pause until year 10000)."""
    return None if t is None else min(max(t, EARLIEST_TIME), LATEST_TIME)


def utc_iso(t: float | None) -> str | None:
    """ISO 8601 UTC with a Z, to the second; None stays None."""
    if t is None:
        return None
    # isoformat, not strftime("%Y"), which writes the year 59 as "59" rather than "0059".
    return datetime.fromtimestamp(t, UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def parse_time(text: str, now: float) -> float:
    """An absolute time from ISO 8601 ("2026-11-24T06:00", zone optional: local) or "HH:MM"
    (the next such local time). Raises ValueError with a message fit to show the user."""
    raw = text.strip()
    # Naive local wall-clock time: adding a day keeps the hour across a DST change.
    local_now = datetime.fromtimestamp(now)
    if re.fullmatch(r"\d{1,2}:\d{2}", raw):
        hour, minute = (int(p) for p in raw.split(":"))
        if hour > 23 or minute > 59:
            raise ValueError(f"{text!r} is not a time of day")
        candidate = local_now.replace(hour=hour, minute=minute, second=0, microsecond=0)
        if candidate.timestamp() <= now:
            candidate += timedelta(days=1)
        return candidate.timestamp()
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        example = example_time(now, 1, 6)
        raise ValueError(
            f"{text!r} is not a time (try 06:00, {example} or {example}Z for UTC)"
        ) from None
    try:
        return (parsed if parsed.tzinfo else parsed.astimezone()).timestamp()
    except (ValueError, OverflowError):  # local year 1 or 9999 pushed off the calendar
        raise ValueError(f"{text!r} is not a time that can be written as a date") from None
