"""What every management API handler shares: rate limits, bearer-token checks, JSON error
replies, and reading typed fields from a JSON body or the query string.

A bad value raises ValidationError naming the field as the caller spelled it, so the reply
can say which one to fix.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from aiohttp import web

from beatwatch.core.errors import ApiError, ValidationError
from beatwatch.core.ratelimit import RateLimiter, retry_after
from beatwatch.core.timefmt import parse_duration, parse_time
from beatwatch.engine.clock import Clock
from beatwatch.store.token_rows import Token
from beatwatch.web.pings import client_address

if TYPE_CHECKING:
    from beatwatch.service.service import Service

READ_METHODS = frozenset({"GET", "HEAD"})
# Where the authentication middleware leaves the request's token.
TOKEN_KEY = web.RequestKey("beatwatch.token", Token)
Parser = Callable[[Any], Any]


def error_response(
    status: int, message: str, field: str | None = None, headers: dict[str, str] | None = None
) -> web.Response:
    return web.json_response(
        {"error": message, "field": field}, status=status, headers=headers or {}
    )


def check_rate(
    limiter: RateLimiter | None,
    request: web.BaseRequest,
    trusted: Sequence[ipaddress.IPv4Network | ipaddress.IPv6Network],
    clock: Clock,
) -> None:
    """ApiError 429 while the caller's address is over the API rate limit. Checked before the
    token, so guessing tokens is slowed down too."""
    if limiter is None:
        return
    wait = limiter.take(client_address(request, trusted) or "", clock.monotonic())
    if wait:
        raise ApiError(
            429,
            "too many API requests from this address; retry after the Retry-After seconds "
            "(the limit is api_rate_limit in beatwatch.toml)",
            headers={"Retry-After": retry_after(wait)},
        )


async def authenticate(service: Service, request: web.Request) -> Token:
    """The token the request carries; ApiError 401 if it carries none or an unknown one."""
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise ApiError(
            401,
            "this needs an API token: send 'Authorization: Bearer <token>' "
            "(make one with `beatwatch token create`)",
            headers={"WWW-Authenticate": 'Bearer realm="beatwatch"'},
        )
    token = await service.tokens.verify(secret.strip())
    if token is None:
        raise ApiError(
            401,
            "this API token is not valid: it was revoked or mistyped (see `beatwatch token list`)",
            headers={"WWW-Authenticate": 'Bearer realm="beatwatch", error="invalid_token"'},
        )
    return token


def may_see_credentials(request: web.Request) -> bool:
    """Ping URLs (and the uuids in them) let their holder change a check's state: a
    read-only token, made to look, does not get them."""
    token: Token | None = request.get(TOKEN_KEY)
    return token is not None and not token.read_only


def require_write(token: Token, method: str) -> None:
    if token.read_only and method not in READ_METHODS:
        raise ApiError(
            403,
            f"token {token.name!r} is read-only; changes need a token made without --read-only",
        )


# -- request bodies ------------------------------------------------------------------------


async def json_object(request: web.Request, required: bool = True) -> dict[str, Any]:
    """The request body as a JSON object ({} for an empty body when none is required)."""
    raw = await request.read()
    if not raw.strip():
        if required:
            raise ApiError(400, "this request needs a JSON object as its body")
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, f"the request body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ApiError(400, "the request body must be a JSON object ({...})")
    return data


async def no_fields(request: web.Request) -> None:
    """For an action that takes no fields: an empty body or {}. A stray field is refused,
    not ignored, so that a caller who meant something by it finds out."""
    given = await json_object(request, required=False)
    if given:
        field = next(iter(given))
        raise ValidationError(field, f"unknown field {field!r}; this request takes no fields")


def parse_fields(data: dict[str, Any], parsers: dict[str, Parser]) -> dict[str, Any]:
    """Each given field through its parser; a field with no parser is refused by name."""
    for key in data:
        if key not in parsers:
            raise ValidationError(key, f"unknown field {key!r}; accepted: {', '.join(parsers)}")
    parsed = {}
    for key, value in data.items():
        try:
            parsed[key] = parsers[key](value)
        except (TypeError, ValueError) as exc:
            raise ValidationError(key, f"{key}: {exc}") from None
    return parsed


def text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("must be a string")
    return value


def flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError("must be true or false")
    return value


def whole_number(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("must be a whole number")
    return value


def duration(value: Any) -> int:
    """Seconds as a number, or a duration such as "10m", "2h", "1d"."""
    if isinstance(value, str):
        return parse_duration(value)
    seconds = whole_number(value)
    if seconds < 0:
        raise ValueError("must not be negative")
    return seconds


def point_in_time(clock: Clock) -> Parser:
    """ISO 8601 ("2026-11-24T06:00:00Z"; without a zone: the server's local time)."""
    return lambda value: parse_time(text(value), clock.now())


def names(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TypeError("must be a list of strings")
    return tuple(value)


def nullable(parser: Parser) -> Parser:
    return lambda value: None if value is None else parser(value)


# -- query strings -------------------------------------------------------------------------


def query_int(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
        raise ValidationError(name, f"{name} must be a whole number from {low} to {high}")
    return int(raw)


def query_flag(request: web.Request, name: str) -> bool:
    """1 or 0, as the OpenAPI document says: one spelling, so no client relies on another."""
    raw = request.query.get(name, "0")
    if raw not in ("0", "1"):
        raise ValidationError(name, f"{name} must be 1 or 0")
    return raw == "1"
