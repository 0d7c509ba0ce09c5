"""The ping receiver: parse the URL, capture the body, store durably, then reply.

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
from collections.abc import Awaitable, Callable, Sequence

from aiohttp import HttpVersion11, web

from beatwatch.core.errors import BadPing, StorageError
from beatwatch.core.model import BODY_LIMIT, PingRequest
from beatwatch.core.ping_url import parse_ping
from beatwatch.core.ratelimit import RateLimiter, retry_after
from beatwatch.engine.clock import Clock

log = logging.getLogger("beatwatch.receiver")

PingSink = Callable[[PingRequest], Awaitable[object]]
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
_OK_BODY = json.dumps({"ok": True}).encode()
COMMON_HEADERS = {"Ping-Body-Limit": str(BODY_LIMIT), "Cache-Control": "no-store"}
PING_METHODS = frozenset({"GET", "HEAD", "POST"})
_NO_TARGET = "a ping URL names its check: /ping/<uuid> or /ping/<ping-key>/<slug>"
USER_AGENT_LIMIT = 200
# Of a path and query, kept with a ping that matched no check.
PATH_LIMIT = 500


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
    if request.version == HttpVersion11 and _expects_continue(request):
        # The client holds the body back until told to go on (curl does, for large ones).
        await request.writer.write(_CONTINUE)
        request.writer.output_size = 0  # the reply proper has not begun
    kept = bytearray()
    async for chunk in request.content.iter_any():
        room = limit - len(kept)
        if room > 0:
            kept += chunk[:room]
    return bytes(kept)


def _expects_continue(request: web.BaseRequest) -> bool:
    return request.headers.get("Expect", "").lower() == "100-continue"


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


# /ping, then the key, then the tail, matched as aiohttp's router would match routes: on the
# path with "%2F" and "%25" still escaped, which a key or tail then has unescaped.
_PING_PATH = re.compile(r"/ping(?:/([^/]*)(?:/([\s\S]*))?)?")


def ping_target(request: web.BaseRequest) -> tuple[str, str] | None:
    """The key and tail of a request under /ping (the key empty when the URL names none);
    None for any other path."""
    found = _PING_PATH.fullmatch(request.rel_url.path_safe)
    if found is None:
        return None
    key, tail = found.groups("")
    return _unescaped(key), _unescaped(tail)


def _unescaped(part: str) -> str:
    return part.replace("%2F", "/").replace("%25", "%") if "%" in part else part


class PingReceiver:
    """Answers every request under /ping. The server hands them over before the
    application's middlewares and router, which would cost as much again as storing the
    ping. Whatever a crontab sends there, any method and any tail (newlines too), gets a
    JSON answer with the body limit, never a bare 404 or 405."""

    def __init__(
        self,
        sink: PingSink,
        clock: Clock,
        trusted: Sequence[ipaddress.IPv4Network | ipaddress.IPv6Network] = (),
        limiter: RateLimiter | None = None,
    ) -> None:
        self._sink = sink
        self._clock = clock
        self._trusted = trusted
        self._limiter = limiter

    async def answer(self, request: web.BaseRequest, key: str, tail: str) -> web.Response:
        """The reply to a request for /ping/<key>[/<tail>]."""
        if request.method not in PING_METHODS:
            return await _method_not_allowed(request)
        if not key:
            await read_capped_body(request, 0)
            return error_reply(400, _NO_TARGET)
        address = client_address(request, self._trusted)
        if self._limiter is not None:
            wait = self._limiter.take(address or "", self._clock.monotonic())
            if wait:
                await read_capped_body(request, 0)
                return _too_many(wait)
        # Read in full even when the URL turns out malformed, so the connection stays usable.
        body = await read_capped_body(request)
        try:
            ping = parse_ping(
                key,
                tail,
                request.query,
                remote_addr=address,
                user_agent=(request.headers.get("User-Agent") or "")[:USER_AGENT_LIMIT] or None,
                body=body,
                at=self._clock.now(),
                method=request.method,
                path=request.path_qs[:PATH_LIMIT],
            )
        except BadPing as exc:
            return error_reply(400, str(exc))
        try:
            await self._sink(ping)
        except StorageError as exc:
            return error_reply(503, f"ping not stored: {exc}")
        except Exception:
            log.exception("ping not stored: unexpected error")
            return error_reply(503, "ping not stored: internal error (see the beatwatch log)")
        return _reply(200, _OK_BODY)


async def _method_not_allowed(request: web.BaseRequest) -> web.Response:
    await read_capped_body(request, 0)
    reply = error_reply(405, f"pings are sent with GET, HEAD or POST, not {request.method[:20]}")
    reply.headers["Allow"] = "GET, HEAD, POST"
    return reply
