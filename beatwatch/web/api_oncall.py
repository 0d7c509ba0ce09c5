"""API routes for who is on call: people, rotations, overrides, escalation policies."""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Any

from aiohttp import web

from beatwatch.core.errors import ValidationError
from beatwatch.service.oncall_shapes import (
    override_to_dict,
    person_to_dict,
    policy_to_dict,
    rotation_to_dict,
    status_to_dict,
)
from beatwatch.web import api_http as http
from beatwatch.web.api_alerts import ID

if TYPE_CHECKING:
    from beatwatch.service.service import Service

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _date(value: Any) -> date:
    raw = http.text(value)
    try:
        if not _DATE.fullmatch(raw):
            raise ValueError
        return date.fromisoformat(raw)
    except ValueError:
        raise ValueError("must be a date such as 2026-11-30") from None


_PERSON_FIELDS: dict[str, http.Parser] = {"name": http.text, "channels": http.names}
_ROTATION_FIELDS: dict[str, http.Parser] = {
    "name": http.text,
    "people": http.names,
    "every": http.text,
    "at": http.text,
    "tz": http.text,
    "start": http.nullable(_date),
}
_POLICY_FIELDS: dict[str, http.Parser] = {
    "name": http.text,
    "steps": http.names,
    "tags": http.names,
    "default": http.flag,
}


def _required(given: dict[str, Any], *names: str) -> None:
    for name in names:
        if name not in given:
            raise ValidationError(name, f"{name} is required")


def oncall_routes(service: Service) -> list[web.RouteDef]:
    oncall = service.oncall
    moment = http.point_in_time(service.clock)
    override_fields: dict[str, http.Parser] = {
        "rotation": http.text,
        "person": http.text,
        "starts_at": http.nullable(moment),
        "ends_at": moment,
    }

    async def board(request: web.Request) -> web.Response:
        return web.json_response([status_to_dict(s) for s in await oncall.board()])

    async def list_people(request: web.Request) -> web.Response:
        return web.json_response([person_to_dict(p) for p in await oncall.people()])

    async def create_person(request: web.Request) -> web.Response:
        given = http.parse_fields(await http.json_object(request), _PERSON_FIELDS)
        _required(given, "name", "channels")
        person = await oncall.add_person(given["name"], given["channels"])
        return web.json_response(person_to_dict(person), status=201)

    async def update_person(request: web.Request) -> web.Response:
        fields = {"channels": http.names}
        given = http.parse_fields(await http.json_object(request), fields)
        _required(given, "channels")
        person = await oncall.update_person(request.match_info["person"], given["channels"])
        return web.json_response(person_to_dict(person))

    async def delete_person(request: web.Request) -> web.Response:
        await oncall.remove_person(request.match_info["person"])
        return web.Response(status=204)

    async def list_rotations(request: web.Request) -> web.Response:
        return web.json_response([rotation_to_dict(r) for r in await oncall.rotations()])

    async def create_rotation(request: web.Request) -> web.Response:
        given = http.parse_fields(await http.json_object(request), _ROTATION_FIELDS)
        _required(given, "name", "people")
        rotation = await oncall.add_rotation(
            given["name"],
            given["people"],
            given.get("every", "1w"),
            given.get("at", "09:00"),
            given.get("tz", "UTC"),
            given.get("start"),
        )
        return web.json_response(rotation_to_dict(rotation), status=201)

    async def update_rotation(request: web.Request) -> web.Response:
        given = http.parse_fields(await http.json_object(request), _ROTATION_FIELDS)
        if "name" in given:
            raise ValidationError("name", "a rotation keeps its name")
        rotation = await oncall.update_rotation(request.match_info["rotation"], **given)
        return web.json_response(rotation_to_dict(rotation))

    async def delete_rotation(request: web.Request) -> web.Response:
        await oncall.remove_rotation(request.match_info["rotation"])
        return web.Response(status=204)

    async def list_overrides(request: web.Request) -> web.Response:
        names = {r.id: r.name for r in await oncall.rotations()}
        overrides = await oncall.overrides()
        return web.json_response([override_to_dict(o, names.get(o.rotation_id)) for o in overrides])

    async def create_override(request: web.Request) -> web.Response:
        given = http.parse_fields(await http.json_object(request), override_fields)
        _required(given, "rotation", "person", "ends_at")
        override = await oncall.add_override(
            given["rotation"], given["person"], given.get("starts_at"), given["ends_at"]
        )
        return web.json_response(override_to_dict(override, given["rotation"]), status=201)

    async def delete_override(request: web.Request) -> web.Response:
        await oncall.remove_override(int(request.match_info["override_id"]))
        return web.Response(status=204)

    async def list_policies(request: web.Request) -> web.Response:
        return web.json_response([policy_to_dict(p) for p in await oncall.policies()])

    async def create_policy(request: web.Request) -> web.Response:
        given = http.parse_fields(await http.json_object(request), _POLICY_FIELDS)
        _required(given, "name", "steps")
        policy = await oncall.add_policy(
            given["name"], given["steps"], given.get("tags", ()), given.get("default", False)
        )
        return web.json_response(policy_to_dict(policy), status=201)

    async def update_policy(request: web.Request) -> web.Response:
        given = http.parse_fields(await http.json_object(request), _POLICY_FIELDS)
        if "name" in given:
            raise ValidationError("name", "a policy keeps its name")
        policy = await oncall.update_policy(
            request.match_info["policy"],
            steps=given.get("steps"),
            tags=given.get("tags"),
            is_default=given.get("default"),
        )
        return web.json_response(policy_to_dict(policy))

    async def delete_policy(request: web.Request) -> web.Response:
        await oncall.remove_policy(request.match_info["policy"])
        return web.Response(status=204)

    return [
        web.get("/oncall", board),
        web.get("/people", list_people),
        web.post("/people", create_person),
        web.patch("/people/{person}", update_person),
        web.delete("/people/{person}", delete_person),
        web.get("/rotations", list_rotations),
        web.post("/rotations", create_rotation),
        web.patch("/rotations/{rotation}", update_rotation),
        web.delete("/rotations/{rotation}", delete_rotation),
        web.get("/overrides", list_overrides),
        web.post("/overrides", create_override),
        web.delete("/overrides/{override_id:" + ID + "}", delete_override),
        web.get("/policies", list_policies),
        web.post("/policies", create_policy),
        web.patch("/policies/{policy}", update_policy),
        web.delete("/policies/{policy}", delete_policy),
    ]
