"""healthchecks' Management API, for the clients and scripts written against it: checks
(list, get, create with upsert, update, pause, resume, delete, pings, flips), channels,
badges and status, under /api/v3/ and /api/v2/ and, beside beatwatch's own API, /api/v1/.

Keys are beatwatch's API tokens, sent as `X-Api-Key` (or `api_key` in a JSON body): a
read-write token is healthchecks' read-write key, a read-only one its read-only key. Errors
are healthchecks' `{"error": "..."}` with its status codes and, where it has them, its words.

Under /api/v1/ beatwatch's own API comes first: a request goes to this one when it carries
`X-Api-Key` and no `Authorization` header, or when beatwatch's API has no route for it
(healthchecks' paths end in a slash, and it updates a check by POST, where beatwatch uses
PATCH).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web
from aiohttp.typedefs import Handler

from beatwatch.core.errors import ApiError, NotFound, StorageError, ValidationError
from beatwatch.core.healthchecks_fields import (
    CheckLinks,
    HcCheckFields,
    HcFieldError,
    channel_to_hc,
    channel_uuid,
    check_to_hc,
    flips,
    hc_spec,
    matches_unique,
    parse_hc_check,
    ping_to_hc,
    refuse_unsupported,
    resolve_channels,
    unique_key,
    wants_upsert,
)
from beatwatch.core.model import Channel, Check, State
from beatwatch.core.ratelimit import RateLimiter
from beatwatch.core.reach import chosen_channels
from beatwatch.core.rules import evaluate
from beatwatch.core.validation import differing_fields, spec_of
from beatwatch.service.tokens import Token
from beatwatch.store.database import TRANSITIONS_KEPT
from beatwatch.web.api_http import check_rate
from beatwatch.web.badges import ALL_CHECKS, FORMATS

if TYPE_CHECKING:
    from beatwatch.service.service import Service

log = logging.getLogger("beatwatch.api")
_PREFIX = re.compile(r"^/api/v(?P<version>[123])/(?P<tail>.*)$")
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_UUID_OR_KEY = rf"(?:{_UUID}|[0-9a-f]{{40}})"
# beatwatch's names for check fields -> healthchecks', for the errors validation raises.
_HC_FIELD = {
    "every": "timeout",
    "cron": "schedule",
    "schedule": "schedule",
    "description": "desc",
}


class HcError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.http_status = status
        self.message = message
        self.headers = headers or {}


def _not_found() -> HcError:
    return HcError(404, "not found")


@dataclass(frozen=True, slots=True)
class Call:
    """One request as a handler sees it: its version, path parameters, key and body."""

    request: web.Request
    version: int
    params: dict[str, str]
    token: Token
    body: dict[str, Any]

    @property
    def readonly(self) -> bool:
        return self.token.read_only


HcHandler = Callable[[Call], Awaitable[web.StreamResponse]]


@dataclass(frozen=True, slots=True)
class _Route:
    method: str
    pattern: re.Pattern[str]
    handler: HcHandler | None  # None: no key needed (status)
    writes: bool  # needs the read-write key


class HealthchecksApi:
    def __init__(self, service: Service, limiter: RateLimiter | None) -> None:
        self.service = service
        self.limiter = limiter
        self._routes = [
            self._route("GET", "checks/", self.list_checks),
            self._route("POST", "checks/", self.create_check, writes=True),
            self._route("GET", f"checks/(?P<code>{_UUID_OR_KEY})", self.get_check),
            self._route("POST", f"checks/(?P<code>{_UUID})", self.update_check, writes=True),
            self._route("DELETE", f"checks/(?P<code>{_UUID})", self.delete_check, writes=True),
            self._route("POST", f"checks/(?P<code>{_UUID})/pause", self.pause, writes=True),
            self._route("POST", f"checks/(?P<code>{_UUID})/resume", self.resume, writes=True),
            self._route("GET", f"checks/(?P<code>{_UUID})/pings/", self.pings, writes=True),
            self._route(
                "GET", f"checks/(?P<code>{_UUID})/pings/(?P<n>[0-9]+)/body", self.body, writes=True
            ),
            self._route("GET", f"checks/(?P<code>{_UUID_OR_KEY})/flips/", self.flips),
            self._route("GET", "channels/", self.channels, writes=True),
            self._route("GET", "badges/", self.badges),
            _Route("GET", re.compile("status/"), None, writes=False),
        ]

    @staticmethod
    def _route(method: str, pattern: str, handler: HcHandler, writes: bool = False) -> _Route:
        return _Route(method, re.compile(pattern), handler, writes)

    # -- dispatch ------------------------------------------------------------------------

    def middleware(self) -> web.Middleware:
        """For the application that also serves beatwatch's own API at /api/v1."""

        @web.middleware
        async def healthchecks_routes(request: web.Request, handler: Handler) -> web.StreamResponse:
            found = _PREFIX.match(request.path)
            if found is None:
                return await handler(request)
            version, tail = int(found["version"]), found["tail"]
            if version == 1 and not self._takes_v1(request, tail):
                return await handler(request)
            return await self.answer(request, version, tail)

        return healthchecks_routes

    def _takes_v1(self, request: web.Request, tail: str) -> bool:
        if "Authorization" in request.headers:
            return False
        if "X-Api-Key" in request.headers:
            return True
        unrouted = request.match_info.http_exception is not None
        return unrouted and any(route.pattern.fullmatch(tail) for route in self._routes)

    async def answer(self, request: web.Request, version: int, tail: str) -> web.StreamResponse:
        try:
            check_rate(
                self.limiter, request, self.service.settings.trusted_networks(), self.service.clock
            )
            return await self._dispatch(request, version, tail)
        except ApiError as exc:  # the rate limit
            return _error(exc.http_status, exc.message, exc.headers)
        except HcError as exc:
            return _error(exc.http_status, exc.message, exc.headers)
        except HcFieldError as exc:
            return _error(400, exc.message)
        except ValidationError as exc:
            field = _HC_FIELD.get(exc.field, exc.field)
            return _error(400, f"{field}: {exc.message}")
        except NotFound:
            return _error(404, "not found")
        except StorageError as exc:
            return _error(503, f"the database cannot take changes right now: {exc}")
        except Exception:
            log.exception("the healthchecks API failed on %s %s", request.method, request.path)
            return _error(500, "internal error in beatwatch (see its log for the cause)")

    async def _dispatch(self, request: web.Request, version: int, tail: str) -> web.StreamResponse:
        matching = [r for r in self._routes if r.pattern.fullmatch(tail)]
        if not matching:
            raise _not_found()
        route = next((r for r in matching if r.method == request.method), None)
        if route is None:
            allowed = ", ".join(sorted({r.method for r in matching}))
            raise HcError(405, f"{request.method} is not allowed here", {"Allow": allowed})
        if route.handler is None:
            return await self.status()
        body = await _json_body(request)
        token = await self._authorize(request, body, route.writes)
        params = route.pattern.fullmatch(tail)
        assert params is not None
        return await route.handler(Call(request, version, params.groupdict(), token, body))

    async def _authorize(self, request: web.Request, body: dict[str, Any], writes: bool) -> Token:
        key = request.headers.get("X-Api-Key") or str(body.get("api_key", ""))
        if not key:
            raise HcError(401, "missing api key")
        token = await self.service.tokens.verify(key)
        # Like healthchecks, a read-only key is simply not a key where writing is needed.
        if token is None or (writes and token.read_only):
            raise HcError(401, "wrong api key")
        return token

    # -- shapes --------------------------------------------------------------------------

    def _api_root(self, version: int) -> str:
        return f"{self.service.base_url}/api/v{version}"

    async def _checks_json(self, call: Call, checks: list[Check]) -> list[dict[str, Any]]:
        badge_keys = await self.service.badge_keys()
        channels = await self.service.alerts.channels()
        now = self.service.clock.now()
        return [
            check_to_hc(
                check,
                now,
                CheckLinks(
                    api_root=self._api_root(call.version),
                    ping_url=self.service.ping_url(check),
                    badge_url=self.service.badge_url(badge_keys[check.id])
                    if check.id in badge_keys
                    else None,
                    channels=",".join(channel_uuid(c) for c in _alerted(check, channels)),
                ),
                readonly=call.readonly,
            )
            for check in checks
        ]

    async def _check_reply(self, call: Call, check: Check, status: int = 200) -> web.Response:
        return web.json_response((await self._checks_json(call, [check]))[0], status=status)

    async def _check(self, call: Call) -> Check:
        """The check the path names: by uuid, or by unique_key (read-only keys' id)."""
        code = call.params["code"].lower()
        if len(code) == 40:
            checks = await self.service.list_checks()
            found = next((c for c in checks if unique_key(c.uuid) == code), None)
        else:
            found = await self.service.get_check(code)
        # A check is also found by its slug or name: only the uuid counts here.
        if found is None or (len(code) != 40 and found.uuid != code):
            raise _not_found()
        return found

    # -- handlers ------------------------------------------------------------------------

    async def list_checks(self, call: Call) -> web.Response:
        tags = set(call.request.query.getall("tag", []))
        slug = call.request.query.get("slug")
        checks = [
            c
            for c in await self.service.list_checks()
            if tags <= set(c.tags) and (not slug or c.slug == slug)
        ]
        return web.json_response({"checks": await self._checks_json(call, checks)})

    async def get_check(self, call: Call) -> web.Response:
        return await self._check_reply(call, await self._check(call))

    async def create_check(self, call: Call) -> web.Response:
        fields, channels = await self._fields(call)
        if wants_upsert(fields):
            for check in await self.service.list_checks():
                if matches_unique(check, fields):
                    return await self._check_reply(call, await self._update(call, check, fields))
        spec = hc_spec(fields, None, [c.name for c in channels], call.version)
        if not spec.name:
            raise HcError(400, "name: beatwatch needs a name for every check")
        check = await self.service.add_check(spec)
        return await self._check_reply(call, check, status=201)

    async def update_check(self, call: Call) -> web.Response:
        check = await self._check(call)
        fields, _ = await self._fields(call)
        return await self._check_reply(call, await self._update(call, check, fields))

    async def _fields(self, call: Call) -> tuple[HcCheckFields, list[Channel]]:
        fields = parse_hc_check(call.body)
        refuse_unsupported(fields)
        channels = await self.service.alerts.channels()
        if "channels" in fields.given:
            named = resolve_channels(fields.given["channels"], channels)
            fields = HcCheckFields({**fields.given, "channels": named}, fields.unique)
        return fields, channels

    async def _update(self, call: Call, check: Check, fields: HcCheckFields) -> Check:
        before = spec_of(check)
        names = [c.name for c in await self.service.alerts.channels()]
        changes = differing_fields(before, hc_spec(fields, before, names, call.version))
        if not changes:
            return check
        return await self.service.update_check(str(check.id), **changes)

    async def delete_check(self, call: Call) -> web.Response:
        check = await self._check(call)
        reply = await self._check_reply(call, check)
        await self.service.delete_check(str(check.id))
        return reply

    async def pause(self, call: Call) -> web.Response:
        check = await self._check(call)
        return await self._check_reply(call, await self.service.pause_check(str(check.id)))

    async def resume(self, call: Call) -> web.Response:
        check = await self._check(call)
        if evaluate(check, self.service.clock.now()).state is not State.PAUSED:
            raise HcError(409, "check is not paused")
        resumed = await self.service.resume_check(str(check.id))
        return await self._check_reply(call, resumed.check)

    async def pings(self, call: Call) -> web.Response:
        check = await self._check(call)
        root = f"{self._api_root(call.version)}/checks/{check.uuid}/pings"
        found = await self.service.pings(str(check.id))
        return web.json_response(
            {"pings": [ping_to_hc(p, f"{root}/{p.number}/body") for p in found]}
        )

    async def body(self, call: Call) -> web.Response:
        check = await self._check(call)
        number = int(call.params["n"])
        for ping in await self.service.pings(str(check.id)):
            if ping.number == number and ping.body:
                return web.Response(body=ping.body, content_type="text/plain")
        raise _not_found()

    async def flips(self, call: Call) -> web.Response:
        check = await self._check(call)
        since, until = _flip_window(call.request, self.service.clock.now())
        history = [
            t
            for t in await self.service.transitions(str(check.id), TRANSITIONS_KEPT)
            if t.at >= since and (until is None or t.at < until)
        ]
        found = flips(history)
        # Before v3 healthchecks answered with the bare list.
        return web.json_response({"flips": found} if call.version >= 3 else found)

    async def channels(self, call: Call) -> web.Response:
        channels = await self.service.alerts.channels()
        return web.json_response({"channels": [channel_to_hc(c) for c in channels]})

    async def badges(self, call: Call) -> web.Response:
        """Each tag's badges, and `*`'s for every check: svg, json and shields, with three
        states (up, late, down), and with two (late reads as up) as healthchecks gives them."""
        tags = sorted({tag for check in await self.service.list_checks() for tag in check.tags})
        badges = {}
        for tag in [*tags, ALL_CHECKS]:
            key = await self.service.tag_badge_key(tag)
            urls = {}
            for fmt in FORMATS:
                url = self.service.tag_badge_url(key, tag, fmt)
                urls[fmt], urls[f"{fmt}3"] = f"{url}?states=2", url
            badges[tag] = urls
        return web.json_response({"badges": badges})

    async def status(self) -> web.Response:
        """ "OK" while the database answers and takes writes, as healthchecks' own probe."""
        await self.service.unknown_ping_count()
        if self.service.storage_fault:
            raise HcError(503, f"the database cannot take changes: {self.service.storage_fault}")
        return web.Response(text="OK")


def _alerted(check: Check, channels: list[Channel]) -> list[Channel]:
    return chosen_channels(channels, check.channels)


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response({"error": message}, status=status, headers=headers or {})


async def _json_body(request: web.Request) -> dict[str, Any]:
    if request.method != "POST":
        return {}
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge as exc:
        limit = exc.text.rstrip(".").lower()
        raise HcError(413, f"the request body is too large: {limit}") from None
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise HcError(400, "could not parse request body") from None
    if not isinstance(data, dict):
        raise HcError(400, "json validation error: value is not an object")
    return data


def _flip_window(request: web.Request, now: float) -> tuple[float, float | None]:
    """?seconds=, ?start=, ?end= (UNIX times): which flips to list."""
    values = {}
    for name in ("seconds", "start", "end"):
        raw = request.query.get(name)
        if raw is not None:
            if not raw.isdigit():
                raise HcError(400, f"{name} must be a whole number of seconds")
            values[name] = int(raw)
    since = float(values.get("start", 0))
    if "seconds" in values:
        since = max(since, now - values["seconds"])
    return since, values.get("end")


def healthchecks_api(service: Service, limiter: RateLimiter | None = None) -> web.Middleware:
    """The middleware that serves healthchecks' API on the engine's application."""
    return HealthchecksApi(service, limiter).middleware()
