"""The JSON shapes of the management API as OpenAPI 3.0 schemas.

A request schema says as exactly as JSON Schema can what the service accepts, built from the
rules the service keeps (its limits, its control-character rule, how it trims names). What
JSON Schema cannot say (a grace at most half the interval, a duration string within its
limits, a cron expression that fires, a zone that exists, a time still to come, a channel
that exists, a URL Apprise can use) is in the descriptions; the server answers 400 naming
the field. Replies are described by their types only: a row stored before a rule existed is
still shown.
"""

from __future__ import annotations

from typing import Any

from beatwatch.core.model import MAX_INTERVAL, MIN_INTERVAL, NAME_MAX, AlertType, State
from beatwatch.core.schedule import CRON_MACROS
from beatwatch.core.timefmt import LONGEST_DURATION
from beatwatch.core.validation import (
    LINES_PATTERN,
    MIN_REMINDER,
    ONE_LINE_PATTERN,
    REFUSED_CHARACTERS,
    SLUG_MAX,
)

Schema = dict[str, Any]

# Every character str.strip() and str.split() take for a space, and those of them that are
# not control characters: what the service trims off a name.
SPACES = r"\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_BLANKS = r" \xa0\u1680\u2000-\u200a\u202f\u205f\u3000"
# The characters whose lower case holds one a slug keeps (a-z, 0-9, _).
_SLUGGED = r"A-Za-z0-9_\u0130\u212a"


def trimmed_pattern(most: int | None) -> str:
    """One line that is 1 to `most` characters (None: any number) once trimmed."""
    edge = f"[^{_BLANKS}{REFUSED_CHARACTERS}]"
    middle = f"[^{REFUSED_CHARACTERS}]" + ("*" if most is None else f"{{0,{most - 2}}}")
    return f"^[{_BLANKS}]*{edge}(?:{middle}{edge})?[{_BLANKS}]*$"


# A check's name also must not make a slug of digits only, which would read as an id.
CHECK_NAME_PATTERN = f"^(?![^{_SLUGGED}]*[0-9]+[^{_SLUGGED}]*$)" + trimmed_pattern(
    NAME_MAX
).removeprefix("^")
SLUG_PATTERN = f"^(?![0-9]+$)[a-z0-9_-]{{1,{SLUG_MAX}}}$"
# Compound parts may stand apart ("1h 30m"); plain seconds stand alone.
_DURATION_PART = "[0-9]+[smhdwSMHDW]"
DURATION_PATTERN = (
    f"^[{SPACES}]*(?:[0-9]+|{_DURATION_PART}(?:[{SPACES}]*{_DURATION_PART})*)[{SPACES}]*$"
)


def _any_case(word: str) -> str:
    # The Kelvin sign is a capital the service's lower() also turns into k.
    return "".join("[kK\u212a]" if c == "k" else f"[{c}{c.upper()}]" for c in word)


# Five fields (the first not a macro's @), or one of the macros, in any case.
_FIELD_CHARACTER = f"[^{SPACES}{REFUSED_CHARACTERS}]"
_MACROS = "|".join(_any_case(macro.removeprefix("@")) for macro in CRON_MACROS)
CRON_PATTERN = (
    f"^[{SPACES}]*(?:[^{SPACES}{REFUSED_CHARACTERS}@]{_FIELD_CHARACTER}*"
    f"(?:[{SPACES}]+{_FIELD_CHARACTER}+){{4}}|@(?:{_MACROS}))[{SPACES}]*$"
)


_DAY = "(?:" + "|".join(_any_case(d) for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"))
_DAY += ")"
_DAYS = f"{_DAY}(?:-{_DAY})?(?:,{_DAY}(?:-{_DAY})?)*"
_TIME_OF_DAY = "(?:[01]?[0-9]|2[0-3]):[0-5][0-9]"
WEEKLY_PATTERN = (
    f"^[{SPACES}]*{_DAYS}[{SPACES}]+{_TIME_OF_DAY}[{SPACES}]*-[{SPACES}]*{_TIME_OF_DAY}[{SPACES}]*$"
)


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def list_of(item: Schema) -> Schema:
    return {"type": "array", "items": item}


def nullable(schema: Schema) -> Schema:
    return {**schema, "nullable": True}


def _only_null(kind: str) -> Schema:
    """A field that, in this variant of a request, may be given only as null."""
    return {"type": kind, "nullable": True, "enum": [None]}


STRING, INTEGER, BOOLEAN, NUMBER = (
    {"type": "string"},
    {"type": "integer"},
    {"type": "boolean"},
    {"type": "number"},
)
TIME = nullable({"type": "string", "format": "date-time"})
ONE_LINE: Schema = {"type": "string", "pattern": ONE_LINE_PATTERN}
ONE_LINE_NAMES = list_of(ONE_LINE)
A_TIME: Schema = {"type": "string", "format": "date-time"}


def duration(least: int, most: int = LONGEST_DURATION) -> Schema:
    return {
        "oneOf": [
            {"type": "integer", "minimum": least, "maximum": most},
            {"type": "string", "pattern": DURATION_PATTERN, "example": "10m"},
        ],
        "description": (
            f"Seconds ({least} to {most}), or a duration such as 45s, 10m, 2h, 1d, 1w or 1h30m "
            "in the same bounds."
        ),
    }


_ZONE = {**ONE_LINE, "example": "Europe/Berlin", "description": "An IANA time zone name."}
_CHECK_FIELDS: Schema = {
    "name": {
        "type": "string",
        "pattern": CHECK_NAME_PATTERN,
        "description": (
            f"1 to {NAME_MAX} characters once trimmed, one line, unique; its slug must not "
            "be digits only."
        ),
    },
    "slug": {"type": "string", "pattern": SLUG_PATTERN, "description": "Unique."},
    "grace_seconds": nullable(
        {
            **duration(0),
            "description": "At most half the interval for an interval check. null: the default.",
        }
    ),
    "max_duration_seconds": nullable(duration(1)),
    "host": nullable(ONE_LINE),
    "tags": ONE_LINE_NAMES,
    "description": {"type": "string", "pattern": LINES_PATTERN},
    "alerts": list_of({"type": "string", "enum": [a.value for a in AlertType]}),
    "channels": {**ONE_LINE_NAMES, "description": "Names or tags of existing channels."},
    "failure_threshold": {"type": "integer", "minimum": 1},
    "escalate_to": {**ONE_LINE_NAMES, "description": "Names or tags of existing channels."},
    "escalate_after_seconds": nullable(
        {**duration(1), "description": "Needs escalate_to. " + duration(1)["description"]}
    ),
    "remind_every_seconds": nullable(duration(MIN_REMINDER)),
    "escalation_policy": nullable(
        {**ONE_LINE, "description": "An existing escalation policy's name; null or blank: none."}
    ),
}
_EVERY = duration(MIN_INTERVAL, MAX_INTERVAL)
_CRON = {
    "type": "string",
    "pattern": CRON_PATTERN,
    "example": "0 3 * * *",
    "description": (
        "5 fields or a macro (@hourly, @daily, @weekly, @monthly, @yearly), an expression "
        "that fires; tz is its zone (default the server's)."
    ),
}
_BY_INTERVAL = {"every_seconds": _EVERY, "cron": _only_null("string"), "tz": _only_null("string")}
_BY_CRON = {"every_seconds": _only_null("integer"), "cron": _CRON, "tz": nullable(_ZONE)}


def object_schema(properties: Schema, required: list[str] | None = None, **extra: Any) -> Schema:
    schema: Schema = {"type": "object", "additionalProperties": False, "properties": properties}
    if required:
        schema["required"] = required
    return {**schema, **extra}


def _check_input(new: bool) -> Schema:
    """A new check needs a name and a schedule; a change gives either kind of schedule
    (the other is dropped) or none, and then tz alone changes a cron check's zone."""
    name = ["name"] if new else []
    variants = [
        object_schema({**_CHECK_FIELDS, **_BY_INTERVAL}, [*name, "every_seconds"]),
        object_schema({**_CHECK_FIELDS, **_BY_CRON}, [*name, "cron"]),
    ]
    if not new:
        variants.append(object_schema({**_CHECK_FIELDS, "tz": nullable(_ZONE)}))
    return {"oneOf": variants}


_CHECK: Schema = {
    "type": "object",
    "properties": {
        "id": INTEGER,
        "name": STRING,
        "slug": STRING,
        # null for a read-only token: a ping URL is a credential.
        "uuid": nullable(STRING),
        "ping_url": nullable(STRING),
        "badge_url": nullable(STRING),
        "state": {"type": "string", "enum": [s.value for s in State]},
        "state_since": TIME,
        "every_seconds": nullable(INTEGER),
        "cron": nullable(STRING),
        "tz": nullable(STRING),
        "grace_seconds": INTEGER,
        "max_duration_seconds": nullable(INTEGER),
        "host": nullable(STRING),
        "tags": list_of(STRING),
        "description": STRING,
        "alerts": list_of(STRING),
        "channels": list_of(STRING),
        "failure_threshold": INTEGER,
        "escalate_to": list_of(STRING),
        "escalate_after_seconds": nullable(INTEGER),
        "remind_every_seconds": nullable(INTEGER),
        "escalation_policy": nullable(STRING),
        "paused_until": TIME,
        "created_at": TIME,
        "last_ping_at": TIME,
        "last_duration_seconds": nullable(NUMBER),
        "next_change_at": TIME,
        # Whether its alert would reach a person now.
        "held_by_maintenance": BOOLEAN,
        "acknowledged": BOOLEAN,
        "nobody_would_be_told": BOOLEAN,
    },
}
_WINDOW: Schema = {
    "type": "object",
    "properties": {
        "id": INTEGER,
        "host": STRING,
        "reason": STRING,
        "description": STRING,
        "open": BOOLEAN,
        "starts_at": TIME,
        "ends_at": TIME,
        "weekly": BOOLEAN,
        "next_start": TIME,
    },
}
_WINDOW_FIELDS: Schema = {
    "host": {"type": "string", "pattern": trimmed_pattern(None)},
    "reason": ONE_LINE,
    "force": {
        "type": "boolean",
        "description": "Open it even if no check names the host (else 409).",
    },
}
_NOT_FOR = {"for": _only_null("integer")}
_NOT_ONE_OFF = {"starts_at": _only_null("string"), "ends_at": _only_null("string")}
_NOT_WEEKLY = {"weekly": _only_null("string"), "tz": _only_null("string")}
_WINDOW_INPUT: Schema = {
    "description": (
        "One of: for (from now), ends_at (still to come, with an optional earlier starts_at), "
        "weekly (with tz, default UTC)."
    ),
    "oneOf": [
        object_schema(
            {**_WINDOW_FIELDS, "for": duration(1), **_NOT_ONE_OFF, **_NOT_WEEKLY}, ["host", "for"]
        ),
        object_schema(
            {
                **_WINDOW_FIELDS,
                **_NOT_FOR,
                "starts_at": nullable(A_TIME),
                "ends_at": A_TIME,
                **_NOT_WEEKLY,
            },
            ["host", "ends_at"],
        ),
        object_schema(
            {
                **_WINDOW_FIELDS,
                **_NOT_FOR,
                **_NOT_ONE_OFF,
                "weekly": {
                    "type": "string",
                    "pattern": WEEKLY_PATTERN,
                    "example": "sun 02:00-04:00",
                },
                "tz": nullable(_ZONE),
            },
            ["host", "weekly"],
        ),
    ],
}
_PAUSE: Schema = {
    "description": (
        "Empty: paused until resumed. Otherwise paused_until (still to come) or for, not both."
    ),
    "oneOf": [
        object_schema({}),
        object_schema({"for": duration(1)}, ["for"]),
        object_schema({"paused_until": A_TIME}, ["paused_until"]),
    ],
}
_CHANNEL_NAME: Schema = {
    "type": "string",
    "pattern": trimmed_pattern(NAME_MAX),
    "description": f"1 to {NAME_MAX} characters once trimmed, one line, unique.",
}
_CHANNEL_SETTINGS: Schema = {
    "url": {
        "type": "string",
        "pattern": "://",
        "description": "An Apprise URL Apprise can use (mailto://, ntfys://, slack://, ...).",
    },
    "default": BOOLEAN,
    "tags": ONE_LINE_NAMES,
}
SCHEMAS: dict[str, Schema] = {
    "Error": {
        "type": "object",
        "properties": {"error": STRING, "field": nullable(STRING)},
        "required": ["error", "field"],
    },
    "CheckInput": _check_input(new=True),
    "CheckChange": _check_input(new=False),
    "Check": _CHECK,
    "Pause": _PAUSE,
    "Ping": {
        "type": "object",
        "properties": {
            # Within its check, from 1: what healthchecks' API calls n.
            "number": INTEGER,
            "kind": {"type": "string", "enum": ["success", "start", "fail", "log"]},
            "at": TIME,
            "exit_code": nullable(INTEGER),
            "rid": nullable(STRING),
            "duration_seconds": nullable(NUMBER),
            "remote_addr": nullable(STRING),
            "user_agent": nullable(STRING),
            "body": STRING,
        },
    },
    "Transition": {
        "type": "object",
        "properties": {"at": TIME, "from": STRING, "to": STRING},
    },
    "UnknownPings": {
        "type": "object",
        "properties": {
            "total": INTEGER,
            "latest": list_of(
                {
                    "type": "object",
                    "properties": {
                        "at": TIME,
                        "key": STRING,
                        "remote_addr": nullable(STRING),
                        "user_agent": nullable(STRING),
                        "method": nullable(STRING),
                        "path": nullable(STRING),
                        "body": STRING,
                        "uuid": nullable(STRING),
                        "slug": nullable(STRING),
                    },
                }
            ),
        },
    },
    "Notification": {
        "type": "object",
        "properties": {
            "kind": STRING,
            "channel": STRING,
            "title": STRING,
            "status": STRING,
            "attempts": INTEGER,
            "created_at": TIME,
            "sent_at": TIME,
            "last_error": nullable(STRING),
        },
    },
    "Incident": {
        "type": "object",
        "properties": {
            "id": INTEGER,
            "check_id": INTEGER,
            "check": nullable(STRING),
            "state": STRING,
            "reason": STRING,
            "opened_at": TIME,
            "resolved_at": TIME,
            "resolution": nullable(STRING),
            "acknowledged_at": TIME,
            "escalated_at": TIME,
            "notified": BOOLEAN,
            "policy": nullable(STRING),
            "steps": list_of(ref("IncidentStep")),
            "notifications": list_of(ref("Notification")),
        },
    },
    "Window": _WINDOW,
    "WindowInput": _WINDOW_INPUT,
    "Host": {
        "type": "object",
        "properties": {
            "name": STRING,
            "checks": INTEGER,
            "in_maintenance": BOOLEAN,
            "windows": list_of(ref("Window")),
        },
    },
    "ResumedCheck": {
        "allOf": [
            ref("Check"),
            {
                "type": "object",
                "properties": {
                    "resumed": {
                        "type": "boolean",
                        "description": "false: the check was not paused, and nothing changed.",
                    }
                },
            },
        ]
    },
    "MaintenanceEnded": {
        "type": "object",
        "properties": {"host": STRING, "ended": INTEGER},
    },
    "Channel": {
        "type": "object",
        "properties": {
            "id": INTEGER,
            "name": STRING,
            "url": {"type": "string", "description": "The Apprise URL with its secrets masked."},
            "default": BOOLEAN,
            "tags": list_of(STRING),
            "failing": BOOLEAN,
            "last_error": nullable(STRING),
            "last_error_at": TIME,
            "last_success_at": TIME,
        },
    },
    "ChannelInput": object_schema({"name": _CHANNEL_NAME, **_CHANNEL_SETTINGS}, ["name", "url"]),
    "ChannelChange": object_schema(
        {"name": _CHANNEL_NAME, **_CHANNEL_SETTINGS},
        description=(
            "What is not given stays. A new name carries over to the checks naming the channel."
        ),
    ),
    "TestSent": {"type": "object", "properties": {"ok": BOOLEAN, "channel": STRING}},
}
