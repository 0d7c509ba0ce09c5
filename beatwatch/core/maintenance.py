"""How a maintenance window may be asked for, and when one is open. Pure: `now` comes in
as an argument.

Weekly windows are read in their own zone's wall clock: a Sunday 02:00-04:00 window opens
at 02:00 and closes at 04:00 local time, on DST days too, and is compared as UTC epoch
seconds. A time a change skips, or repeats, is resolved as cron daemons resolve it (see
`wall_moment`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta, tzinfo

from beatwatch.core.errors import FieldsError
from beatwatch.core.model import MaintenanceWindow
from beatwatch.core.schedule import zone
from beatwatch.core.timefmt import utc_iso
from beatwatch.core.validation import field_ref, refuse_far_time

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# A window lasts a while from now, runs until a time, or recurs weekly.
_WINDOW_KINDS = ("duration", "ends_at", "weekly")


def check_window_fields(given: Mapping[str, object], now: float) -> None:
    """Refuse fields of a maintenance window that do not go together: one of duration,
    ends_at (with an optional starts_at) and weekly (with an optional tz), and times too far
    from `now`. `given` maps these keys to the values asked for (absent or None: not given;
    starts_at and ends_at as epoch seconds). The FieldsError names fields by these keys and,
    beyond the ones to give, only fields that were given: an interface may have no name for
    some (a setup file has no duration)."""
    kinds = [key for key in _WINDOW_KINDS if given.get(key) is not None]
    if not kinds:
        raise FieldsError(
            "ends_at",
            "give one of {duration}, {ends_at} (with an optional {starts_at}) or {weekly}",
        )
    if len(kinds) > 1:
        first, second = kinds[:2]
        raise FieldsError(second, f"give {field_ref(first)} or {field_ref(second)}, not both")
    [kind] = kinds
    # A one-off window is two points in time, which need no zone; a weekly one is a time
    # of day, which does. Refused rather than dropped: whoever gave it meant something.
    if given.get("tz") is not None and kind != "weekly":
        raise FieldsError("tz", "{tz} goes with {weekly}, not with " + field_ref(kind))
    if given.get("starts_at") is not None and kind != "ends_at":
        raise FieldsError(
            "starts_at", "{starts_at} goes with {ends_at}, not with " + field_ref(kind)
        )
    for key in ("starts_at", "ends_at"):
        at = given.get(key)
        if isinstance(at, int | float):
            refuse_far_time(key, at, now)


def occurrence(window: MaintenanceWindow, now: float) -> tuple[float, float] | None:
    """The (start, end) of the occurrence open at `now`, or None if the window is closed."""
    if not window.is_weekly:
        assert window.starts_at is not None and window.ends_at is not None
        return (
            (window.starts_at, window.ends_at) if window.starts_at <= now < window.ends_at else None
        )
    if window.closed_until is not None and now < window.closed_until:
        return None
    assert window.start_minute is not None and window.duration_seconds is not None
    tz = zone(window.tz or "UTC")
    today = datetime.fromtimestamp(now, tz).date()
    # An occurrence may have started up to a week ago (a long window spans days).
    for days_back in range(8):
        day = today - timedelta(days=days_back)
        if day.weekday() not in window.weekdays:
            continue
        opens = _local_start(day, window.start_minute)
        start = wall_moment(opens, tz)
        end = wall_moment(opens + timedelta(seconds=window.duration_seconds), tz)
        if start <= now < end:
            return start, end
    return None


def is_open(window: MaintenanceWindow, now: float) -> bool:
    return occurrence(window, now) is not None


def next_start(window: MaintenanceWindow, now: float) -> float | None:
    """When the window next opens after `now` (None for a one-off window already begun)."""
    if not window.is_weekly:
        assert window.starts_at is not None
        return window.starts_at if window.starts_at > now else None
    assert window.start_minute is not None
    tz = zone(window.tz or "UTC")
    today = datetime.fromtimestamp(now, tz).date()
    for days_ahead in range(8):
        day = today + timedelta(days=days_ahead)
        if day.weekday() in window.weekdays:
            start = wall_moment(_local_start(day, window.start_minute), tz)
            if start > now:
                return start
    return None


def _local_start(day: date, start_minute: int) -> datetime:
    return datetime(day.year, day.month, day.day) + timedelta(minutes=start_minute)


def wall_moment(local: datetime, tz: tzinfo) -> float:
    """The instant a naive wall-clock time names in `tz`, as cron daemons read it: a time
    the clock skips (spring forward) is the moment it jumps, when a job set for it runs; a
    time the clock shows twice (fall back) is its first pass, when a job set for it runs
    once."""
    first = local.replace(tzinfo=tz, fold=0).timestamp()
    if datetime.fromtimestamp(first, tz).replace(tzinfo=None) == local:
        return first
    # In the gap. Read with the offset from after the jump, the time lands before the jump;
    # with the offset from before it, after: the jump lies between, found to the second.
    jump_from, jump_to = int(local.replace(tzinfo=tz, fold=1).timestamp()), int(first) + 1
    while jump_to - jump_from > 1:
        middle = (jump_from + jump_to) // 2
        if _offset(middle, tz) == _offset(jump_to, tz):
            jump_to = middle
        else:
            jump_from = middle
    return float(jump_to)


def _offset(moment: float, tz: tzinfo) -> timedelta | None:
    return datetime.fromtimestamp(moment, tz).utcoffset()


_WEEKLY = re.compile(
    r"^\s*(?P<days>\S+)\s+(?P<start>[0-9]{1,2}:[0-9]{2})\s*-\s*(?P<end>[0-9]{1,2}:[0-9]{2})\s*$"
)
_DAYS = re.compile(r"^[a-z]{3}(?:-[a-z]{3})?(?:,[a-z]{3}(?:-[a-z]{3})?)*$")
_TIME_OF_DAY = re.compile(r"^[0-9]{1,2}:[0-9]{2}$")
DAY_MINUTES = 24 * 60


def parse_weekly(text: str) -> tuple[tuple[int, ...], int, int]:
    """ "sun 02:00-04:00", "mon-fri 22:00-23:30", "sat,sun 01:00-05:00" ->
    (weekdays, start minute, duration seconds). An end before the start runs past midnight.
    Raises ValueError with a message fit to show the user."""
    match = _WEEKLY.match(text.lower())
    if not match:
        raise ValueError(
            f'{text!r} is not a weekly window (try "sun 02:00-04:00" or "mon-fri 22:00-23:30")'
        )
    start, end = parse_time_of_day(match["start"]), parse_time_of_day(match["end"])
    duration = (end - start) % DAY_MINUTES or DAY_MINUTES
    return parse_days(match["days"]), start, duration * 60


def parse_days(text: str) -> tuple[int, ...]:
    """ "mon-fri", "sat,sun", "fri-mon" -> weekday numbers (0 is Monday), sorted."""
    raw = text.strip().lower()
    if not _DAYS.match(raw):
        raise ValueError(
            f"{text.strip()!r} is not a list of weekdays (try sun, mon-fri or sat,sun)"
        )
    days: list[int] = []
    for part in raw.split(","):
        first, _, last = part.partition("-")
        a, b = _weekday(first), _weekday(last or first)
        days.extend(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
    return tuple(sorted(set(days)))


def _weekday(name: str) -> int:
    if name not in WEEKDAY_NAMES:
        raise ValueError(f"{name!r} is not a weekday (mon, tue, wed, thu, fri, sat, sun)")
    return WEEKDAY_NAMES.index(name)


def parse_time_of_day(text: str) -> int:
    """ "02:30" -> minutes after midnight."""
    raw = text.strip()
    if not _TIME_OF_DAY.match(raw):
        raise ValueError(f"{raw!r} is not a time of day (try 02:00)")
    hour, minute = (int(p) for p in raw.split(":"))
    if hour > 23 or minute > 59:
        raise ValueError(f"{raw!r} is not a time of day")
    return hour * 60 + minute


def weekly_text(weekdays: tuple[int, ...], start_minute: int, duration_seconds: int) -> str:
    """A weekly window as `parse_weekly` reads it: "sun 02:00-04:00". It lasts a whole
    number of minutes, at most a day; ValueError otherwise."""
    if duration_seconds % 60 or not 60 <= duration_seconds <= DAY_MINUTES * 60:
        raise ValueError("a weekly window lasts between 1m and 24h, in whole minutes")
    days = ",".join(WEEKDAY_NAMES[d] for d in weekdays)
    start_h, start_m = divmod(start_minute, 60)
    end_h, end_m = divmod((start_minute + duration_seconds // 60) % DAY_MINUTES, 60)
    return f"{days} {start_h:02d}:{start_m:02d}-{end_h:02d}:{end_m:02d}"


def describe(window: MaintenanceWindow, write: Callable[[float], str | None] = utc_iso) -> str:
    """The window in words, a one-off one's times as `write` writes them (ISO 8601 UTC for
    machines, timefmt's local forms for people)."""
    if not window.is_weekly:
        assert window.starts_at is not None and window.ends_at is not None
        return f"{write(window.starts_at)} to {write(window.ends_at)}"
    return f"weekly {weekly_pattern(window)} {window.tz}"


def weekly_pattern(window: MaintenanceWindow) -> str:
    """The window as `parse_weekly` reads it: "sun 02:00-04:00"."""
    assert window.start_minute is not None and window.duration_seconds is not None
    return weekly_text(window.weekdays, window.start_minute, window.duration_seconds)
