"""API routes for checks: list, create, read, change, delete, pause and resume, and a
check's pings and state history; also the pings that matched no check."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from beatwatch.core.errors import ValidationError
from beatwatch.core.model import PINGS_KEPT, AlertType, Check
from beatwatch.core.validation import CheckSpec
from beatwatch.service.json_shapes import (
    check_to_dict,
    ping_to_dict,
    transition_to_dict,
    unknown_ping_to_dict,
)
from beatwatch.store.database import TRANSITIONS_KEPT
from beatwatch.web import api_http as http

if TYPE_CHECKING:
    from beatwatch.service.service import Service


def _alert_types(value: Any) -> frozenset[AlertType]:
    words = http.names(value)
    unknown = [w for w in words if w not in set(AlertType)]
    if unknown:
        raise ValueError(f"{unknown[0]!r} is not an alert type (missed, failing, stuck, long)")
    return frozenset(AlertType(w) for w in words)


# JSON field -> (CheckSpec field, parser). The names are those of the check JSON, so what a
# GET returns can be changed and sent back.
_CHECK_FIELDS: dict[str, tuple[str, http.Parser]] = {
    "name": ("name", http.text),
    "slug": ("slug", http.text),
    "every_seconds": ("every_seconds", http.nullable(http.duration)),
    "cron": ("cron", http.nullable(http.text)),
    "tz": ("tz", http.nullable(http.text)),
    "grace_seconds": ("grace_seconds", http.nullable(http.duration)),
    "max_duration_seconds": ("max_duration_seconds", http.nullable(http.duration)),
    "host": ("host", http.nullable(http.text)),
    "tags": ("tags", http.names),
    "description": ("description", http.text),
    "alerts": ("alerts", _alert_types),
    "channels": ("channels", http.names),
    "failure_threshold": ("failure_threshold", http.whole_number),
    "escalate_to": ("escalation_channels", http.names),
    "escalate_after_seconds": ("escalate_after_seconds", http.nullable(http.duration)),
    "remind_every_seconds": ("remind_every_seconds", http.nullable(http.duration)),
    "escalation_policy": ("escalation_policy", http.nullable(http.text)),
}
# Validation speaks the command line's option names; the API answers in its own.
_API_FIELD = {
    "every": "every_seconds",
    "grace": "grace_seconds",
    "max_duration": "max_duration_seconds",
    "escalate_after": "escalate_after_seconds",
    "remind_every": "remind_every_seconds",
}
# The service's names for a pause's fields -> the JSON's.
_PAUSE_FIELD_NAMES = {"until": "paused_until", "duration": "for"}


async def _spec_changes(request: web.Request) -> dict[str, Any]:
    """The CheckSpec fields a request body sets. Naming one kind of schedule drops the other."""
    data = await http.json_object(request)
    parsers = {key: parser for key, (_, parser) in _CHECK_FIELDS.items()}
    given = http.parse_fields(data, parsers)
    changes = {_CHECK_FIELDS[key][0]: value for key, value in given.items()}
    if changes.get("every_seconds") is not None:
        changes.setdefault("cron", None)
        changes.setdefault("tz", None)
    if changes.get("cron") is not None:
        changes.setdefault("every_seconds", None)
    return changes


def check_routes(service: Service) -> list[web.RouteDef]:
    async def checks_json(request: web.Request, checks: list[Check]) -> list[dict[str, Any]]:
        keys = await service.badge_keys()
        reach = await service.alerts.reach_of(checks)
        now = service.clock.now()
        reveal = http.may_see_credentials(request)
        # A check deleted by another process meanwhile may have no key: it has no badge then.
        return [
            {
                **check_to_dict(c, service.ping_url(c) if reveal else None, now, reach[c.id]),
                "badge_url": service.badge_url(keys[c.id]) if c.id in keys else None,
            }
            for c in checks
        ]

    async def check_json(request: web.Request, check: Check) -> dict[str, Any]:
        return (await checks_json(request, [check]))[0]

    async def list_checks(request: web.Request) -> web.Response:
        return web.json_response(await checks_json(request, await service.list_checks()))

    async def create_check(request: web.Request) -> web.Response:
        changes = await _spec_changes(request)
        if "name" not in changes:
            raise ValidationError("name", "a new check needs a name")
        try:
            check = await service.add_check(CheckSpec(**changes))
        except ValidationError as exc:
            raise exc.named(_API_FIELD) from None
        return web.json_response(await check_json(request, check), status=201)

    async def get_check(request: web.Request) -> web.Response:
        check = await service.get_check(request.match_info["ref"])
        return web.json_response(await check_json(request, check))

    async def update_check(request: web.Request) -> web.Response:
        changes = await _spec_changes(request)
        try:
            check = await service.update_check(request.match_info["ref"], **changes)
        except ValidationError as exc:
            raise exc.named(_API_FIELD) from None
        return web.json_response(await check_json(request, check))

    async def delete_check(request: web.Request) -> web.Response:
        await service.delete_check(request.match_info["ref"])
        return web.Response(status=204)

    async def pause_check(request: web.Request) -> web.Response:
        fields = {"paused_until": http.point_in_time(service.clock), "for": http.duration}
        given = http.parse_fields(await http.json_object(request, required=False), fields)
        try:
            check = await service.pause_check(
                request.match_info["ref"],
                until=given.get("paused_until"),
                duration=given.get("for"),
            )
        except ValidationError as exc:
            raise exc.named(_PAUSE_FIELD_NAMES) from None
        return web.json_response(await check_json(request, check))

    async def resume_check(request: web.Request) -> web.Response:
        await http.no_fields(request)
        # A check that was not paused is no error (a script may resume to be sure), but the
        # reply says nothing was resumed.
        resumed = await service.resume_check(request.match_info["ref"])
        reply = await check_json(request, resumed.check)
        return web.json_response({**reply, "resumed": resumed.was_paused})

    async def pings(request: web.Request) -> web.Response:
        limit = http.query_int(request, "limit", PINGS_KEPT, 1, PINGS_KEPT)
        found = await service.pings(request.match_info["ref"], limit)
        return web.json_response([ping_to_dict(p) for p in found])

    async def transitions(request: web.Request) -> web.Response:
        limit = http.query_int(request, "limit", TRANSITIONS_KEPT, 1, TRANSITIONS_KEPT)
        found = await service.transitions(request.match_info["ref"], limit)
        return web.json_response([transition_to_dict(t) for t in found])

    async def unknown_pings(request: web.Request) -> web.Response:
        latest = await service.unknown_pings()
        total = await service.unknown_ping_count()
        return web.json_response(
            {"total": total, "latest": [unknown_ping_to_dict(p) for p in latest]}
        )

    return [
        web.get("/checks", list_checks),
        web.post("/checks", create_check),
        web.get("/checks/{ref}", get_check),
        web.patch("/checks/{ref}", update_check),
        web.delete("/checks/{ref}", delete_check),
        web.post("/checks/{ref}/pause", pause_check),
        web.post("/checks/{ref}/resume", resume_check),
        web.get("/checks/{ref}/pings", pings),
        web.get("/checks/{ref}/transitions", transitions),
        web.get("/unknown-pings", unknown_pings),
    ]
