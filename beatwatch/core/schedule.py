"""Due-time math for interval and cron schedules. Pure: no I/O, `now` comes in as an argument.

Cron times are computed in the check's own zone (cronsim walks local wall-clock time, so a
03:00 job runs once on DST days too) and compared as UTC epoch seconds.
"""

from __future__ import annotations

import os
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cronsim import CronSim, CronSimError

from beatwatch.core.errors import ScheduleError
from beatwatch.core.model import Schedule
from beatwatch.core.timefmt import format_duration


@lru_cache(maxsize=1024)
def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(
            f"unknown time zone {name!r} (use an IANA name such as Europe/Berlin or UTC)"
        ) from None


def local_zone_name() -> str:
    """The server's own IANA zone name, the default for cron checks."""
    if tz := os.environ.get("TZ", "").lstrip(":"):
        return tz
    try:
        target = str(Path("/etc/localtime").resolve())
        if "zoneinfo/" in target:
            return target.split("zoneinfo/", 1)[1]
    except OSError:
        pass
    try:
        return Path("/etc/timezone").read_text().strip() or "UTC"
    except OSError:
        return "UTC"


def validate_cron(expr: str, tz: str) -> None:
    """Raise ScheduleError unless `expr` is a usable 5-field cron expression."""
    if len(expr.split()) != 5:
        raise ScheduleError(
            f"cron expression {expr!r} must have 5 fields: "
            "minute hour day-of-month month day-of-week"
        )
    try:
        it = CronSim(expr, datetime.now(zone(tz)))
        next(it)
    except (CronSimError, StopIteration) as exc:
        raise ScheduleError(f"bad cron expression {expr!r}: {exc}") from None


def next_slot(schedule: Schedule, after: float) -> float:
    """The first scheduled cron time strictly after `after`."""
    assert schedule.cron is not None and schedule.tz is not None
    start = datetime.fromtimestamp(after, zone(schedule.tz))
    # In the repeated hour after a fall-back, cronsim may return the first pass of a slot,
    # which lies before `after`; those slots are already behind us.
    return next(t for slot in CronSim(schedule.cron, start) if (t := slot.timestamp()) > after)


def next_due(schedule: Schedule, t: float) -> float:
    """The first due time strictly after `t`: t + interval, or the next cron slot."""
    if schedule.every_seconds is not None:
        return t + schedule.every_seconds
    return next_slot(schedule, t)


def due_after(schedule: Schedule, grace: float, t: float, started: float | None = None) -> float:
    """When the next run is due, given the last ping (a finish or a start) at `t`, and for a
    finish the start of the run it closed, when known.

    Interval: t + interval. Cron: the first slot after t, except that an event a little early
    for a slot counts for that slot, so clock skew never causes a false alert. "A little" is
    the grace, but never more than half the gap to the slot after, so a frequent job with a
    long grace cannot skip a run. A finish whose start is known counts for the slot its start
    was for: a run that ends just before the next slot has not done that slot's work.
    """
    if schedule.every_seconds is not None:
        return t + schedule.every_seconds
    if started is not None:
        return max(next_slot(schedule, t), due_after(schedule, grace, started))
    slot = next_slot(schedule, t)
    following = next_slot(schedule, slot)
    if slot - t <= min(grace, (following - slot) / 2):
        return following
    return slot


def upcoming(schedule: Schedule, after: float, count: int) -> list[float]:
    """The next `count` due times after `after`, for previews."""
    times: list[float] = []
    t = after
    for _ in range(count):
        t = next_due(schedule, t)
        times.append(t)
    return times


def describe(schedule: Schedule) -> str:
    """The schedule in words: "every 1h", "03:00 daily, Europe/Berlin"."""
    if schedule.every_seconds is not None:
        return f"every {format_duration(schedule.every_seconds)}"
    assert schedule.cron is not None
    return f"{_describe_cron(schedule.cron)}, {schedule.tz}"


def _describe_cron(expr: str) -> str:
    minute, hour, dom, month, dow = expr.split()
    if minute.isdigit() and hour.isdigit() and month == "*":
        at = f"{int(hour):02d}:{int(minute):02d}"
        if dom == "*" and dow == "*":
            return f"{at} daily"
        if dom == "*" and dow in _WEEKDAYS:
            return f"{at} {_WEEKDAYS[dow]}"
        if dom.isdigit() and dow == "*":
            return f"{at} on day {dom}"
    if minute.isdigit() and hour == "*" and dom == month == dow == "*":
        return f"hourly at :{int(minute):02d}"
    return f"cron {expr}"


_WEEKDAYS = {
    "0": "Sundays",
    "7": "Sundays",
    "1": "Mondays",
    "2": "Tuesdays",
    "3": "Wednesdays",
    "4": "Thursdays",
    "5": "Fridays",
    "6": "Saturdays",
    "1-5": "weekdays",
    "SUN": "Sundays",
    "MON": "Mondays",
    "TUE": "Tuesdays",
    "WED": "Wednesdays",
    "THU": "Thursdays",
    "FRI": "Fridays",
    "SAT": "Saturdays",
    "MON-FRI": "weekdays",
}
