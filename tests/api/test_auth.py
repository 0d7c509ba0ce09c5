"""Every API route against every kind of caller, and the routes against the OpenAPI document."""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from types import SimpleNamespace
from typing import cast

import pytest
from aiohttp import web

from beatwatch.service.service import Service
from beatwatch.store.database import DB_FILE
from beatwatch.web.api import API_PREFIX, api_app
from beatwatch.web.openapi import OPENAPI_PATH
from tests.api.conftest import Api, assert_error

SAMPLE_PARAMS = {
    "ref": "no-such-check",
    "incident_id": "1",
    "window_id": "1",
    "override_id": "1",
    "name": "x",
}
WRITE_METHODS = {"POST", "PATCH", "PUT", "DELETE"}


def routes_of(service: Service) -> list[tuple[str, str]]:
    """(method, path below /api/v1) of every route, read from the mounted app's router."""
    root = web.Application()
    api = api_app(service)
    root.add_subapp(API_PREFIX, api)
    found = []
    for route in api.router.routes():
        if route.method == "HEAD":
            continue
        assert route.resource is not None
        canonical = route.resource.canonical
        assert canonical.startswith(API_PREFIX)
        found.append((route.method, canonical.removeprefix(API_PREFIX)))
    return found


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: SAMPLE_PARAMS.get(m[1], "some-host"), path)


async def test_every_route_is_documented_and_every_documented_route_exists(api: Api):
    document = await api.ok("GET", OPENAPI_PATH)
    documented = {
        (method.upper(), path) for path, item in document["paths"].items() for method in item
    }
    routed = set(routes_of(api.service))
    assert routed - documented == set(), "routes missing from the OpenAPI document"
    assert documented - routed == set(), "documented routes the server does not have"
    assert document["openapi"].startswith("3.0")
    assert document["servers"][0]["url"] == f"{api.base}/api/v1"


async def test_openapi_parameters_match_the_path_placeholders(api: Api):
    document = await api.ok("GET", OPENAPI_PATH)
    for path, item in document["paths"].items():
        placeholders = set(re.findall(r"\{(\w+)\}", path))
        for method, operation in item.items():
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == placeholders, f"{method} {path}"


async def test_the_openapi_document_needs_no_token(api: Api):
    reply = await api.call("GET", OPENAPI_PATH, token=None)
    assert reply.status == 200
    assert "/checks" in reply.json()["paths"]


def api_routes_needing_a_token() -> list[tuple[str, str]]:
    # Only the handlers use the service; the route table, needed at collection, does not.
    unused = cast(Service, SimpleNamespace(alerts=None, oncall=None, clock=None))
    return [(m, p) for m, p in routes_of(unused) if p != OPENAPI_PATH]


@pytest.mark.parametrize(("method", "path"), api_routes_needing_a_token())
async def test_a_request_without_a_token_is_refused(api: Api, method: str, path: str):
    reply = await api.call(method, concrete(path), token=None)
    assert_error(reply, 401)
    assert reply.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(("method", "path"), api_routes_needing_a_token())
async def test_a_request_with_a_wrong_token_is_refused(api: Api, method: str, path: str):
    reply = await api.call(method, concrete(path), token="bw_not-a-real-token")
    assert_error(reply, 401)
    assert 'error="invalid_token"' in reply.headers["WWW-Authenticate"]


@pytest.mark.parametrize(("method", "path"), api_routes_needing_a_token())
async def test_a_read_only_token_reads_but_never_writes(api: Api, method: str, path: str):
    reply = await api.call(method, concrete(path), {} if method in WRITE_METHODS else None, "ro")
    if method in WRITE_METHODS:
        assert_error(reply, 403)
    else:
        assert reply.status not in (401, 403), reply.text


async def test_a_read_only_token_never_sees_a_ping_credential(api: Api):
    created = await api.ok("POST", "/checks", {"name": "backup", "every_seconds": 3600}, 201)
    assert created["ping_url"].endswith(created["uuid"])

    for path in ("/checks", f"/checks/{created['id']}"):
        reply = await api.call("GET", path, token="ro")
        assert reply.status == 200
        assert created["uuid"] not in reply.text
        shown = reply.json()
        check = shown[0] if isinstance(shown, list) else shown
        assert (check["uuid"], check["ping_url"], check["name"]) == (None, None, "backup")


async def test_other_authorization_schemes_are_refused(api: Api):
    reply = await api.call("GET", "/checks", token=None, headers={"Authorization": api.token})
    assert_error(reply, 401)
    basic = {"Authorization": f"Basic {api.token}"}
    assert_error(await api.call("GET", "/checks", token=None, headers=basic), 401)


async def test_a_revoked_token_stops_working_at_once(api: Api):
    assert (await api.call("GET", "/checks")).status == 200
    await api.service.tokens.revoke("ops")
    assert_error(await api.call("GET", "/checks"), 401)
    assert (await api.call("GET", "/checks", token="ro")).status == 200


async def test_tokens_are_stored_only_as_hashes_and_record_their_last_use(api: Api):
    assert (await api.call("GET", "/checks", token="ro")).status == 200
    tokens = {t.name: t for t in await api.service.tokens.list()}
    assert tokens["dashboard"].last_used_at is not None
    assert tokens["ops"].last_used_at is None
    assert api.read_token not in tokens["dashboard"].digest
    with closing(sqlite3.connect(api.service.settings.data_dir / DB_FILE)) as conn:
        dump = "\n".join(conn.iterdump())
    assert api.token not in dump and api.read_token not in dump
