"""Due-time math for interval and cron schedules. Pure: no I/O, `now` comes in as an argument.

Cron times are computed in the check's own zone (cronsim walks local wall-clock time, so a
03:00 job runs once on DST days too) and compared as UTC epoch seconds.
"""

from __future__ import annotations

import os
import re
from datetime import datetime
from difflib import get_close_matches
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from cronsim import CronSim, CronSimError

from beatwatch.core.errors import ScheduleError
from beatwatch.core.model import Schedule
from beatwatch.core.timefmt import format_duration


@lru_cache(maxsize=1024)
def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    # A region's folder ("America", as typed on the way to America/New_York) is read as a
    # file by the tzdata package and fails as a directory.
    except (ZoneInfoNotFoundError, ValueError, IsADirectoryError):
        guess = closest_zone(name)
        hint = f": did you mean {guess}?" if guess else ""
        raise ScheduleError(
            f"unknown time zone {name!r}{hint} (use an IANA name such as Europe/Berlin or UTC)"
        ) from None


@lru_cache(maxsize=1)
def zone_names() -> tuple[str, ...]:
    """Every IANA zone name this system knows, sorted."""
    return tuple(sorted(available_timezones()))


def closest_zone(name: str) -> str | None:
    """The known zone `name` most likely meant: "europe/berlnr" and "berlin" mean
    Europe/Berlin. None when nothing is close."""
    wanted = name.strip().lower()
    if not wanted:
        return None
    by_lower = {z.lower(): z for z in zone_names()}
    by_city = {z.rsplit("/", 1)[-1].lower(): z for z in zone_names()}
    for names in (by_lower, by_city):
        if found := get_close_matches(wanted, list(names), n=1, cutoff=0.75):
            return names[found[0]]
    return None


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


# What cron daemons accept in place of five fields; @reboot has no meaning for a monitor.
CRON_MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}


def normalize_cron(expr: str) -> str:
    """A cron expression as stored: single spaces between fields, a macro in lower case."""
    text = " ".join(expr.split())
    return text.lower() if text.startswith("@") else text


def cron_fields(expr: str) -> str:
    """The five fields `expr` stands for: a macro's expansion, or `expr` itself."""
    text = normalize_cron(expr)
    return CRON_MACROS.get(text, text)


def validate_cron(expr: str, tz: str) -> None:
    """Raise ScheduleError unless `expr` is a usable 5-field cron expression or a macro."""
    text = normalize_cron(expr)
    if text.startswith("@") and text not in CRON_MACROS:
        raise ScheduleError(
            f"{expr.strip()!r} is not a cron macro we run: use {', '.join(CRON_MACROS)} or 5 fields"
        )
    fields = cron_fields(text)
    if len(fields.split()) != 5:
        raise ScheduleError(
            f"cron expression {expr!r} must have 5 fields: "
            "minute hour day-of-month month day-of-week (or a macro such as @daily)"
        )
    try:
        # Any start will do to learn whether the expression runs at all.
        it = CronSim(fields, datetime(2000, 1, 1, tzinfo=zone(tz)))
        next(it)
    except (CronSimError, StopIteration) as exc:
        raise ScheduleError(f"bad cron expression {expr!r}: {exc}") from None


def next_slot(schedule: Schedule, after: float) -> float:
    """The first scheduled cron time strictly after `after`."""
    assert schedule.cron is not None and schedule.tz is not None
    start = datetime.fromtimestamp(after, zone(schedule.tz))
    # In the repeated hour after a fall-back, cronsim may return the first pass of a slot,
    # which lies before `after`; those slots are already behind us.
    return next(
        t for slot in CronSim(cron_fields(schedule.cron), start) if (t := slot.timestamp()) > after
    )


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


def describe(schedule: Schedule, terse: bool = False) -> str:
    """The schedule in plain words, a cron one in its zone's wall-clock time: "every 1h",
    "at 02:30 on weekdays, Europe/Berlin"; `terse` for a table cell: "02:30 weekdays"."""
    if schedule.every_seconds is not None:
        return f"every {format_duration(schedule.every_seconds)}"
    assert schedule.cron is not None
    return f"{describe_cron(schedule.cron, terse)}, {schedule.tz}"


def describe_cron(expr: str, terse: bool = False) -> str:
    """A valid cron expression or macro in words: "every 5 minutes from 09:00 through 17:59"."""
    try:
        words = CronSim(cron_fields(expr), datetime(2000, 1, 1)).explain()
    except (CronSimError, ValueError, KeyError, IndexError):
        # explain() reads a few rare forms it cannot put in words; the fields still say it.
        return f"cron {expr}"
    words = _EVERY_NTH_MINUTE.sub(_every_n_minutes, words)
    for long, short in (
        ("on Monday through Friday", "on weekdays"),
        ("on Saturday and Sunday", "on weekends"),
    ):
        words = words.replace(long, short)
    words = words[:1].lower() + words[1:]
    if terse:
        for pattern, short in _TERSE:
            words = pattern.sub(short, words)
    return words


# A table cell's wording: the time first, without the words around it.
_TERSE = (
    (re.compile(r"^at the start of every hour"), "hourly"),
    (re.compile(r"^at (\d\d:\d\d) every day"), r"\1 daily"),
    (re.compile(r"^at (\d\d:\d\d) on "), r"\1 "),
)
_ORDINALS = {"second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7}
# cronsim says "Every fifth minute" or "Every 15th minute of every hour": "every 5 minutes"
# is what people say.
_EVERY_NTH_MINUTE = re.compile(
    r"Every (second|third|fourth|fifth|sixth|seventh|\d+(?:st|nd|rd|th)) minute(?: of every hour)?"
)


def _every_n_minutes(match: re.Match[str]) -> str:
    nth = match[1]
    count = _ORDINALS.get(nth) or int(nth[:-2])
    return f"Every {count} minutes"
