"""What a user may set on a check, and the one place those settings are validated.

The CLI, the API and the TUI all build a CheckSpec and call `validate`; each field's error
names the field so a form can show it beside the input.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, fields, replace
from typing import Any

from beatwatch.core.errors import FieldsError, ScheduleError, ValidationError
from beatwatch.core.model import (
    MAX_INTERVAL,
    MIN_INTERVAL,
    NAME_MAX,
    AlertType,
    Check,
    Schedule,
)
from beatwatch.core.schedule import local_zone_name, normalize_cron, upcoming, validate_cron, zone
from beatwatch.core.timefmt import (
    LONGEST_DURATION,
    LONGEST_DURATION_TEXT,
    format_duration,
    format_duration_exact,
)

MIN_REMINDER = 60
SLUG_MAX = 100
# A grace the user does not choose is half the time between runs, but never over 5 minutes.
DEFAULT_GRACE_CAP = 300
DEFAULT_ALERTS = frozenset({AlertType.MISSED, AlertType.FAILING, AlertType.STUCK})
_SLUG_OK = re.compile(r"[a-z0-9_-]+")
_NOT_IN_SLUG = re.compile(r"[^a-z0-9_]+")
SLUG_STAND_IN = "check"

# Characters no name, tag, host or reason has any business holding: C0 controls, DEL and C1
# controls (on a terminal they move the cursor, retitle the window, write the clipboard),
# the Unicode line and paragraph separators, and the bidi overrides that make text display
# as something it is not. Written as regex source, so that the OpenAPI document states the
# very rule the service keeps.
REFUSED_CHARACTERS = r"\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
# Free text meant to span lines (a description) may also hold newlines and tabs.
_REFUSED_BUT_LINES = REFUSED_CHARACTERS.replace(r"\x00-\x1f", r"\x00-\x08\x0b-\x1f")
ONE_LINE_PATTERN = f"^[^{REFUSED_CHARACTERS}]*$"
LINES_PATTERN = f"^[^{_REFUSED_BUT_LINES}]*$"
_CONTROL_ON_ONE_LINE = re.compile(f"[{REFUSED_CHARACTERS}]")
_CONTROL_IN_LINES = re.compile(f"[{_REFUSED_BUT_LINES}]")
_CHARACTER_NAMES = {
    "\t": "a tab",
    "\n": "a newline",
    "\r": "a carriage return",
    "\x1b": "an escape",
}


@dataclass(frozen=True, slots=True)
class CheckSpec:
    """The user-settable fields of a check. None means "the default" (or "unset")."""

    name: str
    every_seconds: int | None = None
    cron: str | None = None
    tz: str | None = None
    grace_seconds: int | None = None
    max_duration_seconds: int | None = None
    host: str | None = None
    tags: tuple[str, ...] = ()
    description: str = ""
    alerts: frozenset[AlertType] | None = None
    channels: tuple[str, ...] = ()
    failure_threshold: int = 1
    escalation_channels: tuple[str, ...] = ()
    escalate_after_seconds: int | None = None
    remind_every_seconds: int | None = None
    escalation_policy: str | None = None
    slug: str | None = None

    @property
    def schedule(self) -> Schedule:
        return Schedule(self.every_seconds, self.cron, self.tz)


def differing_fields(before: CheckSpec, after: CheckSpec) -> dict[str, Any]:
    """The fields `after` sets to other values than `before`, by CheckSpec field name."""
    return {
        f.name: getattr(after, f.name)
        for f in fields(CheckSpec)
        if getattr(after, f.name) != getattr(before, f.name)
    }


def slugify(name: str) -> str:
    """A readable id from a name: "Nightly backup (db1)" -> "nightly-backup-db1"; a name
    with nothing to make one of ("ÆØÅ!!!") gets SLUG_STAND_IN."""
    slug = _NOT_IN_SLUG.sub("-", name.lower()).strip("-")
    return slug[:SLUG_MAX].rstrip("-") or SLUG_STAND_IN


def gets_stand_in_slug(name: str) -> bool:
    """Whether `name` has no a-z, 0-9 or _ at all, so that its slug is SLUG_STAND_IN."""
    return _NOT_IN_SLUG.fullmatch(name.lower()) is not None


def refuse_control(field_name: str, value: str, lines: bool = False) -> None:
    """FieldsError naming `field_name` if `value` holds one of REFUSED_CHARACTERS (with
    `lines`, newlines and tabs are fine). It says which character and where, never the
    value itself, which would put that character on the reader's screen."""
    found = (_CONTROL_IN_LINES if lines else _CONTROL_ON_ONE_LINE).search(value)
    if found is None:
        return
    char, at = found.group(), found.start() + 1
    what = _CHARACTER_NAMES.get(char, "a control character")
    rule = (
        "it may hold newlines and tabs, but no other control characters"
        if lines
        else "it must be one line, without control characters"
    )
    raise FieldsError(
        field_name,
        f"{field_ref(field_name)} holds {what} (U+{ord(char):04X}) at character {at}; {rule}",
    )


def refuse_control_in(field_name: str, values: tuple[str, ...]) -> None:
    """refuse_control for each name of a list (tags, channels)."""
    for value in values:
        refuse_control(field_name, value)


def field_ref(key: str) -> str:
    """`key` as a FieldsError's template names it."""
    return "{" + key + "}"


def validate(spec: CheckSpec) -> CheckSpec:
    """Check every rule and fill in defaults; returns the spec as it will be stored."""
    refuse_control("name", spec.name)
    name = spec.name.strip()
    if not name:
        raise ValidationError("name", "the name must not be empty")
    if len(name) > NAME_MAX:
        raise ValidationError("name", f"the name is {len(name)} characters; at most {NAME_MAX}")
    slug = spec.slug if spec.slug is not None else slugify(name)
    if slug.isdigit():
        raise ValidationError(
            "name", f"{name!r} would read as a check id; add a word, e.g. 'job {name}'"
        )
    if not _SLUG_OK.fullmatch(slug) or len(slug) > SLUG_MAX:
        raise ValidationError(
            "slug", f"slug {slug!r} must be 1-{SLUG_MAX} characters of a-z, 0-9, '-' and '_'"
        )

    # The API takes these as plain numbers, which parse_duration's limit never saw.
    for field_name, seconds, what in (
        ("grace", spec.grace_seconds, "the grace"),
        ("max_duration", spec.max_duration_seconds, "the max duration"),
        ("escalate_after", spec.escalate_after_seconds, "the escalation delay"),
        ("remind_every", spec.remind_every_seconds, "the reminder interval"),
    ):
        if seconds is not None:
            refuse_too_long(field_name, seconds, what, verb="be")
    for field_name, value in (
        ("host", spec.host or ""),
        ("cron", spec.cron or ""),
        ("tz", spec.tz or ""),
        ("escalation_policy", spec.escalation_policy or ""),
    ):
        refuse_control(field_name, value)
    refuse_control("description", spec.description, lines=True)
    for field_name, values in (
        ("tags", spec.tags),
        ("channels", spec.channels),
        ("escalate_to", spec.escalation_channels),
    ):
        refuse_control_in(field_name, values)
    schedule = _validate_schedule(spec)
    grace = _validate_grace(spec.grace_seconds, schedule)

    if spec.max_duration_seconds is not None and spec.max_duration_seconds <= 0:
        raise ValidationError("max_duration", "the max duration must be more than 0 seconds")
    if spec.failure_threshold < 1:
        raise ValidationError("failure_threshold", "the failure threshold must be 1 or more")
    _validate_escalation(spec)

    alerts = default_alerts(spec.max_duration_seconds) if spec.alerts is None else spec.alerts
    host = (spec.host or "").strip() or None
    policy = (spec.escalation_policy or "").strip() or None
    tags = tuple(dict.fromkeys(t.strip() for t in spec.tags if t.strip()))
    return replace(
        spec,
        name=name,
        slug=slug,
        every_seconds=schedule.every_seconds,
        cron=schedule.cron,
        tz=schedule.tz,
        grace_seconds=grace,
        host=host,
        tags=tags,
        alerts=frozenset(alerts),
        escalation_policy=policy,
    )


def _validate_escalation(spec: CheckSpec) -> None:
    if spec.escalate_after_seconds is not None:
        if spec.escalate_after_seconds <= 0:
            raise ValidationError("escalate_after", "the escalation delay must be more than 0")
        if not spec.escalation_channels:
            raise ValidationError(
                "escalate_to", "escalation needs the channels to escalate to (--escalate-to)"
            )
    if spec.remind_every_seconds is not None and spec.remind_every_seconds < MIN_REMINDER:
        raise ValidationError(
            "remind_every", f"reminders can repeat at most every {format_duration(MIN_REMINDER)}"
        )


def _validate_schedule(spec: CheckSpec) -> Schedule:
    if (spec.every_seconds is None) == (spec.cron is None):
        raise ValidationError("schedule", "give either an interval (every) or a cron expression")
    if spec.every_seconds is not None:
        if spec.tz is not None:
            raise ValidationError("tz", "a time zone goes with a cron schedule, not an interval")
        every = spec.every_seconds
        if not MIN_INTERVAL <= every <= MAX_INTERVAL:
            raise ValidationError(
                "every",
                f"the interval is {format_duration_exact(every)}; it must be between "
                f"{format_duration_exact(MIN_INTERVAL)} and {format_duration_exact(MAX_INTERVAL)} "
                f"({MIN_INTERVAL} to {MAX_INTERVAL} seconds)",
            )
        return Schedule(every_seconds=every)
    cron = normalize_cron(spec.cron or "")
    return cron_schedule(cron, spec.tz or local_zone_name())


def cron_schedule(cron: str, tz: str) -> Schedule:
    """`cron` in the zone `tz`, or the ValidationError that names the field at fault."""
    try:
        zone(tz)
    except ScheduleError as exc:
        raise ValidationError("tz", str(exc)) from None
    try:
        validate_cron(cron, tz)
    except ScheduleError as exc:
        raise ValidationError("cron", str(exc)) from None
    return Schedule(cron=cron, tz=tz)


def refuse_too_long(field_name: str, seconds: int, what: str, verb: str = "last") -> None:
    """The limit parse_duration sets, for a duration given as a number of seconds too:
    something lasting a million years would end on no date that can be written."""
    if seconds > LONGEST_DURATION:
        raise ValidationError(field_name, f"{what} may {verb} at most {LONGEST_DURATION_TEXT}")


def pause_end(now: float, until: float | None, duration: int | None) -> float | None:
    """When a pause asked for at `now` ends: at `until`, `duration` seconds from now, or
    (neither given) never, until resumed by hand. Errors name the fields by these keys."""
    if until is not None and duration is not None:
        raise FieldsError("duration", "give {duration} or {until}, not both")
    if duration is not None:
        refuse_too_long("duration", duration, "a pause")
        field, end = "duration", now + duration
    elif until is not None:
        field, end = "until", until
    else:
        return None
    if end <= now:
        raise ValidationError(field, "the pause must end in the future")
    refuse_far_time("until", end, now)
    return end


def refuse_far_time(field_name: str, at: float, now: float) -> None:
    """The bound every duration has, for a point in time a user gives: within
    LONGEST_DURATION of now, either way. Further out a time may not even be a date (year 9999
    at -01:00 is year 10000 in UTC), and no pause or window is meant to reach that far. The
    FieldsError names the field by `field_name`, so each interface can put in its own name."""
    if abs(at - now) > LONGEST_DURATION:
        raise FieldsError(
            field_name, "{" + field_name + "} must lie within " + LONGEST_DURATION_TEXT + " of now"
        )


def default_alerts(max_duration_seconds: int | None) -> frozenset[AlertType]:
    """Missed, failing and stuck; running long too once there is a max duration."""
    return DEFAULT_ALERTS | ({AlertType.LONG} if max_duration_seconds else frozenset())


# Where and over how many runs a cron schedule's default grace is measured.
GRACE_MEASURED_FROM = 946684800.0  # 2000-01-01T00:00:00Z
GRACE_MEASURED_OVER = 8


def default_grace(schedule: Schedule) -> int:
    """min(5 minutes, half the time between runs). For a cron schedule, the shortest gap
    between its first runs after a fixed moment: the default is the same whenever asked."""
    if schedule.every_seconds is not None:
        gap = float(schedule.every_seconds)
    else:
        runs = upcoming(schedule, GRACE_MEASURED_FROM, GRACE_MEASURED_OVER)
        gap = min(later - earlier for earlier, later in itertools.pairwise(runs))
    return int(min(DEFAULT_GRACE_CAP, gap // 2))


def _validate_grace(grace: int | None, schedule: Schedule) -> int:
    if grace is None:
        return default_grace(schedule)
    if grace < 0:
        raise ValidationError("grace", "the grace must not be negative")
    if schedule.every_seconds is not None and grace > schedule.every_seconds // 2:
        raise ValidationError(
            "grace",
            f"the grace is {format_duration_exact(grace)} but may be at most half the interval "
            f"({format_duration_exact(schedule.every_seconds // 2)}); a longer grace would let one "
            "missed run hide behind the next",
        )
    return grace


def spec_of(check: Check) -> CheckSpec:
    """The user-settable fields of a stored check, for editing."""
    return CheckSpec(
        name=check.name,
        slug=check.slug,
        every_seconds=check.schedule.every_seconds,
        cron=check.schedule.cron,
        tz=check.schedule.tz,
        grace_seconds=check.grace_seconds,
        max_duration_seconds=check.max_duration_seconds,
        host=check.host,
        tags=check.tags,
        description=check.description,
        alerts=check.alerts,
        channels=check.channels,
        failure_threshold=check.failure_threshold,
        escalation_channels=check.escalation_channels,
        escalate_after_seconds=check.escalate_after_seconds,
        remind_every_seconds=check.remind_every_seconds,
        escalation_policy=check.escalation_policy,
    )
