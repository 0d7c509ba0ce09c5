"""A receiver's reply as the bytes written to the socket, for the server's own connections:
the same status line and headers aiohttp writes for it, built once and then reused (a ping's
200 differs only in its Date, which changes once a second)."""

from __future__ import annotations

from email.utils import formatdate
from functools import lru_cache
from http import HTTPStatus

from aiohttp import HttpVersion, HttpVersion11

from beatwatch.web.pings import COMMON_HEADERS, PingReply, refusal

_COMMON = "".join(f"{name}: {value}\r\n" for name, value in COMMON_HEADERS.items())


def reply_bytes(
    reply: PingReply,
    now: float,
    version: HttpVersion = HttpVersion11,
    *,
    keep_alive: bool,
    head_only: bool = False,
) -> bytes:
    """`reply`, sent at `now`, to a request of HTTP `version`; `head_only` for a HEAD, whose
    reply says the body's length but carries none."""
    return _encoded(reply, version, keep_alive, head_only, _http_date(int(now)))


def closing_refusal(status: int, message: str, now: float, *headers: tuple[str, str]) -> bytes:
    """A JSON refusal sent at `now`, after which the connection closes."""
    return reply_bytes(refusal(status, message, *headers), now, keep_alive=False)


@lru_cache(maxsize=64)
def _encoded(
    reply: PingReply, version: HttpVersion, keep_alive: bool, head_only: bool, date: str
) -> bytes:
    phrase = HTTPStatus(reply.status).phrase
    extra = "".join(f"{name}: {value}\r\n" for name, value in reply.headers)
    if not keep_alive:
        extra += "Connection: close\r\n"
    elif version < HttpVersion11:
        extra += "Connection: keep-alive\r\n"
    head = (
        f"HTTP/{version.major}.{version.minor} {reply.status} {phrase}\r\n{_COMMON}"
        f"Content-Type: application/json\r\n{extra}"
        f"Content-Length: {len(reply.body)}\r\nDate: {date}\r\n\r\n"
    ).encode("ascii")
    return head if head_only else head + reply.body


@lru_cache(maxsize=2)
def _http_date(second: int) -> str:
    return formatdate(second, usegmt=True)
