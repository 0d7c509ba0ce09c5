"""Header values as text every handler can store, hash and print.

aiohttp decodes header bytes as UTF-8 with `surrogateescape`, so a byte that is not UTF-8
(a Latin-1 User-Agent such as b"J\\xf6rg") reaches handlers as a lone surrogate, which no
later `.encode()` accepts: SQLite, hashlib and the log would all fail on it. Repairing the
headers once, before any handler runs, turns each such byte into U+FFFD, as ping bodies are
shown, and leaves well-formed requests untouched.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain
from typing import TypeVar, cast

from aiohttp import web
from aiohttp.typedefs import Handler
from multidict import CIMultiDict, CIMultiDictProxy

RequestT = TypeVar("RequestT", bound=web.BaseRequest)


def _repaired(value: str) -> str:
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _is_clean(texts: Iterable[str]) -> bool:
    # One string for all of them: the usual all-ASCII request is then one test in C, with
    # no Python call per header; a lone surrogate anywhere fails the encode.
    text = "".join(texts)
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def repaired_headers(headers: CIMultiDictProxy[str]) -> CIMultiDictProxy[str]:
    """`headers`, or a copy of them holding no undecodable bytes."""
    if _is_clean(chain(headers.keys(), headers.values())):
        return headers
    cleaned = CIMultiDict((_repaired(name), _repaired(value)) for name, value in headers.items())
    return CIMultiDictProxy(cleaned)


def readable(request: RequestT) -> RequestT:
    """`request`, or a copy of it whose headers hold no undecodable bytes."""
    headers = repaired_headers(request.headers)
    if headers is request.headers:
        return request
    return cast(RequestT, request.clone(headers=headers))  # a clone keeps its class


@web.middleware
async def readable_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Hand the handler a request whose headers hold no undecodable bytes."""
    return await handler(readable(request))
