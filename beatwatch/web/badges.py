"""Status badges: small shields-style SVGs for a wiki page or a README.

`/badge/<key>.svg` shows one check; `/badge/<tag-key>/<tag>.svg` the worst of the checks with
that tag, and the tag `*` every check. `.json` and `.shields` (a Shields.io endpoint) give the
same as JSON; `?states=2` folds late into up, as healthchecks' two-state badges do. Neither
wants a token: the key in the URL is the secret. A check's is random, a tag's is derived from
the tag and an instance secret, so each tag has its own and one tag's URL opens no other;
both are separate from the ping uuid, so publishing a badge never lets anyone send pings.
Every unknown key or tag gets the same 404, so the reply tells a prober nothing.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import re
from collections.abc import Iterable, Sequence
from html import escape
from typing import TYPE_CHECKING

from aiohttp import web

from beatwatch.core.errors import ApiError
from beatwatch.core.model import State
from beatwatch.core.ratelimit import RateLimiter
from beatwatch.core.rules import evaluate
from beatwatch.core.terminal_text import terminal_text
from beatwatch.web.api_http import check_rate, error_response

if TYPE_CHECKING:
    from beatwatch.service.service import Service

UP, LATE, DOWN = "up", "late", "down"
COLOURS = {UP: "#4c1", LATE: "#dfb317", DOWN: "#e05d44"}
SHIELDS_COLOURS = {UP: "success", LATE: "important", DOWN: "critical"}
FORMATS = ("svg", "json", "shields")
# The pseudo-tag whose badge shows every check, as healthchecks' `*` does.
ALL_CHECKS = "*"
LABEL_MAX = 40
# Verdana 11px averages about this many pixels a character; exact widths need the font.
CHAR_WIDTH = 7
PADDING = 10
_HEADERS = {"Cache-Control": "no-cache, no-store, max-age=0"}
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")


def badge_status(states: Iterable[State]) -> str:
    """down if any check is in a bad state, else late if any is late, else up."""
    seen = set(states)
    if any(s.is_bad for s in seen):
        return DOWN
    return LATE if State.LATE in seen else UP


def xml_text(text: str) -> str:
    """`text` fit for XML 1.0, which allows no control character but tab and newline, nor
    U+FFFE, U+FFFF or a lone surrogate: the controls get their stand-ins, the others U+FFFD."""
    return _NOT_XML.sub("\ufffd", terminal_text(text))


def render_badge(label: str, status: str) -> str:
    label = xml_text(label)
    if len(label) > LABEL_MAX:
        label = label[: LABEL_MAX - 1] + "…"
    left = len(label) * CHAR_WIDTH + PADDING
    right = len(status) * CHAR_WIDTH + PADDING
    width = left + right
    text_label, text_status = escape(label), escape(status)
    return f"""<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" \
role="img" aria-label="{text_label}: {text_status}">
<title>{text_label}: {text_status}</title>
<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/>\
<stop offset="1" stop-opacity=".1"/></linearGradient>
<clipPath id="r"><rect width="{width}" height="20" rx="3" fill="#fff"/></clipPath>
<g clip-path="url(#r)"><rect width="{left}" height="20" fill="#555"/>\
<rect x="{left}" width="{right}" height="20" fill="{COLOURS[status]}"/>\
<rect width="{width}" height="20" fill="url(#s)"/></g>
<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" \
font-size="11">
<text x="{left / 2}" y="15" fill="#010101" fill-opacity=".3">{text_label}</text>\
<text x="{left / 2}" y="14">{text_label}</text>
<text x="{left + right / 2}" y="15" fill="#010101" fill-opacity=".3">{text_status}</text>\
<text x="{left + right / 2}" y="14">{text_status}</text>
</g>
</svg>
"""


def badge_counts(states: Sequence[State], two_states: bool) -> dict[str, int | str]:
    """healthchecks' JSON badge: the status, and how many checks are in all, late and down."""
    status = badge_status(states)
    late = sum(1 for s in states if s is State.LATE)
    if two_states and status == LATE:
        status = UP
    down = sum(1 for s in states if s.is_bad)
    return {"status": status, "total": len(states), "grace": late, "down": down}


def _badge(label: str, states: Sequence[State], request: web.Request) -> web.Response:
    """The badge in the format its address asks for."""
    two_states = request.query.get("states") == "2"
    counts = badge_counts(states, two_states)
    status = str(counts["status"])
    fmt = request.match_info["format"]
    if fmt == "json":
        return web.json_response(counts, headers=_HEADERS)
    if fmt == "shields":
        shields = {
            "schemaVersion": 1,
            "label": terminal_text(label),
            "message": status,
            "color": SHIELDS_COLOURS[status],
        }
        return web.Response(
            text=json.dumps(shields), content_type="application/json", headers=_HEADERS
        )
    return web.Response(
        text=render_badge(label, status), content_type="image/svg+xml", headers=_HEADERS
    )


def _no_badge() -> web.Response:
    return error_response(404, "there is no badge at this address")


def badge_routes(service: Service, limiter: RateLimiter | None = None) -> list[web.RouteDef]:
    """Badge routes; `limiter` is the API's: a badge needs no token, and a tag badge reads
    every check, so a dashboard gone wild must not take the engine's time."""
    trusted = service.settings.trusted_networks()

    async def check_badge(request: web.Request) -> web.Response:
        if (refused := _over_limit(limiter, request, trusted, service)) is not None:
            return refused
        check = await service.check_by_badge_key(request.match_info["key"])
        if check is None:
            return _no_badge()
        return _badge(check.name, [evaluate(check, service.clock.now()).state], request)

    async def tag_badge(request: web.Request) -> web.Response:
        if (refused := _over_limit(limiter, request, trusted, service)) is not None:
            return refused
        tag = request.match_info["tag"]
        key, expected = request.match_info["key"], await service.tag_badge_key(tag)
        if not hmac.compare_digest(key.encode(), expected.encode()):
            return _no_badge()
        now = service.clock.now()
        states = [
            evaluate(c, now).state
            for c in await service.list_checks()
            if tag == ALL_CHECKS or tag in c.tags
        ]
        return _badge(tag, states, request) if states else _no_badge()

    extension = "{format:" + "|".join(FORMATS) + "}"
    return [
        web.get(f"/badge/{{key}}.{extension}", check_badge),
        web.get(f"/badge/{{key}}/{{tag}}.{extension}", tag_badge),
    ]


def _over_limit(
    limiter: RateLimiter | None,
    request: web.Request,
    trusted: Sequence[ipaddress.IPv4Network | ipaddress.IPv6Network],
    service: Service,
) -> web.Response | None:
    try:
        check_rate(limiter, request, trusted, service.clock)
    except ApiError as exc:
        return error_response(exc.http_status, exc.message, headers=exc.headers)
    return None
