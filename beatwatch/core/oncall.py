"""Who is on call: people, rotations handing off at a local time, and overrides. Pure: `now`
comes in as an argument.

A rotation's shifts begin on its start date and every N days or weeks after it, at a time of
day in its zone, so a Monday 09:00 hand-off stays at 09:00 local time across DST. A time
the clock skips (02:30 on a spring-forward night) hands off when the clock jumps, as cron
daemons run a job the jump skipped; a time that happens twice hands off the first time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from beatwatch.core.schedule import zone

# How many hand-offs `beatwatch oncall` and the rotations screen look ahead by default.
HANDOFFS_SHOWN = 3
ROTATION_PEOPLE_MAX = 50
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class Unit(StrEnum):
    DAYS = "days"
    WEEKS = "weeks"


@dataclass(frozen=True, slots=True)
class Person:
    """A way to reach someone: a name and the channels (names or tags) that reach them."""

    id: int
    name: str
    channels: tuple[str, ...]
    created_at: float


@dataclass(frozen=True, slots=True)
class Rotation:
    """People on call in turn: the first from `start_date` at `handoff_minute` (local time in
    `tz`), each for `every` days or weeks, then the next, round and round."""

    id: int
    name: str
    people: tuple[str, ...]
    every: int
    unit: Unit
    start_date: date
    handoff_minute: int
    tz: str
    created_at: float

    @property
    def period_days(self) -> int:
        return self.every * (7 if self.unit is Unit.WEEKS else 1)


@dataclass(frozen=True, slots=True)
class Override:
    """`person` is on call in the rotation from `starts_at` until `ends_at`."""

    id: int
    rotation_id: int
    person: str
    starts_at: float
    ends_at: float
    created_at: float


@dataclass(frozen=True, slots=True)
class Handoff:
    """At `at`, `person` takes over from `previous` (None: nobody)."""

    at: float
    person: str | None
    previous: str | None


_EVERY = re.compile(r"^\s*([0-9]{1,3})\s*([dw])\s*$", re.IGNORECASE)


def parse_every(text: str) -> tuple[int, Unit]:
    """ "1w" -> (1, weeks), "3d" -> (3, days). Raises ValueError fit to show the user."""
    match = _EVERY.match(text)
    if not match or int(match[1]) == 0:
        raise ValueError(f"{text!r} is not a hand-off period (try 1w, 2w or 7d)")
    count = int(match[1])
    unit = Unit.WEEKS if match[2].lower() == "w" else Unit.DAYS
    if count * (7 if unit is Unit.WEEKS else 1) > 366:
        raise ValueError("a shift may last at most a year (52w or 366d)")
    return count, unit


def every_text(every: int, unit: Unit) -> str:
    return f"{every}{'w' if unit is Unit.WEEKS else 'd'}"


def local_instant(day: date, minute: int, tz: ZoneInfo) -> float:
    """The UTC epoch seconds of `minute` past midnight on `day` in `tz`, DST-safe."""
    hour, minute_of_hour = divmod(minute, 60)
    wall = datetime(day.year, day.month, day.day, hour, minute_of_hour, tzinfo=tz)
    at = wall.timestamp()
    if datetime.fromtimestamp(at, tz).replace(tzinfo=None) == wall.replace(tzinfo=None):
        return at
    # In a gap: the instant the clock jumped, between the wall time read with the offset
    # after the jump (earlier) and with the one before it (later).
    before = wall.replace(fold=1).timestamp()
    low, high = int(min(at, before)), int(max(at, before))
    offset = datetime.fromtimestamp(high, tz).utcoffset()
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, tz).utcoffset() == offset:
            high = middle
        else:
            low = middle
    return float(high)


def shift_start(rotation: Rotation, shift: int) -> float:
    """When shift number `shift` begins (0 on the start date; negative before it)."""
    day = rotation.start_date + timedelta(days=shift * rotation.period_days)
    return local_instant(day, rotation.handoff_minute, zone(rotation.tz))


def shift_at(rotation: Rotation, now: float) -> int:
    """The number of the shift under way at `now`. Shifts run back before the start date
    too, so a rotation always has someone on."""
    today = datetime.fromtimestamp(now, zone(rotation.tz)).date()
    shift = (today - rotation.start_date).days // rotation.period_days
    while shift_start(rotation, shift) > now:
        shift -= 1
    while shift_start(rotation, shift + 1) <= now:
        shift += 1
    return shift


def scheduled(rotation: Rotation, shift: int) -> str | None:
    if not rotation.people:
        return None
    return rotation.people[shift % len(rotation.people)]


def covering(rotation: Rotation, overrides: list[Override], now: float) -> Override | None:
    """The override in force at `now`; of several, the one made last."""
    found = [
        o for o in overrides if o.rotation_id == rotation.id and o.starts_at <= now < o.ends_at
    ]
    return max(found, key=lambda o: o.id) if found else None


def on_call(rotation: Rotation, overrides: list[Override], now: float) -> str | None:
    """Who is on call in `rotation` at `now`: an override's person, else the scheduled one."""
    override = covering(rotation, overrides, now)
    if override is not None:
        return override.person
    return scheduled(rotation, shift_at(rotation, now))


def next_in_line(rotation: Rotation, now: float) -> str | None:
    """The person whose shift follows the one under way: the "next person" to escalate to."""
    return scheduled(rotation, shift_at(rotation, now) + 1)


def handoffs(
    rotation: Rotation, overrides: list[Override], now: float, count: int = HANDOFFS_SHOWN
) -> list[Handoff]:
    """The next `count` changes of who is on call after `now`, overrides included."""
    shift = shift_at(rotation, now)
    # A person listed twice in a row hands off to nobody: look far enough for `count` changes.
    ahead = count * (len(rotation.people) + 1)
    starts = [shift_start(rotation, shift + n) for n in range(1, ahead + 1)]
    own = [o for o in overrides if o.rotation_id == rotation.id]
    edges = {t for o in own for t in (o.starts_at, o.ends_at) if now < t < starts[-1]}
    found: list[Handoff] = []
    previous = on_call(rotation, own, now)
    for at in sorted({*starts, *edges}):
        person = on_call(rotation, own, at)
        if person != previous:
            found.append(Handoff(at, person, previous))
            previous = person
        if len(found) == count:
            break
    return found


def describe(rotation: Rotation, terse: bool = False) -> str:
    """ "every week, Mondays at 09:00 (Europe/Berlin)", "every 2 days at 08:00 (UTC)";
    `terse`, for a table: "weekly, Mon 09:00 Europe/Berlin", "every 2d, 08:00 UTC"."""
    hour, minute = divmod(rotation.handoff_minute, 60)
    if terse:
        weekly = rotation.unit is Unit.WEEKS
        day = f"{_DAY_NAMES[rotation.start_date.weekday()][:3]} " if weekly else ""
        period = {(1, Unit.WEEKS): "weekly", (1, Unit.DAYS): "daily"}.get(
            (rotation.every, rotation.unit), f"every {every_text(rotation.every, rotation.unit)}"
        )
        return f"{period}, {day}{hour:02d}:{minute:02d} {rotation.tz}"
    at = f"at {hour:02d}:{minute:02d} ({rotation.tz})"
    if rotation.unit is Unit.WEEKS:
        day = _DAY_NAMES[rotation.start_date.weekday()]
        period = "every week" if rotation.every == 1 else f"every {rotation.every} weeks"
        return f"{period}, {day}s {at}"
    period = "every day" if rotation.every == 1 else f"every {rotation.every} days"
    return f"{period} {at}"
