"""/metrics in the Prometheus text format (0.0.4).

Access: /metrics wants a bearer token, like the API (a read-only one is enough), because check
names, hosts and states describe the fleet. Prometheus sends one with `authorization:
{credentials_file: ...}` in its scrape config. `metrics_public = true` in the config opens it
without a token, but only while beatwatch listens on a loopback address (127.0.0.1, ::1,
localhost), where nothing but this machine can reach it. On any other listener the setting is
ignored and the 401 says so, rather than quietly publishing the fleet to the LAN.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from aiohttp import web

from beatwatch.core.errors import ApiError
from beatwatch.core.model import State
from beatwatch.core.ratelimit import RateLimiter
from beatwatch.core.rules import evaluate
from beatwatch.store.connection import DatabaseError
from beatwatch.store.node_rows import DUTIES
from beatwatch.web.api_http import authenticate, check_rate, error_response

if TYPE_CHECKING:
    from beatwatch.service.service import Service

log = logging.getLogger("beatwatch.metrics")
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
Sample = tuple[dict[str, str], float]


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _label_value(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def family(name: str, kind: str, help_text: str, samples: Iterable[Sample]) -> list[str]:
    """One metric family: its HELP and TYPE lines, then a line per sample."""
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
    for labels, value in samples:
        pairs = ",".join(f'{k}="{_label_value(v)}"' for k, v in labels.items())
        lines.append(f"{name}{{{pairs}}} {_number(value)}" if pairs else f"{name} {_number(value)}")
    return lines


async def exposition(service: Service, now: float) -> str:
    """Every metric at `now`; if the database cannot be read, just beatwatch_storage_ok 0."""
    storage_ok = service.storage_fault is None
    try:
        lines = await _fleet_metrics(service, now)
    except DatabaseError:
        log.exception("metrics: the database could not be read")
        lines, storage_ok = [], False
    lines += family(
        "beatwatch_storage_ok",
        "gauge",
        "1 while the database takes writes, 0 after it refused one (disk full, read-only...).",
        [({}, int(storage_ok))],
    )
    return "\n".join(lines) + "\n"


async def _fleet_metrics(service: Service, now: float) -> list[str]:
    checks = await service.list_checks()
    states = {c.id: evaluate(c, now).state for c in checks}
    outbox = await service.store.outbox_counts()
    channels = await service.alerts.channels()
    return [
        *family(
            "beatwatch_check_state",
            "gauge",
            "1 for the state each check is in, 0 for the others.",
            (
                ({"check": c.slug, "state": s.value}, int(states[c.id] is s))
                for c in checks
                for s in State
            ),
        ),
        *family(
            "beatwatch_check_seconds_since_last_ping",
            "gauge",
            "Seconds since the check's last ping of any kind (absent before the first).",
            (({"check": c.slug}, round(now - c.last_ping_at, 3)) for c in checks if c.last_ping_at),
        ),
        *family(
            "beatwatch_check_last_duration_seconds",
            "gauge",
            "How long the check's last timed run took, from its start ping to its finish.",
            (({"check": c.slug}, c.last_duration) for c in checks if c.last_duration is not None),
        ),
        *family(
            "beatwatch_checks",
            "gauge",
            "How many checks are in each state.",
            (({"state": s.value}, sum(1 for v in states.values() if v is s)) for s in State),
        ),
        *family(
            "beatwatch_pings_received_total",
            "counter",
            "Pings stored since this process started, unknown ones included.",
            [({}, service.pings_received)],
        ),
        *family(
            "beatwatch_unknown_pings_total",
            "counter",
            "Pings whose uuid or slug matched no check, ever.",
            [({}, await service.unknown_ping_count())],
        ),
        *family(
            "beatwatch_outbox_pending",
            "gauge",
            "Notifications waiting to be sent, storm alerts held for a digest included.",
            [({}, outbox.get("pending", 0) + outbox.get("held", 0))],
        ),
        *family(
            "beatwatch_delivery_failures_total",
            "counter",
            "Failed attempts to deliver a notification since this process started.",
            [({}, service.delivery_failures)],
        ),
        *family(
            "beatwatch_channel_failing",
            "gauge",
            "1 while a channel's last delivery failed.",
            (({"channel": ch.name}, int(ch.failing)) for ch in channels),
        ),
        *_node_metrics(service),
    ]


def _node_metrics(service: Service) -> list[str]:
    """This node's place among those on its database, while it runs an engine."""
    duties = service.duties
    if duties is None:
        return []
    node = {"node": duties.node.id}
    return [
        *family(
            "beatwatch_node_duty_held",
            "gauge",
            "1 while this node holds the duty (evaluate: deadlines; dispatch: alerts).",
            (({**node, "duty": duty}, int(duties.holds(duty))) for duty in DUTIES),
        ),
        *family(
            "beatwatch_node_clock_offset_seconds",
            "gauge",
            "How far this node's clock is ahead of the database's (negative: behind).",
            [(node, round(duties.node.clock_offset, 3))],
        ),
    ]


def metrics_routes(service: Service, limiter: RateLimiter | None = None) -> list[web.RouteDef]:
    """/metrics; `limiter` is the API's, as a scrape is an API request like any other."""
    settings = service.settings
    public = settings.metrics_public and is_loopback(settings.listen_host)
    trusted = settings.trusted_networks()

    async def metrics(request: web.Request) -> web.Response:
        try:
            check_rate(limiter, request, trusted, service.clock)
            if not public:
                await authenticate(service, request)
        except ApiError as exc:
            message = exc.message
            if exc.http_status == 401 and settings.metrics_public:
                message += "; metrics_public applies only to a loopback listen address"
            return error_response(exc.http_status, message, headers=exc.headers)
        body = await exposition(service, service.clock.now())
        return web.Response(body=body.encode(), headers={"Content-Type": CONTENT_TYPE})

    return [web.get("/metrics", metrics)]
