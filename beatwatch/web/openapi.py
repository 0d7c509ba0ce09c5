"""The OpenAPI 3.0 description of the management API, built as data.

A test walks the router and this document both ways, so a route cannot be added or removed
without the document following.
"""

from __future__ import annotations

import re
from typing import Any

from beatwatch.web.openapi_oncall import ONCALL_SCHEMAS
from beatwatch.web.openapi_schemas import SCHEMAS, Schema, list_of, ref

OPENAPI_PATH = "/openapi.json"
# The name each error reply is described under, once, in components/responses -> (its status,
# what it means). Two replies may share a status and mean different things.
_ERRORS = {
    "BadInput": ("400", "Bad input; `field` names what to fix"),
    "NoToken": ("401", "No token, or one that is not valid"),
    "ReadOnly": ("403", "A read-only token on a route that changes something"),
    "NotFound": ("404", "Nothing with that id or name"),
    "TooLarge": ("413", "The request body is too large"),
    "TooMany": ("429", "Too many requests from this address; try again after Retry-After seconds"),
    "Failed": ("500", "beatwatch failed; its log says why"),
    "Unavailable": ("503", "The database cannot take changes right now"),
    "Taken": ("409", "The name (or slug) is taken by another; `field` names which"),
    "HostUnwatched": (
        "409",
        "No check names the host (most likely a typo, which would silence nothing); "
        '`field` is "host"; send "force": true to open the window anyway',
    ),
    "NotDelivered": ("502", "The channel did not take the message; `error` says why"),
    "InUse": ("409", "Still named by something else; `error` says what, to change first"),
}
_ALWAYS = (
    "BadInput",
    "NoToken",
    "ReadOnly",
    "NotFound",
    "TooLarge",
    "TooMany",
    "Failed",
    "Unavailable",
)
TAKEN = ("Taken",)


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
PERSON = _path_param("person", "The person's name.")
ROTATION = _path_param("rotation", "The rotation's name.")
POLICY = _path_param("policy", "The escalation policy's name.")
OVERRIDE_ID = _path_param("override_id", "The override's id.", "integer")


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
    extra: tuple[str, ...] = (),
) -> dict[str, Any]:
    responses: dict[str, Any] = (
        {status: _json(reply, "Success")}
        if reply is not None
        else {status: {"description": "Done"}}
    )
    for name in (*_ALWAYS, *extra):
        responses[_ERRORS[name][0]] = {"$ref": f"#/components/responses/{name}"}
    operation: dict[str, Any] = {"summary": summary, "responses": responses}
    if params:
        operation["parameters"] = params
    if body is not None:
        operation["requestBody"] = {
            "required": body_required,
            "content": {"application/json": {"schema": ref(body)}},
        }
    return operation


def _paths() -> dict[str, dict[str, Any]]:
    check, checks = ref("Check"), list_of(ref("Check"))
    incident = ref("Incident")
    return {
        "/checks": {
            "get": _operation("List every check", checks),
            "post": _operation(
                "Create a check; the reply holds its ping URL",
                check,
                status="201",
                body="CheckInput",
                extra=TAKEN,
            ),
        },
        "/checks/{ref}": {
            "get": _operation("One check", check, params=[CHECK_REF]),
            "patch": _operation(
                "Change some fields of a check; the rest keep their values",
                check,
                params=[CHECK_REF],
                body="CheckChange",
                extra=TAKEN,
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
                ref("ResumedCheck"),
                params=[CHECK_REF],
            )
        },
        "/checks/{ref}/pings": {
            "get": _operation(
                "A check's pings, newest first",
                list_of(ref("Ping")),
                params=[CHECK_REF, _limit(100, 100)],
            )
        },
        "/checks/{ref}/transitions": {
            "get": _operation(
                "A check's state changes, newest first",
                list_of(ref("Transition")),
                params=[CHECK_REF, _limit(100, 100)],
            )
        },
        "/unknown-pings": {
            "get": _operation(
                "Pings that matched no check: where crontab typos show", ref("UnknownPings")
            )
        },
        "/incidents": {
            "get": _operation(
                "Incidents, newest first, with their notifications",
                list_of(incident),
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
                "Hosts with their checks and maintenance windows", list_of(ref("Host"))
            )
        },
        "/hosts/{host}/end-maintenance": {
            "post": _operation(
                "End the maintenance open on a host now (a weekly window skips this time only)",
                ref("MaintenanceEnded"),
                params=[HOST_NAME],
            )
        },
        "/windows": {
            "get": _operation("Every maintenance window", list_of(ref("Window"))),
            "post": _operation(
                "Open a maintenance window: now for a while, between two times, or weekly",
                ref("Window"),
                status="201",
                body="WindowInput",
                extra=("HostUnwatched",),
            ),
        },
        "/windows/{window_id}": {
            "delete": _operation(
                "Delete a maintenance window", None, status="204", params=[WINDOW_ID]
            )
        },
        "/channels": {
            "get": _operation("Channels, URLs masked, with their health", list_of(ref("Channel"))),
            "post": _operation(
                "Add a channel (an Apprise URL, checked now)",
                ref("Channel"),
                status="201",
                body="ChannelInput",
                extra=TAKEN,
            ),
        },
        "/channels/{name}": {
            "patch": _operation(
                "Change a channel in place: name, URL, default flag or tags; its unsent "
                "messages stay, and a new name carries over to the checks naming it",
                ref("Channel"),
                params=[CHANNEL_NAME],
                body="ChannelChange",
                extra=TAKEN,
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
                ref("TestSent"),
                params=[CHANNEL_NAME],
                extra=("NotDelivered",),
            )
        },
        **_oncall_paths(),
        OPENAPI_PATH: {
            "get": {
                "summary": "This document (needs no token)",
                "security": [],
                "responses": {"200": {"description": "The OpenAPI document"}},
            }
        },
    }


def _collection(path: str, shape: str, listed: str, added: str, taken: bool = True) -> Schema:
    """A list of things and the way to add one."""
    created = _operation(
        added, ref(shape), status="201", body=f"{shape}Input", extra=TAKEN if taken else ()
    )
    return {path: {"get": _operation(listed, list_of(ref(shape))), "post": created}}


def _member(path: str, param: dict[str, Any], shape: str | None, removed: str) -> Schema:
    """One thing by name (changed with `shape`Change) or id; removing it is refused while
    something else names it."""
    item: dict[str, Any] = {
        "delete": _operation(removed, None, status="204", params=[param], extra=("InUse",))
    }
    if shape is not None:
        item["patch"] = _operation(
            "Change some of its settings; what is not given keeps its value",
            ref(shape),
            params=[param],
            body=f"{shape}Change",
        )
    return {path: item}


def _oncall_paths() -> dict[str, dict[str, Any]]:
    return {
        "/oncall": {
            "get": _operation(
                "Who is on call now and next in each rotation, and the coming hand-offs",
                list_of(ref("OnCall")),
            )
        },
        **_collection(
            "/people", "Person", "People and the channels that reach them", "Add a person"
        ),
        **_member(
            "/people/{person}",
            PERSON,
            "Person",
            "Remove a person no rotation, policy or override names",
        ),
        **_collection(
            "/rotations",
            "Rotation",
            "Rotations: their people and hand-off rule",
            "Add a rotation: people on call in turn, handing off every N days or weeks",
        ),
        **_member(
            "/rotations/{rotation}", ROTATION, "Rotation", "Remove a rotation no policy names"
        ),
        **_collection(
            "/overrides",
            "Override",
            "Overrides in force now or to come",
            "Put someone on call in a rotation for a while",
            taken=False,
        ),
        "/overrides/{override_id}": {
            "delete": _operation(
                "Remove an override: the rotation's schedule applies again",
                None,
                status="204",
                params=[OVERRIDE_ID],
            )
        },
        **_collection(
            "/policies", "Policy", "Escalation policies and their steps", "Add an escalation policy"
        ),
        **_member(
            "/policies/{policy}", POLICY, "Policy", "Remove an escalation policy no check names"
        ),
    }


def operation_id(method: str, path: str) -> str:
    """ "post", "/checks/{ref}/pause" -> "postChecksRefPause"."""
    words = re.findall(r"[a-z]+", path.lower())
    return method + "".join(w.capitalize() for w in words)


# A reply that made something -> (where its id is, the path parameter it fills, the paths
# that take it): links let a client (and a fuzzer) go on to what was made.
_LINKS = {
    "/checks": (
        "$response.body#/id",
        "ref",
        [
            "/checks/{ref}",
            "/checks/{ref}/pause",
            "/checks/{ref}/resume",
            "/checks/{ref}/pings",
            "/checks/{ref}/transitions",
        ],
    ),
    "/channels": ("$response.body#/name", "name", ["/channels/{name}", "/channels/{name}/test"]),
    "/windows": ("$response.body#/id", "window_id", ["/windows/{window_id}"]),
    "/people": ("$response.body#/name", "person", ["/people/{person}"]),
    "/rotations": ("$response.body#/name", "rotation", ["/rotations/{rotation}"]),
    "/overrides": ("$response.body#/id", "override_id", ["/overrides/{override_id}"]),
    "/policies": ("$response.body#/name", "policy", ["/policies/{policy}"]),
}


def _linked(paths: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Every operation with its operationId, and the creating ones with their links."""
    for path, item in paths.items():
        for method, operation in item.items():
            operation["operationId"] = operation_id(method, path)
    for source, (value, parameter, targets) in _LINKS.items():
        created = paths[source]["post"]["responses"]["201"]
        created["links"] = {
            operation_id(method, target): {
                "operationId": operation_id(method, target),
                "parameters": {parameter: value},
            }
            for target in targets
            for method in paths[target]
        }
    return paths


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
            "schemas": {**SCHEMAS, **ONCALL_SCHEMAS},
            "responses": {name: _json(ref("Error"), text) for name, (_, text) in _ERRORS.items()},
        },
        "paths": _linked(_paths()),
    }
