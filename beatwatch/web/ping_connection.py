"""One connection to the receiver, answered without aiohttp's request, response and task per
request, which cost a ping as much again as its whole writer job. aiohttp's own parser reads
the bytes, so framing, limits and malformed requests are judged exactly as on aiohttp's
connections.

- The first request decides. If it is not under /ping, or its head does not parse, the
  connection goes to aiohttp with every byte received so far, as if aiohttp had had it from
  the start: the API, badges and metrics never see this class.
- Pings are answered one at a time, in the order they came; pipelined ones wait their turn.
- A later request that is not a ping goes to aiohttp rebuilt from what was parsed, marked
  `Connection: close`; requests pipelined behind it go unanswered and the client sends them
  again on a new connection, as HTTP/1.1 asks of a client that pipelines.
- The deadlines are the server's: a request head within `head_timeout` of its first byte,
  an idle connection closed after `keepalive_timeout`.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Mapping
from http import HTTPStatus
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal

from aiohttp import HttpVersion, StreamReader
from aiohttp.base_protocol import BaseProtocol
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.http_parser import HttpRequestParser, RawRequestMessage
from aiohttp.streams import EMPTY_PAYLOAD
from aiohttp.web_protocol import RequestPayloadError
from yarl import URL

from beatwatch.web.header_text import repaired_headers
from beatwatch.web.pings import (
    CONTINUE,
    PingReceiver,
    PingReply,
    expects_continue,
    path_target,
    ping_target,
    read_capped,
)
from beatwatch.web.reply_bytes import closing_refusal, reply_bytes

if TYPE_CHECKING:
    from beatwatch.web.http_server import GuardedServer

log = logging.getLogger("beatwatch.receiver")

# aiohttp's limits for a request head, so both kinds of connection refuse the same heads.
MAX_LINE = 8190
MAX_FIELD = 8190
MAX_HEADERS = 128
READ_BUFFER = 2**16
# Parsed requests held while earlier ones are answered; reading pauses beyond this.
QUEUED_REQUESTS = 32
# A request passed on to aiohttp keeps this much of its body: more than the application
# takes (aiohttp's client_max_size), so an oversized one still gets the application's 413.
FORWARDED_BODY = 1024**2 + 1
# Headers a rebuilt request does without: its body is decoded and re-framed, and it closes.
_NOT_REBUILT = frozenset(
    {b"content-length", b"transfer-encoding", b"content-encoding", b"connection", b"expect"}
)
Target = tuple[str, str] | None  # what ping_target found
Waiting = Literal["head", "idle"]
_NO_QUERY: Mapping[str, str] = MappingProxyType({})
# A deadline this close when its timer fires counts as passed (timers may fire a hair early).
DEADLINE_SLACK = 0.01
# The URL is None for a plain target (see _parsed), which is read as it is.
_Parsed = tuple[RawRequestMessage, StreamReader, URL | None, Target]
_Queued = _Parsed | HttpProcessingError


class RawPing:
    """A request under /ping as this connection parsed it, for the receiver."""

    __slots__ = (
        "_payload",
        "_target",
        "_transport",
        "_url",
        "_version",
        "headers",
        "method",
        "remote",
    )

    def __init__(
        self,
        message: RawRequestMessage,
        url: URL | None,
        payload: StreamReader,
        remote: str | None,
        transport: asyncio.Transport,
    ) -> None:
        self.method = message.method
        self.headers = repaired_headers(message.headers)
        self.remote = remote
        self._target = message.path
        self._url = url
        self._version = message.version
        self._payload = payload
        self._transport = transport

    @property
    def query(self) -> Mapping[str, str]:
        return _NO_QUERY if self._url is None else self._url.query

    @property
    def path_qs(self) -> str:
        return self._target if self._url is None else self._url.path_qs

    async def read_body(self, limit: int) -> bytes:
        return await _read_body(self._transport, self._version, self.headers, self._payload, limit)


async def _read_body(
    transport: asyncio.Transport,
    version: HttpVersion,
    headers: Mapping[str, str],
    payload: StreamReader,
    limit: int,
) -> bytes:
    """The first `limit` bytes of a body, the client told to go on if it waits to be."""
    if payload is EMPTY_PAYLOAD:
        return b""
    if expects_continue(version, headers):
        transport.write(CONTINUE)
    return await read_capped(payload, limit)


def _parsed(message: RawRequestMessage, payload: StreamReader) -> _Parsed:
    target = message.path
    if _is_plain(target):
        return message, payload, None, path_target(target)
    # An absolute-form target (`GET http://host/ping/...`) names the same path.
    url = message.url.relative() if message.url.absolute else message.url
    return message, payload, url, ping_target(url)


def _is_plain(target: str) -> bool:
    """Whether a request target is a path with no escape, query or fragment, as nearly every
    ping's is: it is then its own path_safe and path_qs, with an empty query. Read as it is,
    it skips the parsing of a new URL object, which yarl caches for only the last 128 URLs,
    fewer than a fleet's checks."""
    return target[:1] == "/" and "%" not in target and "?" not in target and "#" not in target


class PingConnection(BaseProtocol):
    def __init__(self, server: GuardedServer, receiver: PingReceiver) -> None:
        parser = HttpRequestParser(
            self,
            server.loop,
            READ_BUFFER,
            max_line_size=MAX_LINE,
            max_field_size=MAX_FIELD,
            max_headers=MAX_HEADERS,
            payload_exception=RequestPayloadError,
            max_msg_queue_size=QUEUED_REQUESTS,
        )
        super().__init__(server.loop, parser)
        self._request_parser = parser
        self._server = server
        self._receiver = receiver
        # Every chunk so far, until the first request is known to be a ping.
        self._received: list[bytes] | None = []
        self._queue: deque[_Queued] = deque()
        self._answering: asyncio.Task[None] | None = None
        self._payload: StreamReader | None = None  # the body being read, if any
        self._peer: str | None = None
        # Closed, or aiohttp's now: nothing more is read or answered.
        self._closing = False
        # What is queued is answered, the last reply closing the connection.
        self._reading_stopped = False
        # What the connection waits for, and until when; one timer serves both.
        self._waiting_for: Waiting | None = None
        self._deadline_at = 0.0
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = 0.0

    # -- asyncio's calls ---------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        peer = transport.get_extra_info("peername")
        self._peer = str(peer[0]) if peer else None
        if self._server.admit(self, self._peer or ""):
            self._expect("head")

    def data_received(self, data: bytes) -> None:
        if self._closing or self._reading_stopped:
            return
        if self._received is not None:
            self._received.append(data)
        if self._waiting_for == "idle":  # the first byte of the next request
            self._expect("head")
        try:
            messages, upgraded, _ = self._request_parser.feed_data(data)
        except HttpProcessingError as exc:
            if self._received is not None:
                self._hand_over(b"".join(self._received))
                return
            self._queue_request(exc)
            self._stop_reading()
            return
        for message, payload in messages:
            parsed = _parsed(message, payload)
            if self._received is not None:
                if parsed[3] is None:  # not a ping: aiohttp's from the first byte
                    self._hand_over(b"".join(self._received))
                    return
                self._received = None
            self._queue_request(parsed)
        if upgraded:  # nothing after an upgrade request is HTTP for this connection
            self._stop_reading()
        if len(self._queue) >= QUEUED_REQUESTS:
            self._pause_reading_for_buffer()

    def connection_lost(self, exc: BaseException | None) -> None:
        super().connection_lost(exc)
        self._closing = True
        self._disarm_deadlines()
        self._server.forget(self)
        gone = ConnectionResetError("the client closed the connection")
        if self._payload is not None:
            self._payload.set_exception(gone)
        for item in self._queue:
            if not isinstance(item, HttpProcessingError):
                item[1].set_exception(gone)
        self._queue.clear()
        self._request_parser = None  # type: ignore[assignment]

    # -- what the server asks of a connection --------------------------------------------

    def force_close(self) -> None:
        self._closing = True
        self._disarm_deadlines()
        if self.transport is not None:
            self.transport.close()

    def close(self) -> None:
        """Answer what was received, then close (the server is shutting down)."""
        self._stop_reading()
        if self._answering is None:
            self.force_close()

    async def shutdown(self, timeout: float | None) -> None:
        self.close()
        if self._answering is not None:
            await asyncio.wait([self._answering], timeout=timeout)
        self.force_close()

    def answer_and_close(self, status: HTTPStatus, message: str, *headers: tuple[str, str]) -> None:
        """A reply before any request could be read, then the connection closed."""
        if self.transport is not None:
            self.transport.write(closing_refusal(status, message, self._now(), *headers))
        self.force_close()

    # -- answering -----------------------------------------------------------------------

    def _queue_request(self, item: _Queued) -> None:
        self._waiting_for = None  # a head came: the timer, when it fires, finds nothing due
        self._queue.append(item)
        self._server.table.busy(self)
        if self._answering is None:
            self._answering = self._loop.create_task(self._answer_queued())

    async def _answer_queued(self) -> None:
        try:
            while self._queue and self.transport is not None:
                item = self._queue.popleft()
                self._request_parser.message_consumed()
                if self._buffer_paused and len(self._queue) <= QUEUED_REQUESTS // 2:
                    self._resume_queue_reading()
                if not await self._answer(item):
                    self.force_close()
                    return
                if self._paused:  # the client is slow to read: let the socket drain
                    await self._drain_helper()
        except (ConnectionError, RequestPayloadError):
            self.force_close()  # the client went away mid-request
        except Exception:
            log.exception("could not answer a ping request")
            self.answer_and_close(
                HTTPStatus.INTERNAL_SERVER_ERROR, "internal error (see the beatwatch log)"
            )
        finally:
            self._answering = None
        if self._closing or self._reading_stopped:
            self.force_close()
        elif self.transport is not None:
            self._server.table.idle(self)
            self._expect("idle")

    async def _answer(self, item: _Queued) -> bool:
        """Answer one request; whether the connection stays open."""
        assert self.transport is not None
        if isinstance(item, HttpProcessingError):
            reason = self._server.bad_requests.report(self._peer, 400, item)
            self.transport.write(closing_refusal(400, reason, self._now()))
            return False
        message, payload, url, target = item
        if target is None:
            await self._pass_on(message, payload)
            return True
        self._payload = payload
        try:
            request = RawPing(message, url, payload, self._peer, self.transport)
            reply: PingReply = await self._receiver.answer(request, *target)
        finally:
            self._payload = None
        last = self._reading_stopped and not self._queue
        keep_alive = not (message.should_close or last or self._closing)
        if self.transport is not None:
            self.transport.write(
                reply_bytes(
                    reply,
                    self._now(),
                    message.version,
                    keep_alive=keep_alive,
                    head_only=message.method == "HEAD",
                )
            )
        return keep_alive

    async def _pass_on(self, message: RawRequestMessage, payload: StreamReader) -> None:
        """Give the connection to aiohttp with `message` rebuilt as its one request."""
        assert self.transport is not None
        self._payload = payload
        try:
            body = await _read_body(
                self.transport, message.version, message.headers, payload, FORWARDED_BODY
            )
        finally:
            self._payload = None
        self._stop_reading()  # what is pipelined behind it is the client's to send again
        if self.transport is not None:
            self._hand_over(_rebuilt(message, body))

    def _hand_over(self, received: bytes) -> None:
        """From here on aiohttp serves the connection, starting from `received`. A request
        passed on is whole, so reading stays paused: aiohttp closes after answering it."""
        transport = self.transport
        assert transport is not None
        self._closing = True
        self._disarm_deadlines()
        self.transport = None  # nothing of this object touches the connection again
        handler = self._server.take_over(self)
        transport.set_protocol(handler)
        handler.connection_made(transport)
        handler.data_received(received)

    def _now(self) -> float:
        return self._server.clock.now()

    # -- reading and deadlines ---------------------------------------------------------

    def _stop_reading(self) -> None:
        self._reading_stopped = True
        if self.transport is not None and not self.transport.is_closing():
            self.transport.pause_reading()

    def _resume_queue_reading(self) -> None:
        # Parse what the paused parser kept back, then read again if it stayed under the cap.
        self._buffer_paused = False
        self.data_received(b"")
        if not self._buffer_paused and not (self._closing or self._reading_stopped):
            self._resume_reading_for_buffer()

    def _expect(self, what: Waiting) -> None:
        """Wait for a request head (`head_timeout`) or, idle, for its first byte
        (`keepalive_timeout`). The timer is moved only when the deadline comes sooner, so
        the pings of a kept-alive connection do not each set and cancel timers."""
        limits = self._server.limits
        seconds = limits.head_timeout if what == "head" else limits.keepalive_timeout
        self._waiting_for = what
        self._deadline_at = self._loop.time() + seconds
        if self._timer is None or self._deadline_at < self._timer_at:
            self._set_timer()

    def _set_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = self._loop.call_at(self._deadline_at, self._deadline_passed)
        self._timer_at = self._deadline_at

    def _deadline_passed(self) -> None:
        self._timer = None
        if self._waiting_for is None:
            return
        if self._deadline_at - self._loop.time() > DEADLINE_SLACK:  # put off meanwhile
            self._set_timer()
        elif self._waiting_for == "idle":
            self.force_close()
        else:
            seconds = f"{self._server.limits.head_timeout:g}"
            self.answer_and_close(
                HTTPStatus.REQUEST_TIMEOUT, f"the request head did not arrive within {seconds} s"
            )

    def _disarm_deadlines(self) -> None:
        self._waiting_for = None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


def _rebuilt(message: RawRequestMessage, body: bytes) -> bytes:
    """`message` and its (decoded) body as one request for aiohttp, after which it closes."""
    version: HttpVersion = message.version
    target = message.path.encode("utf-8", "surrogateescape")
    lines = [b"%s %s HTTP/%d.%d" % (message.method.encode(), target, *version)]
    lines += [
        name + b": " + value
        for name, value in message.raw_headers
        if name.lower() not in _NOT_REBUILT
    ]
    lines += [b"Content-Length: %d" % len(body), b"Connection: close"]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body
