"""API routes for the alerting side: incidents, hosts and maintenance windows, channels."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from beatwatch.core.errors import ApiError, HostUnwatched, ValidationError
from beatwatch.core.model import Incident
from beatwatch.engine.clock import Clock
from beatwatch.service.json_shapes import (
    channel_to_dict,
    host_to_dict,
    incident_to_dict,
    window_to_dict,
)
from beatwatch.web import api_http as http

if TYPE_CHECKING:
    from beatwatch.service.service import Service

INCIDENTS_MAX = 1000
# Ids in paths: digits, few enough that SQLite can hold the number.
ID = r"\d{1,18}"


def _window_fields(clock: Clock) -> dict[str, http.Parser]:
    return {
        "host": http.text,
        "for": http.nullable(http.duration),
        "starts_at": http.nullable(http.point_in_time(clock)),
        "ends_at": http.nullable(http.point_in_time(clock)),
        "weekly": http.nullable(http.text),
        "tz": http.nullable(http.text),
        "reason": http.text,
        "force": http.flag,
    }


# The service's names for a window's fields -> the JSON's, where they differ.
_WINDOW_FIELD_NAMES = {"duration": "for"}
_CHANNEL_FIELDS: dict[str, http.Parser] = {
    "name": http.text,
    "url": http.text,
    "default": http.flag,
    "tags": http.names,
}


def alert_routes(service: Service) -> list[web.RouteDef]:
    alerts = service.alerts

    async def incident_json(incidents: list[Incident]) -> list[dict[str, Any]]:
        names = {c.id: c.name for c in await service.list_checks()}
        sent = await alerts.notifications_by_incident(incidents)
        steps = await alerts.steps_by_incident(incidents)
        return [
            incident_to_dict(i, names.get(i.check_id), sent[i.id], steps[i.id]) for i in incidents
        ]

    async def list_incidents(request: web.Request) -> web.Response:
        open_only = http.query_flag(request, "open")
        limit = http.query_int(request, "limit", 50, 1, INCIDENTS_MAX)
        return web.json_response(await incident_json(await alerts.incidents(open_only, limit)))

    async def get_incident(request: web.Request) -> web.Response:
        incident = await alerts.incident(int(request.match_info["incident_id"]))
        return web.json_response((await incident_json([incident]))[0])

    async def ack_incident(request: web.Request) -> web.Response:
        await http.no_fields(request)
        incident = await alerts.acknowledge(int(request.match_info["incident_id"]))
        return web.json_response((await incident_json([incident]))[0])

    async def list_hosts(request: web.Request) -> web.Response:
        now = service.clock.now()
        return web.json_response([host_to_dict(h, now) for h in await alerts.hosts()])

    async def list_windows(request: web.Request) -> web.Response:
        now = service.clock.now()
        hosts = await alerts.hosts()
        return web.json_response([window_to_dict(w, now) for h in hosts for w in h.windows])

    async def create_window(request: web.Request) -> web.Response:
        given = http.parse_fields(await http.json_object(request), _window_fields(service.clock))
        try:
            window = await alerts.start_maintenance(
                given.get("host", ""),
                duration=given.get("for"),
                starts_at=given.get("starts_at"),
                ends_at=given.get("ends_at"),
                weekly=given.get("weekly"),
                tz=given.get("tz"),
                reason=given.get("reason", ""),
                force=given.get("force", False),
            )
        except ValidationError as exc:
            raise exc.named(_WINDOW_FIELD_NAMES) from None
        except HostUnwatched as exc:
            raise ApiError(409, f'{exc}; send "force": true to open it anyway', "host") from None
        return web.json_response(window_to_dict(window, service.clock.now()), status=201)

    async def delete_window(request: web.Request) -> web.Response:
        await alerts.remove_window(int(request.match_info["window_id"]))
        return web.Response(status=204)

    async def end_maintenance(request: web.Request) -> web.Response:
        await http.no_fields(request)
        host = request.match_info["host"]
        ended = await alerts.end_maintenance(host)
        return web.json_response({"host": host, "ended": ended})

    async def list_channels(request: web.Request) -> web.Response:
        return web.json_response([channel_to_dict(c) for c in await alerts.channels()])

    async def create_channel(request: web.Request) -> web.Response:
        given = http.parse_fields(await http.json_object(request), _CHANNEL_FIELDS)
        for required in ("name", "url"):
            if required not in given:
                raise ValidationError(required, f"a new channel needs a {required}")
        channel = await alerts.add_channel(
            given["name"], given["url"], given.get("default", False), given.get("tags", ())
        )
        return web.json_response(channel_to_dict(channel), status=201)

    async def update_channel(request: web.Request) -> web.Response:
        given = http.parse_fields(await http.json_object(request), _CHANNEL_FIELDS)
        channel = await alerts.update_channel(
            request.match_info["name"],
            new_name=given.get("name"),
            url=given.get("url"),
            is_default=given.get("default"),
            tags=given.get("tags"),
        )
        return web.json_response(channel_to_dict(channel))

    async def delete_channel(request: web.Request) -> web.Response:
        await alerts.remove_channel(request.match_info["name"])
        return web.Response(status=204)

    async def test_channel(request: web.Request) -> web.Response:
        await http.no_fields(request)
        name = request.match_info["name"]
        error = await alerts.test_channel(name)
        if error is not None:
            raise ApiError(502, f"the test message to {name} failed: {error}")
        return web.json_response({"ok": True, "channel": name})

    return [
        web.get("/incidents", list_incidents),
        web.get("/incidents/{incident_id:" + ID + "}", get_incident),
        web.post("/incidents/{incident_id:" + ID + "}/ack", ack_incident),
        web.get("/hosts", list_hosts),
        web.post("/hosts/{host}/end-maintenance", end_maintenance),
        web.get("/windows", list_windows),
        web.post("/windows", create_window),
        web.delete("/windows/{window_id:" + ID + "}", delete_window),
        web.get("/channels", list_channels),
        web.post("/channels", create_channel),
        web.patch("/channels/{name}", update_channel),
        web.delete("/channels/{name}", delete_channel),
        web.post("/channels/{name}/test", test_channel),
    ]
