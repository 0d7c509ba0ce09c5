"""The JSON shapes of the on-call routes as OpenAPI 3.0 schemas: people, rotations,
overrides, escalation policies and who is on call. Rules JSON Schema cannot state (a channel,
person or rotation that exists, a zone that exists, a date within ten years, a step's target
and order) are in the descriptions; the server answers 400 naming the field."""

from __future__ import annotations

from beatwatch.core.escalation import STEPS_MAX
from beatwatch.core.model import NAME_MAX
from beatwatch.core.oncall import ROTATION_PEOPLE_MAX
from beatwatch.web.openapi_schemas import (
    A_TIME,
    BOOLEAN,
    INTEGER,
    ONE_LINE,
    ONE_LINE_NAMES,
    SPACES,
    STRING,
    TIME,
    Schema,
    list_of,
    nullable,
    object_schema,
    trimmed_pattern,
)

_NAME: Schema = {
    "type": "string",
    "pattern": trimmed_pattern(NAME_MAX),
    "description": f"1 to {NAME_MAX} characters once trimmed, one line, unique.",
}
_CHANNELS: Schema = {
    **ONE_LINE_NAMES,
    "minItems": 1,
    "description": "Names or tags of existing channels that reach the person; at least one "
    "that is not blank.",
}
_ROTATION_SETTINGS: Schema = {
    "people": {
        **ONE_LINE_NAMES,
        "minItems": 1,
        "maxItems": ROTATION_PEOPLE_MAX,
        "description": "Existing people, on call in this order (one may appear more than once).",
    },
    "every": {
        "type": "string",
        "pattern": f"^[{SPACES}]*[0-9]{{1,3}}[{SPACES}]*[dDwW][{SPACES}]*$",
        "example": "1w",
        "description": "How long a shift lasts: days or weeks, 1d to 366d. Default 1w.",
    },
    "at": {
        "type": "string",
        "pattern": f"^[{SPACES}]*(?:[01]?[0-9]|2[0-3]):[0-5][0-9][{SPACES}]*$",
        "example": "09:00",
        "description": "The hand-off's local time. Default 09:00.",
    },
    "tz": {**ONE_LINE, "example": "Europe/Berlin", "description": "An IANA zone. Default UTC."},
    "start": nullable(
        {
            "type": "string",
            "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
            "example": "2026-11-30",
            "description": "The first shift's date, within ten years of today (default today); "
            "weekly shifts hand off on its weekday.",
        }
    ),
}
_STEPS: Schema = {
    **ONE_LINE_NAMES,
    "minItems": 1,
    "maxItems": STEPS_MAX,
    "example": ["rotation:primary", "15m next:primary", "30m channel:ops"],
    "description": (
        '"[DELAY ]KIND:NAME", KIND one of rotation, next, person, channel, naming one that '
        "exists; the first without a delay, each delay (from the first alert) at least the one "
        "before."
    ),
}
_POLICY_SETTINGS: Schema = {
    "steps": _STEPS,
    "tags": {**ONE_LINE_NAMES, "description": "Checks with one of these tags follow it."},
    "default": {
        "type": "boolean",
        "description": "Checks naming no policy and no channel follow it (one default at most).",
    },
}
_HANDOFF: Schema = {
    "type": "object",
    "properties": {"at": TIME, "person": nullable(STRING), "previous": nullable(STRING)},
}
_OVERRIDE: Schema = {
    "type": "object",
    "properties": {
        "id": INTEGER,
        "rotation": nullable(STRING),
        "person": STRING,
        "starts_at": TIME,
        "ends_at": TIME,
    },
}
ONCALL_SCHEMAS: dict[str, Schema] = {
    "Person": {
        "type": "object",
        "properties": {"id": INTEGER, "name": STRING, "channels": list_of(STRING)},
    },
    "PersonInput": object_schema({"name": _NAME, "channels": _CHANNELS}, ["name", "channels"]),
    "PersonChange": object_schema({"channels": _CHANNELS}, ["channels"]),
    "Rotation": {
        "type": "object",
        "properties": {
            "id": INTEGER,
            "name": STRING,
            "people": list_of(STRING),
            "every": STRING,
            "at": STRING,
            "tz": STRING,
            "start": STRING,
            "description": STRING,
        },
    },
    "RotationInput": object_schema({"name": _NAME, **_ROTATION_SETTINGS}, ["name", "people"]),
    "RotationChange": object_schema(_ROTATION_SETTINGS, description="What is not given stays."),
    "Override": _OVERRIDE,
    "OverrideInput": object_schema(
        {
            "rotation": ONE_LINE,
            "person": {**ONE_LINE, "description": "An existing person."},
            "starts_at": nullable({**A_TIME, "description": "Default now."}),
            "ends_at": {**A_TIME, "description": "After starts_at and still to come."},
        },
        ["rotation", "person", "ends_at"],
    ),
    "Policy": {
        "type": "object",
        "properties": {
            "id": INTEGER,
            "name": STRING,
            "steps": list_of(STRING),
            "tags": list_of(STRING),
            "default": BOOLEAN,
        },
    },
    "PolicyInput": object_schema({"name": _NAME, **_POLICY_SETTINGS}, ["name", "steps"]),
    "PolicyChange": object_schema(_POLICY_SETTINGS, description="What is not given stays."),
    "OnCall": {
        "type": "object",
        "properties": {
            "rotation": STRING,
            "on_call": nullable(STRING),
            "override": nullable(_OVERRIDE),
            "next": nullable(STRING),
            "handoffs": list_of(_HANDOFF),
        },
    },
    "IncidentStep": {
        "type": "object",
        "properties": {
            "step": INTEGER,
            "handoff": BOOLEAN,
            "at": TIME,
            "target": STRING,
            "rotation": nullable(STRING),
            "person": nullable(STRING),
            "channels": list_of(STRING),
        },
    },
}
