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
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from aiohttp import HttpVersion, HttpVersion11, StreamReader, web
from yarl import URL

from beatwatch.core.errors import BadPing, StorageError
from beatwatch.core.model import BODY_LIMIT, PingRequest
from beatwatch.core.ping_url import parse_ping
from beatwatch.core.ratelimit import RateLimiter, retry_after
from beatwatch.engine.clock import Clock

log = logging.getLogger("beatwatch.receiver")

PingSink = Callable[[PingRequest], Awaitable[object]]
Networks = Sequence[ipaddress.IPv4Network | ipaddress.IPv6Network]
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
OK_BODY = json.dumps({"ok": True}).encode()
COMMON_HEADERS = {"Ping-Body-Limit": str(BODY_LIMIT), "Cache-Control": "no-store"}
PING_METHODS = frozenset({"GET", "HEAD", "POST"})
_NO_TARGET = "a ping URL names its check: /ping/<uuid> or /ping/<ping-key>/<slug>"
USER_AGENT_LIMIT = 200
# Of a path and query, kept with a ping that matched no check.
PATH_LIMIT = 500
_TOO_MANY = (
    "too many pings from this address; slow down and retry after the Retry-After seconds "
    "(the limit is ping_rate_limit in beatwatch.toml)"
)


class PeerRequest(Protocol):
    """Where a request came from, as aiohttp's requests and the receiver's own say it."""

    @property
    def remote(self) -> str | None: ...

    @property
    def headers(self) -> Mapping[str, str]: ...


class PingHTTPRequest(PeerRequest, Protocol):
    """What the receiver reads of a request under /ping."""

    @property
    def method(self) -> str: ...

    @property
    def query(self) -> Mapping[str, str]: ...

    @property
    def path_qs(self) -> str: ...

    async def read_body(self, limit: int) -> bytes:
        """The first `limit` bytes of the body, the rest read and dropped."""
        ...


@dataclass(frozen=True, slots=True)
class PingReply:
    status: int
    body: bytes
    # Beyond COMMON_HEADERS and the body's type and length.
    headers: tuple[tuple[str, str], ...] = ()


OK = PingReply(200, OK_BODY)


def refusal(status: int, message: str, *headers: tuple[str, str]) -> PingReply:
    return PingReply(status, json.dumps({"ok": False, "error": message}).encode(), headers)


def as_response(reply: PingReply) -> web.Response:
    return web.Response(
        status=reply.status,
        body=reply.body,
        content_type="application/json",
        headers={**COMMON_HEADERS, **dict(reply.headers)},
    )


def error_reply(status: int, message: str) -> web.Response:
    return as_response(refusal(status, message))


def client_address(request: PeerRequest, trusted: Networks) -> str | None:
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


def is_trusted(address: str, trusted: Networks) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in trusted)


def expects_continue(version: HttpVersion, headers: Mapping[str, str]) -> bool:
    """The client holds the body back until told to go on (curl does, for large ones)."""
    return version == HttpVersion11 and headers.get("Expect", "").lower() == "100-continue"


async def read_capped(payload: StreamReader, limit: int) -> bytes:
    """The first `limit` bytes of `payload`; the rest is read and dropped as it streams in."""
    kept = bytearray()
    async for chunk in payload.iter_any():
        room = limit - len(kept)
        if room > 0:
            kept += chunk[:room]
    return bytes(kept)


class AppPing:
    """A request under /ping as aiohttp's server parsed it, on a connection it serves."""

    __slots__ = ("_request", "headers", "method", "query", "remote")

    def __init__(self, request: web.BaseRequest) -> None:
        self._request = request
        self.method = request.method
        self.headers = request.headers
        self.query = request.query
        self.remote = request.remote

    @property
    def path_qs(self) -> str:
        return self._request.path_qs

    async def read_body(self, limit: int) -> bytes:
        request = self._request
        if not request.body_exists:
            return b""
        if expects_continue(request.version, request.headers):
            await request.writer.write(CONTINUE)
            request.writer.output_size = 0  # the reply proper has not begun
        return await read_capped(request.content, limit)


# /ping, then the key, then the tail, matched as aiohttp's router would match routes: on the
# path with "%2F" and "%25" still escaped, which a key or tail then has unescaped.
_PING_PATH = re.compile(r"/ping(?:/([^/]*)(?:/([\s\S]*))?)?")


def ping_target(url: URL) -> tuple[str, str] | None:
    """The key and tail of a request for `url` (relative) under /ping, the key empty when the
    URL names none; None for any other path."""
    return path_target(url.path_safe)


def path_target(path_safe: str) -> tuple[str, str] | None:
    """ping_target of a URL whose path_safe is `path_safe`."""
    found = _PING_PATH.fullmatch(path_safe)
    if found is None:
        return None
    key, tail = found.groups("")
    return _unescaped(key), _unescaped(tail)


def _unescaped(part: str) -> str:
    return part.replace("%2F", "/").replace("%25", "%") if "%" in part else part


class PingReceiver:
    """Answers every request under /ping, from the server's own connections (PingConnection)
    or from aiohttp's, never through the application's middlewares and router, which would
    cost as much again as storing the ping. Whatever a crontab sends there, any method and
    any tail (newlines too), gets a JSON answer with the body limit, never a bare 404 or 405."""

    def __init__(
        self,
        sink: PingSink,
        clock: Clock,
        trusted: Networks = (),
        limiter: RateLimiter | None = None,
    ) -> None:
        self._sink = sink
        self.clock = clock
        self._trusted = trusted
        self._limiter = limiter

    async def answer(self, request: PingHTTPRequest, key: str, tail: str) -> PingReply:
        """The reply to a request for /ping/<key>[/<tail>]."""
        method = request.method
        if method not in PING_METHODS:
            await request.read_body(0)
            return refusal(
                405,
                f"pings are sent with GET, HEAD or POST, not {method[:20]}",
                ("Allow", "GET, HEAD, POST"),
            )
        if not key:
            await request.read_body(0)
            return refusal(400, _NO_TARGET)
        address = client_address(request, self._trusted)
        if self._limiter is not None:
            wait = self._limiter.take(address or "", self.clock.monotonic())
            if wait:
                await request.read_body(0)
                return refusal(429, _TOO_MANY, ("Retry-After", retry_after(wait)))
        # Read in full even when the URL turns out malformed, so the connection stays usable.
        body = await request.read_body(BODY_LIMIT)
        try:
            ping = parse_ping(
                key,
                tail,
                request.query,
                remote_addr=address,
                user_agent=(request.headers.get("User-Agent") or "")[:USER_AGENT_LIMIT] or None,
                body=body,
                at=self.clock.now(),
                method=method,
                path=request.path_qs[:PATH_LIMIT],
            )
        except BadPing as exc:
            return refusal(400, str(exc))
        try:
            await self._sink(ping)
        except StorageError as exc:
            return refusal(503, f"ping not stored: {exc}")
        except Exception:
            log.exception("ping not stored: unexpected error")
            return refusal(503, "ping not stored: internal error (see the beatwatch log)")
        return OK
