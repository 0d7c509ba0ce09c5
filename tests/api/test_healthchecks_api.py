"""healthchecks' Management API, driven by the real `healthchecks-io` client (PyPI) against
the real engine on 127.0.0.1:0, and by hand where the client does not reach."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from healthchecks_io import AsyncClient, CheckCreate, CheckUpdate
from healthchecks_io.client.exceptions import CheckNotFoundError, HCAPIAuthError

from beatwatch.core.healthchecks_fields import unique_key
from beatwatch.core.model import State
from beatwatch.core.validation import CheckSpec
from beatwatch.web.badges import badge_counts
from tests.api.conftest import Api

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def client(api: Api, key: str, version: int) -> AsyncClient:
    return AsyncClient(
        api_key=key,
        ping_key=api.service.ping_key,
        api_url=f"{api.base}/api/",
        ping_url=f"{api.base}/ping/",
        api_version=version,
        client=httpx.AsyncClient(),
    )


@pytest.fixture(params=[3, 1])
async def hc(api: Api, request: pytest.FixtureRequest) -> AsyncIterator[AsyncClient]:
    """The client at v3, and at v1, where beatwatch's own API also lives."""
    async with client(api, api.token, request.param) as running:
        yield running


@pytest.fixture
async def hc_readonly(api: Api) -> AsyncIterator[AsyncClient]:
    async with client(api, api.read_token, 1) as running:
        yield running


async def test_create_with_unique_then_list_get_update_and_delete(api: Api, hc: AsyncClient):
    created = await hc.create_check(
        CheckCreate(name="Nightly backup", tags="backup db1", timeout=7200, grace=3600)
    )
    assert created.uuid and created.ping_url == f"{api.base}/ping/{created.uuid}"
    assert (created.timeout, created.grace, created.tags, created.status) == (
        7200,
        3600,
        "backup db1",
        "new",
    )
    # The same name with unique: the same check, changed in place, not a second one.
    again = await hc.create_check(
        CheckCreate(name="Nightly backup", tags="backup", timeout=3600, grace=600, unique=["name"])
    )
    assert again.uuid == created.uuid and (again.timeout, again.grace) == (3600, 600)
    await hc.create_check(CheckCreate(name="Weekday report", schedule="30 2 * * 1-5", tz="UTC"))

    listed = await hc.get_checks()
    assert sorted(c.name for c in listed) == ["Nightly backup", "Weekday report"]
    assert [c.name for c in await hc.get_checks(tags=["backup"])] == ["Nightly backup"]
    by_slug = await hc._client.get(f"{hc._api_url}checks/", params={"slug": "weekday-report"})
    assert [c["name"] for c in by_slug.json()["checks"]] == ["Weekday report"]
    report = await hc.get_check(next(c.uuid for c in listed if c.name == "Weekday report"))
    assert (report.schedule if hasattr(report, "schedule") else None, report.timeout) == (
        None,
        None,
    )

    updated = await hc.update_check(
        created.uuid, CheckUpdate(name="Nightly backups", desc="pg_dump", grace=900)
    )
    assert (updated.name, updated.desc, updated.grace, updated.timeout) == (
        "Nightly backups",
        "pg_dump",
        900,
        3600,
    )
    stored = await api.service.get_check(created.uuid)
    assert (stored.name, stored.description, stored.grace_seconds) == (
        "Nightly backups",
        "pg_dump",
        900,
    )

    deleted = await hc.delete_check(created.uuid)
    assert deleted.name == "Nightly backups"
    with pytest.raises(CheckNotFoundError):
        await hc.get_check(created.uuid)


async def test_pause_resume_pings_and_flips(api: Api, hc: AsyncClient):
    check = await hc.create_check(CheckCreate(name="queue worker", timeout=120, grace=60))
    assert check.uuid is not None
    # Pings through the client's own ping calls, by uuid and by slug.
    await hc.start_ping(uuid=check.uuid)
    await hc.success_ping(slug="queue-worker", data="done: 12 jobs")
    await hc.exit_code_ping(3, uuid=check.uuid)

    pings = await hc.get_check_pings(check.uuid)
    assert [p.type for p in pings] == ["fail", "success", "start"]
    assert pings[1].duration is not None and pings[1].duration >= 0
    shown = await hc.get_check(check.uuid)
    assert (shown.status, shown.n_pings) == ("down", 3)
    if hc._api_url.endswith("/v1/"):
        flips = [f.up for f in await hc.get_check_flips(check.uuid)]
    else:
        # healthchecks answers {"flips": [...]} from v3 on, which this client reads only at v1.
        reply = await hc._client.get(f"{hc._api_url}checks/{check.uuid}/flips/")
        flips = [f["up"] for f in reply.json()["flips"]]
    assert flips == [0]

    paused = await hc.pause_check(check.uuid)
    assert paused.status == "paused"
    # The client has no resume call: its own HTTP client sends what healthchecks documents.
    resume_url = paused.model_dump()["pause_url"].replace("/pause", "/resume")
    reply = await hc._client.post(resume_url)
    assert reply.status_code == 200 and reply.json()["status"] != "paused"
    again = await hc._client.post(resume_url)
    assert (again.status_code, again.json()) == (409, {"error": "check is not paused"})


async def test_ping_bodies_are_served_as_text(api: Api, hc: AsyncClient):
    check = await hc.create_check(CheckCreate(name="report", timeout=3600, grace=60))
    assert check.uuid is not None
    await hc.success_ping(uuid=check.uuid, data="12 rows exported")
    raw_pings = await hc._client.get(f"{api.base}/api/v3/checks/{check.uuid}/pings/")
    body_url = raw_pings.json()["pings"][0]["body_url"]
    body = await hc._client.get(body_url)
    assert (body.status_code, body.text) == (200, "12 rows exported")
    missing = await hc._client.get(
        body_url.replace("/pings/", "/pings/9").replace("/body", "0/body")
    )
    assert missing.status_code == 404


async def test_channels_are_listed_and_assigned(api: Api, hc: AsyncClient, hook):
    await api.service.alerts.add_channel("ops", hook.url, is_default=True)
    await api.service.alerts.add_channel("pager", hook.url.replace("json://", "jsons://"))
    integrations = await hc.get_integrations()
    assert [(i.name, i.kind) for i in integrations] == [("ops", "json"), ("pager", "jsons")]
    pager = next(i for i in integrations if i.name == "pager")

    check = await hc.create_check(
        CheckCreate(name="paged", timeout=600, grace=60, channels=pager.id)
    )
    assert check.channels == pager.id
    assert (await api.service.get_check(check.uuid or "")).channels == ("pager",)
    # None named: the default channels, which beatwatch alerts then.
    plain = await hc.create_check(CheckCreate(name="plain", timeout=600, grace=60))
    ops = next(i for i in integrations if i.name == "ops")
    assert plain.channels == ops.id
    bad = await hc._client.post(
        f"{api.base}/api/v3/checks/", json={"name": "x", "channels": "nope"}
    )
    assert (bad.status_code, bad.json()) == (400, {"error": "invalid channel identifier: nope"})


async def test_a_read_only_key_reads_without_credentials(api: Api, hc_readonly: AsyncClient, http):
    check = await api.service.add_check(CheckSpec(name="nightly backup", every_seconds=3600))
    [listed] = await hc_readonly.get_checks()
    assert listed.uuid is None and listed.ping_url is None and listed.update_url is None
    assert listed.unique_key == unique_key(check.uuid)
    by_key = await hc_readonly.get_check(listed.unique_key)
    assert by_key.name == "nightly backup"
    assert await hc_readonly.get_check_flips(listed.unique_key) == []
    for attempt in (
        hc_readonly.create_check(CheckCreate(name="sneaky", timeout=600, grace=60)),
        hc_readonly.pause_check(check.uuid),
        hc_readonly.get_check_pings(check.uuid),
        hc_readonly.get_integrations(),
        hc_readonly.delete_check(check.uuid),
    ):
        with pytest.raises(HCAPIAuthError):
            await attempt
    assert [c.name for c in await api.service.list_checks()] == ["nightly backup"]
    reply = await http.get(
        f"{api.base}/api/v3/checks/{check.uuid}/pings/", headers={"X-Api-Key": api.read_token}
    )
    assert (reply.status, await reply.json()) == (401, {"error": "wrong api key"})


async def test_errors_have_healthchecks_shapes(api: Api, http):
    base = f"{api.base}/api/v3"
    key = {"X-Api-Key": api.token}
    cases = [
        ("GET", "/checks/", {}, None, 401, {"error": "missing api key"}),
        ("GET", "/checks/", {"X-Api-Key": "bw_wrong"}, None, 401, {"error": "wrong api key"}),
        ("POST", "/checks/", key, b"{not json", 400, {"error": "could not parse request body"}),
        (
            "POST",
            "/checks/",
            key,
            b"[1]",
            400,
            {"error": "json validation error: value is not an object"},
        ),
        (
            "POST",
            "/checks/",
            key,
            b'{"name": "a", "timeout": 5}',
            400,
            {"error": "json validation error: timeout is too small"},
        ),
        (
            "GET",
            "/checks/6b5e5e6c-3c1e-4d7e-9a7c-2f1f3f2e1d0c",
            key,
            None,
            404,
            {"error": "not found"},
        ),
        ("PUT", "/checks/", key, None, 405, None),
    ]
    for method, path, headers, body, status, error in cases:
        async with http.request(method, base + path, headers=headers, data=body) as reply:
            assert reply.status == status, (method, path, await reply.text())
            if error is not None:
                assert await reply.json() == error, (method, path)

    for body, field in (
        ({"name": "mail", "success_kw": "OK", "filter_subject": True}, "success_kw"),
        ({"name": "mail", "methods": "POST"}, "methods"),
        ({"name": "long", "timeout": 3600, "grace": 3600}, "grace"),
        ({"name": "yearly", "timeout": 31536000}, "timeout"),
    ):
        async with http.post(f"{base}/checks/", headers=key, json=body) as reply:
            assert reply.status == 400
            assert (await reply.json())["error"].startswith(f"{field}: "), body

    async with http.post(f"{base}/checks/", headers=key, data=b" " * 2_000_000) as reply:
        assert reply.status == 413 and "too large" in (await reply.json())["error"]
    async with http.get(f"{base}/checks/", headers=key, data=b" " * 2_000_000) as reply:
        assert reply.status == 200

    # The key may come in the body instead, as healthchecks allows for POST.
    async with http.post(
        f"{base}/checks/", json={"api_key": api.token, "name": "in body"}
    ) as reply:
        assert reply.status == 201
    async with http.get(f"{api.base}/api/v2/checks/", headers=key) as reply:
        [in_body] = (await reply.json())["checks"]
        assert in_body["update_url"].startswith(f"{api.base}/api/v2/checks/")
    async with http.get(f"{base}/status/") as reply:
        assert (reply.status, await reply.text()) == (200, "OK")


async def test_beatwatch_api_keeps_its_place_under_v1(api: Api, http):
    """Bearer requests reach beatwatch's API at /api/v1; X-Api-Key ones healthchecks'."""
    mine = await api.ok("POST", "/checks", {"name": "own api", "every_seconds": 600}, status=201)
    assert mine["every_seconds"] == 600 and "timeout" not in mine
    async with http.get(
        f"{api.base}/api/v1/checks/{mine['uuid']}", headers={"X-Api-Key": api.token}
    ) as reply:
        assert (await reply.json())["timeout"] == 600
    patched = await api.ok("PATCH", f"/checks/{mine['uuid']}", {"description": "mine"})
    assert patched["description"] == "mine"
    # A healthchecks-style update by POST, with the key in the body: not beatwatch's route.
    async with http.post(
        f"{api.base}/api/v1/checks/{mine['uuid']}", json={"api_key": api.token, "desc": "theirs"}
    ) as reply:
        assert reply.status == 200 and (await reply.json())["desc"] == "theirs"
    unauthenticated = await api.call("GET", "/checks", token=None)
    assert unauthenticated.status == 401 and "Bearer" in unauthenticated.json()["error"]


async def test_a_ping_to_a_created_check_lands_on_it(api: Api, hc: AsyncClient):
    check = await hc.create_check(CheckCreate(name="lands", timeout=600, grace=60))
    await hc.success_ping(uuid=check.uuid or "")
    # The reply to a ping is sent once it is stored.
    assert (await api.service.get_check("lands")).last_ping_at is not None


async def test_badges_list_every_tag_and_star_in_each_format(api: Api, hc: AsyncClient, http):
    """The client's get_badges reads every format; each URL answers in its own, `*` counting
    every check and the two-state forms reading a late check as up."""
    await api.service.add_check(CheckSpec(name="dump", every_seconds=3600, tags=("db",)))
    await api.service.add_check(CheckSpec(name="web", every_seconds=3600, tags=("www",)))

    badges = await hc.get_badges()
    assert sorted(badges) == ["*", "db", "www"]
    star = badges["*"]
    async with http.get(star.json3_url) as reply:
        assert reply.status == 200
        assert await reply.json() == {"status": "up", "total": 2, "grace": 0, "down": 0}
    async with http.get(badges["db"].shields3) as reply:
        shields = await reply.json(content_type=None)
    assert shields == {"schemaVersion": 1, "label": "db", "message": "up", "color": "success"}
    async with http.get(badges["db"].svg) as reply:
        assert reply.content_type == "image/svg+xml" and "db: up" in await reply.text()
    # One tag's key opens no other tag's badge, in any format.
    async with http.get(badges["db"].json_url.replace("/db.json", "/www.json")) as reply:
        assert reply.status == 404


def test_two_state_badges_read_late_as_up():
    late = [State.LATE, State.UP]
    assert badge_counts(late, two_states=False) == {
        "status": "late",
        "total": 2,
        "grace": 1,
        "down": 0,
    }
    assert badge_counts(late, two_states=True)["status"] == "up"
    assert badge_counts([State.MISSED, State.LATE], two_states=True)["status"] == "down"
