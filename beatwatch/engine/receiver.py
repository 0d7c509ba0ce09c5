"""HTTP routes for pings: parse the URL, capture the body, store durably, then reply.

Every well-formed ping gets the same 200 whether or not its check exists, so nobody can
probe for checks. A malformed one gets a 400 decided before any lookup; a ping that could
not be stored gets a 503, never a 200. An address over ping_rate_limit gets a 429 before
any of that.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from aiohttp import web

from beatwatch.engine.model import BODY_LIMIT, PingKind, PingRequest
from beatwatch.engine.ratelimit import RateLimiter, retry_after
from beatwatch.engine.writer import StorageError

log = logging.getLogger("beatwatch.receiver")

PingSink = Callable[[PingRequest], Awaitable[object]]
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_SLUG = re.compile(r"^[a-z0-9_-]{1,100}$")
_DIGITS = re.compile(r"^[0-9]+$")
_ACTIONS = {"start": PingKind.START, "fail": PingKind.FAIL, "log": PingKind.LOG}
_OK_BODY = json.dumps({"ok": True}).encode()
COMMON_HEADERS = {"Ping-Body-Limit": str(BODY_LIMIT), "Cache-Control": "no-store"}
PING_METHODS = frozenset({"GET", "HEAD", "POST"})
_NO_TARGET = "a ping URL names its check: /ping/<uuid> or /ping/<ping-key>/<slug>"
USER_AGENT_LIMIT = 200


class BadPing(ValueError):
    """A ping URL that is not of any accepted form; the message says what is wrong."""


def parse_ping(key: str, tail: str, query: Mapping[str, str], **received: Any) -> PingRequest:
    """The ping a URL path and query describe, with `received` (at, remote_addr, user_agent,
    body) filled in; raises BadPing for a malformed one."""
    tail = tail.removesuffix("/")  # `/ping/<uuid>/` is `/ping/<uuid>`
    segments = tail.split("/") if tail else []
    if _UUID.match(key):
        uuid, ping_key, slug = key.lower(), None, None
    else:
        if not segments:
            raise BadPing(
                f"{key!r} is not a check uuid; use /ping/<uuid> or /ping/<ping-key>/<slug>"
            )
        slug, segments = segments[0], segments[1:]
        if not _SLUG.match(slug):
            raise BadPing(f"{slug!r} is not a slug (lowercase a-z, 0-9, '-' and '_')")
        uuid, ping_key = None, key
    kind, exit_code = _parse_action(segments)
    rid = query.get("rid")
    if rid is not None:
        if not _UUID.match(rid):
            raise BadPing("rid must be a UUID, such as one from uuidgen")
        rid = rid.lower()
    create = query.get("create", "0") in ("1", "true", "yes")
    return PingRequest(
        kind=kind,
        uuid=uuid,
        slug=slug,
        ping_key=ping_key,
        exit_code=exit_code,
        rid=rid,
        create=create and ping_key is not None,
        **received,
    )


def _parse_action(segments: Sequence[str]) -> tuple[PingKind, int | None]:
    match list(segments):
        case []:
            return PingKind.SUCCESS, None
        case [word] if word in _ACTIONS:
            return _ACTIONS[word], None
        case ["fail", code] | [code] if len(segments) == 2 or _DIGITS.match(code):
            exit_code = _parse_exit_code(code)
            return (PingKind.SUCCESS if exit_code == 0 else PingKind.FAIL), exit_code
    raise BadPing(
        "unknown ping form '/" + "/".join(segments) + "'; expected nothing, /start, /fail, "
        "/fail/<code>, /<code> or /log"
    )


def _parse_exit_code(text: str) -> int:
    if not _DIGITS.match(text) or len(text) > 3 or int(text) > 255:
        raise BadPing(f"exit code {text[:20]!r} must be a whole number from 0 to 255")
    return int(text)


def client_address(
    request: web.BaseRequest, trusted: Sequence[ipaddress.IPv4Network | ipaddress.IPv6Network]
) -> str | None:
    """The pinging machine: the peer, or, behind a trusted proxy, the nearest untrusted
    address in X-Forwarded-For."""
    peer = request.remote
    if not trusted or peer is None or not is_trusted(peer, trusted):
        return peer
    forwarded = request.headers.get("X-Forwarded-For", "")
    for hop in reversed([h.strip() for h in forwarded.split(",") if h.strip()]):
        if not is_trusted(hop, trusted):
            return hop[:64]
    return peer


def is_trusted(
    address: str, trusted: Sequence[ipaddress.IPv4Network | ipaddress.IPv6Network]
) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in trusted)


async def read_capped_body(request: web.BaseRequest, limit: int = BODY_LIMIT) -> bytes:
    """The first `limit` bytes of the body; the rest is read and dropped as it streams in."""
    if not request.body_exists:
        return b""
    kept = bytearray()
    async for chunk in request.content.iter_any():
        room = limit - len(kept)
        if room > 0:
            kept += chunk[:room]
    return bytes(kept)


def _reply(status: int, body: bytes) -> web.Response:
    return web.Response(
        status=status, body=body, content_type="application/json", headers=COMMON_HEADERS
    )


def error_reply(status: int, message: str) -> web.Response:
    return _reply(status, json.dumps({"ok": False, "error": message}).encode())


def _too_many(wait: float) -> web.Response:
    reply = error_reply(
        429,
        "too many pings from this address; slow down and retry after the Retry-After seconds "
        "(the limit is ping_rate_limit in beatwatch.toml)",
    )
    reply.headers["Retry-After"] = retry_after(wait)
    return reply


def ping_routes(
    sink: PingSink,
    trusted: Sequence[ipaddress.IPv4Network | ipaddress.IPv6Network] = (),
    limiter: RateLimiter | None = None,
) -> list[web.RouteDef]:
    async def handle(request: web.Request) -> web.Response:
        if request.method not in PING_METHODS:
            return await _method_not_allowed(request)
        address = client_address(request, trusted)
        if limiter is not None:
            wait = limiter.take(address or "", time.monotonic())
            if wait:
                await read_capped_body(request, 0)
                return _too_many(wait)
        # Read in full even when the URL turns out malformed, so the connection stays usable.
        body = await read_capped_body(request)
        try:
            ping = parse_ping(
                request.match_info["key"],
                request.match_info.get("tail", ""),
                request.query,
                remote_addr=address,
                user_agent=(request.headers.get("User-Agent") or "")[:USER_AGENT_LIMIT] or None,
                body=body,
                at=time.time(),
            )
        except BadPing as exc:
            return error_reply(400, str(exc))
        try:
            await sink(ping)
        except StorageError as exc:
            return error_reply(503, f"ping not stored: {exc}")
        except Exception:
            log.exception("ping not stored: unexpected error")
            return error_reply(503, "ping not stored: internal error (see the beatwatch log)")
        return _reply(200, _OK_BODY)

    async def no_target(request: web.Request) -> web.Response:
        if request.method not in PING_METHODS:
            return await _method_not_allowed(request)
        await read_capped_body(request, 0)
        return error_reply(400, _NO_TARGET)

    # Every method and any tail (newlines too) reach a handler, so that whatever a crontab
    # sends under /ping gets a JSON answer with the body limit, never a bare 404 or 405.
    return [
        web.route("*", "/ping/{key}", handle),
        web.route("*", "/ping/{key}/{tail:[\\s\\S]*}", handle),
        web.route("*", "/ping", no_target),
        web.route("*", "/ping/", no_target),
    ]


async def _method_not_allowed(request: web.BaseRequest) -> web.Response:
    await read_capped_body(request, 0)
    reply = error_reply(405, f"pings are sent with GET, HEAD or POST, not {request.method[:20]}")
    reply.headers["Allow"] = "GET, HEAD, POST"
    return reply
