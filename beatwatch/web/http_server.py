"""The HTTP server under the receiver and the API: aiohttp's, hardened for a port that faces
the whole LAN.

- Connections are admitted by a ConnectionTable (a cap per address and one in all, kept
  under the open-file limit), so nobody can take every descriptor; over a cap, the idle
  connection waiting longest is closed first, else the new one is answered 503.
- A request head must arrive within `head_timeout` of the connection, or of its first byte
  on a kept-alive one (slowloris); an idle kept-alive connection closes after
  `keepalive_timeout`.
- A malformed request gets a JSON 400 with the receiver's usual headers, and one log line
  (uuids and the ping key masked) at most a few times a second per cause.

Every connection starts as a PingConnection, which answers pings itself and hands anything
else to aiohttp. aiohttp has no hooks for these, so its Server and RequestHandler are
subclassed; the overrides are the methods aiohttp itself calls on them.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from aiohttp import hdrs, web
from aiohttp.http_exceptions import (
    BadHttpMethod,
    BadStatusLine,
    HttpProcessingError,
    InvalidURLError,
    LineTooLong,
    PayloadEncodingError,
)

from beatwatch.core.log_throttle import LogThrottle
from beatwatch.core.url_masking import mask_request_target
from beatwatch.web.connections import ConnectionTable
from beatwatch.web.header_text import readable
from beatwatch.web.ping_connection import PingConnection
from beatwatch.web.pings import (
    AppPing,
    Networks,
    PingReceiver,
    as_response,
    error_reply,
    is_trusted,
    ping_target,
)
from beatwatch.web.reply_bytes import closing_refusal

log = logging.getLogger("beatwatch.receiver")

# What replies call the server: no versions (the server's own ping replies say nothing).
SERVER_NAME = "beatwatch"
# Room for bursts of connections while the event loop is busy (Linux caps it at somaxconn).
BACKLOG = 1024
# A path in aiohttp's quote of the request: after a space, the quote or an escaped byte.
_TARGET = re.compile(r"(?:(?<=[\s'])|(?<=\\x[0-9a-f]{2}))/[^\s'\"\\]*")
# Where aiohttp's parser messages start quoting the request itself.
_QUOTE = re.compile(r":?\s*(?:b'|b\"|bytearray\(|'|\")")


@dataclass(frozen=True, slots=True)
class ConnectionLimits:
    total: int
    per_address: int
    head_timeout: float
    keepalive_timeout: float


class GuardedRunner(web.AppRunner):
    """An AppRunner whose server applies `limits`; trusted proxies are spared the per-address
    cap, since everyone's connections come from their address. Requests under /ping go to
    `pings` instead of the application."""

    def __init__(
        self,
        app: web.Application,
        limits: ConnectionLimits,
        trusted: Networks,
        pings: PingReceiver,
    ) -> None:
        super().__init__(app, access_log=None)
        self._limits = limits
        self._trusted = trusted
        self._pings = pings

    async def _make_server(self) -> web.Server:
        plain = await super()._make_server()  # runs the app's start-up and freezes it
        handler = _pings_first(self._pings, plain.request_handler)
        return GuardedServer(plain, handler, self._limits, self._trusted, self._pings)


def _pings_first(pings: PingReceiver, app_handler: Any) -> Any:
    """The application's handler, with pings that come on a connection aiohttp serves (one
    that began with another request) answered by the receiver."""

    async def handle(request: web.BaseRequest) -> web.StreamResponse:
        target = ping_target(request.rel_url)
        if target is None:
            return await app_handler(request)
        return as_response(await pings.answer(AppPing(readable(request)), *target))

    return handle


class GuardedServer(web.Server):
    def __init__(
        self,
        plain: web.Server,
        handler: Any,
        limits: ConnectionLimits,
        trusted: Networks,
        pings: PingReceiver,
    ) -> None:
        super().__init__(
            handler,
            request_factory=_noting_request_start(plain.request_factory),
            handler_cancellation=plain.handler_cancellation,
        )
        self.limits = limits
        self.loop = asyncio.get_running_loop()
        self.table: ConnectionTable[PingConnection | GuardedHandler] = ConnectionTable(
            limits.total, limits.per_address, lambda address: is_trusted(address, trusted)
        )
        self.bad_requests = BadRequestLog(self.loop)
        self._pings = pings
        self.clock = pings.clock
        self._ping_connections: set[PingConnection] = set()

    def __call__(self) -> PingConnection:  # type: ignore[override]
        return PingConnection(self, self._pings)

    def admit(self, connection: PingConnection, address: str) -> bool:
        """Take a new connection, making room or refusing it as the table says."""
        admission = self.table.admit(connection, address)
        if admission.evict is not None:
            admission.evict.force_close()
        if not admission.admitted:
            connection.answer_and_close(
                HTTPStatus.SERVICE_UNAVAILABLE,
                f"{admission.reason}; retry in a moment",
                ("Retry-After", "1"),
            )
            return False
        self._ping_connections.add(connection)
        return True

    def take_over(self, connection: PingConnection) -> GuardedHandler:
        """aiohttp's handler for a connection that stops being a PingConnection."""
        handler = GuardedHandler(self)
        self.table.hand_over(connection, handler)
        self._ping_connections.discard(connection)
        return handler

    def forget(self, connection: PingConnection) -> None:
        self.table.remove(connection)
        self._ping_connections.discard(connection)

    def pre_shutdown(self) -> None:
        super().pre_shutdown()
        for connection in self._ping_connections:
            connection.close()

    async def shutdown(self, timeout: float | None = None) -> None:
        await asyncio.gather(
            super().shutdown(timeout),
            *(connection.shutdown(timeout) for connection in list(self._ping_connections)),
        )

    def connection_lost(
        self, handler: web.RequestHandler, exc: BaseException | None = None
    ) -> None:
        super().connection_lost(handler, exc)
        assert isinstance(handler, GuardedHandler)
        self.table.remove(handler)


def _noting_request_start(factory: Any) -> Any:
    """aiohttp's request factory, which it calls once a request head is parsed, also telling
    the connection that it is now busy."""

    def make_request(message: Any, payload: Any, protocol: Any, *rest: Any) -> web.BaseRequest:
        protocol.request_started()
        return factory(message, payload, protocol, *rest)

    return make_request


class GuardedHandler(web.RequestHandler):
    """One connection: aiohttp's handler with a deadline for each request head."""

    def __init__(self, server: GuardedServer) -> None:
        limits = server.limits
        super().__init__(
            server, loop=server.loop, access_log=None, keepalive_timeout=limits.keepalive_timeout
        )
        self._server = server
        self._serving = False
        self._head_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        if self.transport is not None:  # not refused on the way in
            self._arm_head_deadline()

    def data_received(self, data: bytes) -> None:
        # The first byte of the next request on a kept-alive connection starts its clock.
        if data and not self._serving and self._head_deadline is None:
            self._arm_head_deadline()
        super().data_received(data)

    def request_started(self) -> None:
        self._serving = True
        self._disarm_head_deadline()
        self._server.table.busy(self)

    def log_access(
        self, request: web.BaseRequest, response: web.StreamResponse, time: float | None
    ) -> None:
        # aiohttp calls this once each response is written: the connection is idle again.
        super().log_access(request, response, time)
        self._serving = False
        self._server.table.idle(self)

    def connection_lost(self, exc: BaseException | None) -> None:
        self._disarm_head_deadline()
        super().connection_lost(exc)

    async def finish_response(
        self, request: web.BaseRequest, resp: web.StreamResponse, start_time: float | None
    ) -> tuple[web.StreamResponse, bool]:
        # Every reply aiohttp writes passes here, its errors too. Left alone it says
        # "Python/3.11 aiohttp/3.x": which advisories to try, to anyone on the LAN.
        if not resp.prepared:
            resp.headers.setdefault(hdrs.SERVER, SERVER_NAME)
        return await super().finish_response(request, resp, start_time)

    def answer_and_close(self, status: HTTPStatus, message: str) -> None:
        """A short JSON reply written straight to the socket, then the connection closed:
        for a request head that never arrived."""
        if self.transport is not None:
            self.transport.write(closing_refusal(status, message, self._server.clock.now()))
        self.force_close()

    def handle_error(
        self,
        request: web.BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        if request.writer.output_size > 0:
            raise ConnectionError("part of the reply was sent; no error reply can follow")
        what = f"{request.method[:20]} {mask_request_target(request.path_qs)}"
        reason = self._server.bad_requests.report(request.remote, status, exc, what)
        reply = error_reply(status, reason)
        reply.force_close()
        return reply

    def _arm_head_deadline(self) -> None:
        self._disarm_head_deadline()
        self._head_deadline = self._server.loop.call_later(
            self._server.limits.head_timeout, self._head_too_slow
        )

    def _disarm_head_deadline(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _head_too_slow(self) -> None:
        self._head_deadline = None
        if not self._serving:
            seconds = f"{self._server.limits.head_timeout:g}"
            self.answer_and_close(
                HTTPStatus.REQUEST_TIMEOUT, f"the request head did not arrive within {seconds} s"
            )


class BadRequestLog:
    """Says in the log what was wrong with requests the server could not handle, without
    secrets and without letting a flood of them fill the disk."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._throttle = LogThrottle()

    def report(
        self, peer: str | None, status: int, exc: BaseException | None, what: str = ""
    ) -> str:
        """Log the failed request (throttled); returns the reason to give the client. `what`
        is the request's method and masked target, for a 5xx."""
        peer = peer or "an unknown address"
        if status >= 500:
            cause = "internal error"
            reason = "internal error (see the beatwatch log)"
            self._log(cause, f"could not answer {what} from {peer}", exc)
            return reason
        cause = _cause(exc)
        detail = _detail(exc)
        target = _target(exc)
        where = f" ({target})" if target else ""
        self._log(cause, f"malformed request from {peer}, answered {status}: {detail}{where}")
        return f"malformed HTTP request ({cause}): {detail}"

    def _log(self, cause: str, line: str, exc: BaseException | None = None) -> None:
        now = self._loop.time()
        if self._throttle.admit(cause, now):
            log.warning(line, exc_info=exc if cause == "internal error" else None)
        elif self._throttle.held(cause) == 1:
            self._loop.call_at(self._throttle.window_end(cause), self._report_held, cause)

    def _report_held(self, cause: str) -> None:
        if held := self._throttle.take_held(cause):
            log.warning(
                "suppressed %d similar (%s) in the last %g s", held, cause, self._throttle.window
            )


def _cause(exc: BaseException | None) -> str:
    match exc:
        case BadHttpMethod():
            return "bad method"
        case BadStatusLine():
            return "bad request line"
        case InvalidURLError():
            return "bad URL"
        case LineTooLong():
            return "line too long"
        case PayloadEncodingError():
            return "bad body framing"
        case _:  # InvalidHeader and the parser's other complaints, all about headers
            return "bad header"


def _detail(exc: BaseException | None) -> str:
    """aiohttp's own words for what is wrong, without the bytes it quotes."""
    if isinstance(exc, LineTooLong):
        return f"a line of the request head is over {exc.args[1]} bytes (the URL or a header)"
    text = exc.message if isinstance(exc, HttpProcessingError) else ""
    words = " ".join(_QUOTE.split(text, maxsplit=1)[0].split()).rstrip(":")
    return words[:120] or "unreadable request"


def _target(exc: BaseException | None) -> str:
    """The path aiohttp's message quotes, masked; empty if it quotes none."""
    text = exc.message if isinstance(exc, HttpProcessingError) else ""
    match = _TARGET.search(text)
    return mask_request_target(match[0]) if match else ""
