"""The monitor's vocabulary: checks, pings, states. Plain data, no I/O.

Times are Unix epoch seconds (float, UTC) everywhere inside the engine; they are
turned into ISO 8601 or "3m ago" only at the edges.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum
from operator import attrgetter
from typing import Any, NamedTuple

from beatwatch.core.ping_request import BODY_LIMIT as BODY_LIMIT
from beatwatch.core.ping_request import PingKind as PingKind
from beatwatch.core.ping_request import PingRequest as PingRequest
from beatwatch.core.url_masking import mask_url


class State(StrEnum):
    NEW = "new"
    UP = "up"
    LATE = "late"
    MISSED = "missed"
    FAILING = "failing"
    RUNNING = "running"
    RUNNING_LONG = "running_long"
    STUCK = "stuck"
    PAUSED = "paused"

    @property
    def is_bad(self) -> bool:
        return self in BAD_STATES


BAD_STATES = frozenset({State.MISSED, State.FAILING, State.STUCK, State.RUNNING_LONG})


class AlertType(StrEnum):
    """The bad states a check can be told to alert on."""

    MISSED = "missed"
    FAILING = "failing"
    STUCK = "stuck"
    LONG = "long"


ALERT_TYPE_OF_STATE = {
    State.MISSED: AlertType.MISSED,
    State.FAILING: AlertType.FAILING,
    State.STUCK: AlertType.STUCK,
    State.RUNNING_LONG: AlertType.LONG,
}

# Limits from the behaviour contract.
MIN_INTERVAL = 30
MAX_INTERVAL = 7 * 24 * 3600
# SQLite's largest integer: a larger "id" (typed or pasted by hand) names nothing.
ROW_ID_MAX = 2**63 - 1


def is_row_id(number: int) -> bool:
    """Whether `number` could be a row's id: SQLite cannot even be asked about others."""
    return 0 < number <= ROW_ID_MAX


# A check keeps its newest pings in this many slots (the schema, migration 12, says 100 too).
PINGS_KEPT = 100
NAME_MAX = 100


@dataclass(frozen=True, slots=True)
class Schedule:
    """Either a fixed interval or a 5-field cron expression in a time zone."""

    every_seconds: int | None = None
    cron: str | None = None
    tz: str | None = None

    @property
    def is_cron(self) -> bool:
        return self.cron is not None


@dataclass(slots=True)
class Check:
    id: int
    uuid: str
    name: str
    slug: str
    schedule: Schedule
    grace_seconds: int
    created_at: float
    # When the missed clock last (re)started: creation or the end of a pause.
    clock_start: float
    max_duration_seconds: int | None = None
    host: str | None = None
    tags: tuple[str, ...] = ()
    description: str = ""
    alerts: frozenset[AlertType] = frozenset()
    channels: tuple[str, ...] = ()
    failure_threshold: int = 1
    # Second level: channels told when an incident stays unacknowledged this long; reminders.
    escalation_channels: tuple[str, ...] = ()
    escalate_after_seconds: int | None = None
    remind_every_seconds: int | None = None
    # The escalation policy it names, which then decides who is told (None: its tags' or
    # the default policy, else its channels).
    escalation_policy: str | None = None
    # A pause has begun at paused_at; it lasts until paused_until, or until resumed by hand.
    paused_at: float | None = None
    paused_until: float | None = None
    last_ping_at: float | None = None
    # The newest ping's number: pings are numbered within their check, from 1.
    last_ping_number: int = 0
    last_finish_at: float | None = None
    last_finish_kind: PingKind | None = None
    last_exit_code: int | None = None
    # Of the run the last finish closed; None when it closed none.
    last_duration: float | None = None
    failure_streak: int = 0
    # Start of the newest open run, if any.
    run_started_at: float | None = None
    state: State = State.NEW
    state_since: float = 0.0
    next_change_at: float | None = None
    alerted_state: State | None = None

    def evolve(self, **changes: Any) -> Check:
        """A copy with `changes`: dataclasses.replace, but about four times faster, which
        matters on the ping path (every ping copies its check)."""
        copy = Check(*_check_fields(self))
        for name, value in changes.items():
            setattr(copy, name, value)
        return copy


_check_fields = attrgetter(*(f.name for f in fields(Check)))


class Ping(NamedTuple):
    """A stored ping. A named tuple, not a frozen dataclass, for the same reason as
    PingRequest: every ping makes one, and a frozen dataclass costs three times as much."""

    number: int  # within its check, from 1: the check's nth ping
    check_id: int
    kind: PingKind
    at: float
    exit_code: int | None = None
    rid: str | None = None
    duration: float | None = None
    remote_addr: str | None = None
    user_agent: str | None = None
    body: bytes = b""

    @property
    def body_text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


# Stands for the ping key in the path of an unknown ping.
PING_KEY_SHOWN = "<ping-key>"


@dataclass(frozen=True, slots=True)
class UnknownPing:
    at: float
    key: str  # what it named, as lists show it: a uuid, "slug backup", ...
    remote_addr: str | None
    user_agent: str | None
    # The request; None for a ping stored before beatwatch kept it. The path has the ping
    # key replaced by PING_KEY_SHOWN.
    method: str | None = None
    path: str | None = None
    body: bytes = b""
    # The check a new one would have to be to receive it: its uuid, or its slug (only when
    # the ping key was right: a check made with that slug would not get the pings otherwise).
    uuid: str | None = None
    slug: str | None = None

    @property
    def body_text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    @property
    def request(self) -> str:
        """ "POST /ping/<uuid>/fail", or "" for a ping stored before requests were kept."""
        return f"{self.method} {self.path}" if self.method else ""


class EventKind(StrEnum):
    """What a line of the event log tells of."""

    TRANSITION = "transition"
    DELIVERY = "delivery"
    DELIVERY_FAILED = "delivery_failed"
    NOT_SENT = "not_sent"
    UNKNOWN_PING = "unknown_ping"
    ENGINE = "engine"


@dataclass(frozen=True, slots=True)
class LogEvent:
    """One line of the event log: what the engine did, whichever process ran it."""

    id: int
    at: float
    level: str  # "info", "warning", "error"
    kind: EventKind
    text: str
    check_id: int | None = None
    # For a pause: when it ends, written by each interface in its own local time.
    paused_until: float | None = None


@dataclass(frozen=True, slots=True)
class Transition:
    check_id: int
    at: float
    from_state: State
    to_state: State


@dataclass(frozen=True, slots=True)
class Host:
    id: int
    name: str
    created_at: float


@dataclass(frozen=True, slots=True)
class Channel:
    """A named Apprise URL. The URL holds secrets: show `masked_url`, never `url`."""

    id: int
    name: str
    url: str
    is_default: bool
    tags: tuple[str, ...]
    created_at: float
    failing: bool = False
    last_error: str | None = None
    last_error_at: float | None = None
    last_success_at: float | None = None

    @property
    def masked_url(self) -> str:
        return mask_url(self.url)


@dataclass(frozen=True, slots=True)
class Incident:
    id: int
    check_id: int
    state: State
    opened_at: float
    reason: str
    notified: bool
    notified_at: float | None
    # The first incident of an unbroken bad spell, and whether anyone was told during it:
    # a recovery message goes out only if someone was.
    streak_started_at: float
    streak_notified: bool
    resolved_at: float | None = None
    resolution: str | None = None
    acknowledged_at: float | None = None
    escalated_at: float | None = None
    last_reminded_at: float | None = None
    next_action_at: float | None = None
    # The escalation policy it follows (None: the check's channels) and how many of its
    # steps have been taken.
    policy: str | None = None
    steps_reached: int = 0


@dataclass(frozen=True, slots=True)
class MaintenanceWindow:
    """Alerts for checks on `host` are held while the window is open.

    Either one-off (starts_at..ends_at) or weekly (weekdays, 0 = Monday, from start_minute
    local time for duration_seconds, in tz)."""

    id: int
    host: str
    reason: str
    created_at: float
    starts_at: float | None = None
    ends_at: float | None = None
    weekdays: tuple[int, ...] = ()
    start_minute: int | None = None
    duration_seconds: int | None = None
    tz: str | None = None
    # A weekly window ended early stays closed until the end of that occurrence.
    closed_until: float | None = None

    @property
    def is_weekly(self) -> bool:
        return bool(self.weekdays)


@dataclass(frozen=True, slots=True)
class Notification:
    """One message to one channel, from the outbox."""

    id: int
    channel_id: int
    channel_name: str
    incident_id: int | None
    kind: str
    title: str
    body: str
    created_at: float
    status: str
    attempts: int = 0
    sent_at: float | None = None
    last_error: str | None = None


@dataclass(frozen=True, slots=True)
class IncidentStep:
    """One step of an incident's escalation, or a hand-off told of it: whom it reached
    (a person, found through a rotation or by name, or channels alone) and when."""

    incident_id: int
    step: int  # 1-based; 0 for a hand-off
    at: float
    target: str  # the policy's words: "rotation:primary", "channel:ops", ...
    rotation: str | None
    person: str | None
    channels: tuple[str, ...]

    @property
    def is_handoff(self) -> bool:
        return self.step == 0
