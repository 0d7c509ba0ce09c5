"""The management API under /api/v1: everything the terminal UI can do, for scripts, Ansible
and dashboards, on the same listener as the pings.

Each source address may make api_rate_limit requests (429 beyond it, with Retry-After).
Every route wants a bearer token (`beatwatch token create`); a read-only token may only read.
The one exception is /api/v1/openapi.json, which describes the routes and holds no data.
Errors are JSON, `{"error": "...", "field": "..."}`: a 4xx for anything the caller can fix
(the field names what to fix, or is null), 503 while the database cannot take changes.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from aiohttp import web
from aiohttp.typedefs import Handler

from beatwatch.core.errors import ApiError, NotFound, StorageError, ValidationError
from beatwatch.core.ratelimit import RateLimiter
from beatwatch.web.api_alerts import alert_routes
from beatwatch.web.api_checks import check_routes
from beatwatch.web.api_http import (
    TOKEN_KEY,
    authenticate,
    check_rate,
    error_response,
    require_write,
)
from beatwatch.web.api_oncall import oncall_routes
from beatwatch.web.openapi import OPENAPI_PATH, openapi_document

if TYPE_CHECKING:
    from beatwatch.service.service import Service

log = logging.getLogger("beatwatch.api")
API_PREFIX = "/api/v1"


@web.middleware
async def _json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every failure as a JSON reply with the status that tells the caller what to do."""
    try:
        return await handler(request)
    except ApiError as exc:
        return error_response(exc.http_status, exc.message, exc.field, exc.headers)
    except ValidationError as exc:
        return error_response(exc.http_status, exc.message, exc.field)
    except NotFound as exc:
        return error_response(exc.http_status, str(exc))
    except StorageError as exc:
        return error_response(exc.http_status, f"the database cannot take changes right now: {exc}")
    except web.HTTPMethodNotAllowed as exc:
        allowed = ", ".join(sorted(exc.allowed_methods))
        return error_response(
            405,
            f"{request.method} is not allowed on {request.path}; allowed: {allowed}",
            headers={"Allow": allowed},
        )
    except web.HTTPNotFound:
        return error_response(
            404,
            f"no API route is {request.path} (see {API_PREFIX}{OPENAPI_PATH} for every route)",
        )
    except web.HTTPException as exc:
        return error_response(exc.status, exc.reason)
    except Exception:
        log.exception("the API failed on %s %s", request.method, request.path)
        return error_response(500, "internal error in beatwatch (see its log for the cause)")


def _authentication(service: Service) -> web.Middleware:
    @web.middleware
    async def authenticate_request(request: web.Request, handler: Handler) -> web.StreamResponse:
        # Unknown routes and wrong methods are answered as such, token or not: the routes
        # are public in the OpenAPI document anyway.
        if request.match_info.http_exception is None and request.path != (
            API_PREFIX + OPENAPI_PATH
        ):
            token = await authenticate(service, request)
            require_write(token, request.method)
            request[TOKEN_KEY] = token
        return await handler(request)

    return authenticate_request


def _rate_limit(limiter: RateLimiter, service: Service) -> web.Middleware:
    trusted = service.settings.trusted_networks()

    @web.middleware
    async def limit_rate(request: web.Request, handler: Handler) -> web.StreamResponse:
        check_rate(limiter, request, trusted, service.clock)
        return await handler(request)

    return limit_rate


def api_app(service: Service, limiter: RateLimiter | None = None) -> web.Application:
    """The API as an application to mount at API_PREFIX; `limiter` counts requests per
    source address (shared with /metrics)."""
    middlewares = [_json_errors, _authentication(service)]
    if limiter is not None:
        middlewares.insert(1, _rate_limit(limiter, service))
    app = web.Application(middlewares=middlewares)
    app.add_routes(check_routes(service))
    app.add_routes(alert_routes(service))
    app.add_routes(oncall_routes(service))

    async def openapi(request: web.Request) -> web.Response:
        return web.json_response(openapi_document(service.base_url + API_PREFIX))

    app.router.add_get(OPENAPI_PATH, openapi)
    return app
