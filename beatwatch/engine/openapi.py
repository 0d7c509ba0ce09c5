"""The OpenAPI 3.0 description of the management API, built as data.

A test walks the router and this document both ways, so a route cannot be added or removed
without the document following.
"""

from __future__ import annotations

from typing import Any

from beatwatch.engine.model import AlertType, State

OPENAPI_PATH = "/openapi.json"
Schema = dict[str, Any]


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _list(item: Schema) -> Schema:
    return {"type": "array", "items": item}


def _nullable(kind: str, **extra: Any) -> Schema:
    return {"type": kind, "nullable": True, **extra}


STRING, INTEGER, BOOLEAN = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
TIME = _nullable("string", format="date-time")
DURATION: Schema = {
    "oneOf": [{"type": "integer", "minimum": 0}, {"type": "string", "example": "10m"}],
    "nullable": True,
    "description": "Seconds, or a duration such as 45s, 10m, 2h, 1d, 1w.",
}
NAMES = _list(STRING)

_CHECK_INPUT: Schema = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "name": STRING,
        "slug": STRING,
        "every_seconds": DURATION,
        "cron": _nullable("string", example="0 3 * * *"),
        "tz": _nullable("string", example="Europe/Berlin"),
        "grace_seconds": DURATION,
        "max_duration_seconds": DURATION,
        "host": _nullable("string"),
        "tags": NAMES,
        "description": STRING,
        "alerts": _list({"type": "string", "enum": [a.value for a in AlertType]}),
        "channels": NAMES,
        "failure_threshold": {"type": "integer", "minimum": 1},
        "escalate_to": NAMES,
        "escalate_after_seconds": DURATION,
        "remind_every_seconds": DURATION,
    },
}
_CHECK: Schema = {
    "type": "object",
    "properties": {
        **_CHECK_INPUT["properties"],
        "id": INTEGER,
        # null for a read-only token: a ping URL is a credential.
        "uuid": _nullable("string"),
        "ping_url": _nullable("string"),
        "badge_url": _nullable("string"),
        "state": {"type": "string", "enum": [s.value for s in State]},
        "state_since": TIME,
        "paused_until": TIME,
        "created_at": TIME,
        "last_ping_at": TIME,
        "last_duration_seconds": _nullable("number"),
        "next_change_at": TIME,
    },
}
_NOTIFICATION: Schema = {
    "type": "object",
    "properties": {
        "kind": STRING,
        "channel": STRING,
        "title": STRING,
        "status": STRING,
        "attempts": INTEGER,
        "created_at": TIME,
        "sent_at": TIME,
        "last_error": _nullable("string"),
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
SCHEMAS: dict[str, Schema] = {
    "Error": {
        "type": "object",
        "properties": {"error": STRING, "field": _nullable("string")},
        "required": ["error", "field"],
    },
    "CheckInput": _CHECK_INPUT,
    "Check": _CHECK,
    "Pause": {
        "type": "object",
        "additionalProperties": False,
        "description": (
            "Empty: paused until resumed. Otherwise paused_until (in the future) or for "
            "(at most 3650d), not both."
        ),
        "properties": {"paused_until": {"type": "string", "format": "date-time"}, "for": DURATION},
    },
    "Ping": {
        "type": "object",
        "properties": {
            "kind": {"type": "string", "enum": ["success", "start", "fail", "log"]},
            "at": TIME,
            "exit_code": _nullable("integer"),
            "rid": _nullable("string"),
            "duration_seconds": _nullable("number"),
            "remote_addr": _nullable("string"),
            "user_agent": _nullable("string"),
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
            "latest": _list(
                {
                    "type": "object",
                    "properties": {
                        "at": TIME,
                        "key": STRING,
                        "remote_addr": _nullable("string"),
                        "user_agent": _nullable("string"),
                    },
                }
            ),
        },
    },
    "Notification": _NOTIFICATION,
    "Incident": {
        "type": "object",
        "properties": {
            "id": INTEGER,
            "check_id": INTEGER,
            "check": _nullable("string"),
            "state": STRING,
            "reason": STRING,
            "opened_at": TIME,
            "resolved_at": TIME,
            "resolution": _nullable("string"),
            "acknowledged_at": TIME,
            "escalated_at": TIME,
            "notified": BOOLEAN,
            "notifications": _list(_ref("Notification")),
        },
    },
    "Window": _WINDOW,
    "WindowInput": {
        "type": "object",
        "additionalProperties": False,
        "required": ["host"],
        "description": "One of: for (from now), ends_at (with optional starts_at), weekly.",
        "properties": {
            "host": STRING,
            "for": DURATION,
            "starts_at": {"type": "string", "format": "date-time"},
            "ends_at": {"type": "string", "format": "date-time"},
            "weekly": {"type": "string", "example": "sun 02:00-04:00"},
            "tz": {"type": "string", "description": "Zone of a weekly window; default UTC."},
            "reason": STRING,
        },
    },
    "Host": {
        "type": "object",
        "properties": {
            "name": STRING,
            "checks": INTEGER,
            "in_maintenance": BOOLEAN,
            "windows": _list(_ref("Window")),
        },
    },
    "ResumedCheck": {
        "allOf": [
            _ref("Check"),
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
            "tags": NAMES,
            "failing": BOOLEAN,
            "last_error": _nullable("string"),
            "last_error_at": TIME,
            "last_success_at": TIME,
        },
    },
    "ChannelInput": {
        "type": "object",
        "additionalProperties": False,
        "properties": {"name": STRING, "url": STRING, "default": BOOLEAN, "tags": NAMES},
    },
    "TestSent": {"type": "object", "properties": {"ok": BOOLEAN, "channel": STRING}},
}

_ERRORS = {
    "400": "Bad input; `field` names what to fix",
    "401": "No token, or one that is not valid",
    "403": "A read-only token on a route that changes something",
    "404": "Nothing with that id or name",
    "429": "Too many requests from this address; try again after Retry-After seconds",
    "503": "The database cannot take changes right now",
}


def _json(schema: Schema, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _path_param(name: str, description: str, kind: str = "string") -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": kind},
    }


def _query_param(name: str, description: str, schema: Schema) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


CHECK_REF = _path_param("ref", "The check's id, slug, uuid or name.")
INCIDENT_ID = _path_param("incident_id", "The incident's id.", "integer")
WINDOW_ID = _path_param("window_id", "The maintenance window's id.", "integer")
CHANNEL_NAME = _path_param("name", "The channel's name.")
HOST_NAME = _path_param("host", "The host's name.")


def _limit(most: int, default: int) -> dict[str, Any]:
    return _query_param(
        "limit",
        "How many, newest first.",
        {"type": "integer", "minimum": 1, "maximum": most, "default": default},
    )


def _operation(
    summary: str,
    reply: Schema | None,
    *,
    status: str = "200",
    params: list[dict[str, Any]] | None = None,
    body: str | None = None,
    body_required: bool = True,
    extra: dict[str, str] | None = None,
) -> dict[str, Any]:
    responses: dict[str, Any] = (
        {status: _json(reply, "Success")}
        if reply is not None
        else {status: {"description": "Done"}}
    )
    for code, text in {**_ERRORS, **(extra or {})}.items():
        responses[code] = _json(_ref("Error"), text)
    operation: dict[str, Any] = {"summary": summary, "responses": responses}
    if params:
        operation["parameters"] = params
    if body is not None:
        operation["requestBody"] = {
            "required": body_required,
            "content": {"application/json": {"schema": _ref(body)}},
        }
    return operation


def _paths() -> dict[str, dict[str, Any]]:
    check, checks = _ref("Check"), _list(_ref("Check"))
    incident = _ref("Incident")
    return {
        "/checks": {
            "get": _operation("List every check", checks),
            "post": _operation(
                "Create a check; the reply holds its ping URL",
                check,
                status="201",
                body="CheckInput",
            ),
        },
        "/checks/{ref}": {
            "get": _operation("One check", check, params=[CHECK_REF]),
            "patch": _operation(
                "Change some fields of a check; the rest keep their values",
                check,
                params=[CHECK_REF],
                body="CheckInput",
            ),
            "delete": _operation(
                "Delete a check and its history", None, status="204", params=[CHECK_REF]
            ),
        },
        "/checks/{ref}/pause": {
            "post": _operation(
                "Pause a check, until a time or until resumed",
                check,
                params=[CHECK_REF],
                body="Pause",
                body_required=False,
            )
        },
        "/checks/{ref}/resume": {
            "post": _operation(
                "Resume a check; its missed clock starts again now",
                _ref("ResumedCheck"),
                params=[CHECK_REF],
            )
        },
        "/checks/{ref}/pings": {
            "get": _operation(
                "A check's pings, newest first",
                _list(_ref("Ping")),
                params=[CHECK_REF, _limit(100, 100)],
            )
        },
        "/checks/{ref}/transitions": {
            "get": _operation(
                "A check's state changes, newest first",
                _list(_ref("Transition")),
                params=[CHECK_REF, _limit(100, 100)],
            )
        },
        "/unknown-pings": {
            "get": _operation(
                "Pings that matched no check: where crontab typos show", _ref("UnknownPings")
            )
        },
        "/incidents": {
            "get": _operation(
                "Incidents, newest first, with their notifications",
                _list(incident),
                params=[
                    _query_param(
                        "open", "1: only unresolved incidents.", {"type": "integer", "enum": [0, 1]}
                    ),
                    _limit(1000, 50),
                ],
            )
        },
        "/incidents/{incident_id}": {
            "get": _operation("One incident with its notifications", incident, params=[INCIDENT_ID])
        },
        "/incidents/{incident_id}/ack": {
            "post": _operation(
                "Acknowledge an incident: stops its escalation and reminders",
                incident,
                params=[INCIDENT_ID],
            )
        },
        "/hosts": {
            "get": _operation(
                "Hosts with their checks and maintenance windows", _list(_ref("Host"))
            )
        },
        "/hosts/{host}/end-maintenance": {
            "post": _operation(
                "End the maintenance open on a host now (a weekly window skips this time only)",
                _ref("MaintenanceEnded"),
                params=[HOST_NAME],
            )
        },
        "/windows": {
            "get": _operation("Every maintenance window", _list(_ref("Window"))),
            "post": _operation(
                "Open a maintenance window: now for a while, between two times, or weekly",
                _ref("Window"),
                status="201",
                body="WindowInput",
            ),
        },
        "/windows/{window_id}": {
            "delete": _operation(
                "Delete a maintenance window", None, status="204", params=[WINDOW_ID]
            )
        },
        "/channels": {
            "get": _operation("Channels, URLs masked, with their health", _list(_ref("Channel"))),
            "post": _operation(
                "Add a channel (an Apprise URL, checked now)",
                _ref("Channel"),
                status="201",
                body="ChannelInput",
            ),
        },
        "/channels/{name}": {
            "patch": _operation(
                "Change a channel in place: name, URL, default flag or tags; its unsent "
                "messages stay, and a new name carries over to the checks naming it",
                _ref("Channel"),
                params=[CHANNEL_NAME],
                body="ChannelInput",
            ),
            "delete": _operation(
                "Remove a channel and its unsent messages",
                None,
                status="204",
                params=[CHANNEL_NAME],
            ),
        },
        "/channels/{name}/test": {
            "post": _operation(
                "Send a test message now",
                _ref("TestSent"),
                params=[CHANNEL_NAME],
                extra={"502": "The channel did not take the message; `error` says why"},
            )
        },
        OPENAPI_PATH: {
            "get": {
                "summary": "This document (needs no token)",
                "security": [],
                "responses": {"200": {"description": "The OpenAPI document"}},
            }
        },
    }


def openapi_document(server_url: str) -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "beatwatch management API",
            "version": "1",
            "description": (
                "Everything the terminal UI can do. Send `Authorization: Bearer <token>`; make "
                "a token with `beatwatch token create` (read-only tokens may only GET). Errors "
                'are {"error": "...", "field": "..."}.'
            ),
        },
        "servers": [{"url": server_url}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": SCHEMAS,
        },
        "paths": _paths(),
    }
