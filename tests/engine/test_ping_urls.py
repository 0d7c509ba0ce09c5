"""Every ping URL form of the contract against the real receiver and a real SQLite file:
what is stored, what state follows, and what the reply says."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from beatwatch.core.model import BODY_LIMIT, Check, PingKind, State
from beatwatch.core.validation import DEFAULT_ALERTS, CheckSpec
from beatwatch.service.json_shapes import ping_to_dict
from beatwatch.service.service import Service
from tests.engine.conftest import Send

OK = {"ok": True}


def ping_path(engine: Service, check: Check, by: str) -> str:
    """The check's ping URL path, by its uuid or by the instance ping key and its slug."""
    if by == "uuid":
        return f"/ping/{check.uuid}"
    return f"/ping/{engine.ping_key}/{check.slug}"


async def add_hourly(engine: Service, name: str = "db backup") -> Check:
    return await engine.add_check(CheckSpec(name=name, every_seconds=3600))


FORMS = [
    pytest.param("", PingKind.SUCCESS, None, State.UP, id="success"),
    pytest.param("/start", PingKind.START, None, State.RUNNING, id="start"),
    pytest.param("/fail", PingKind.FAIL, None, State.FAILING, id="fail"),
    pytest.param("/fail/0", PingKind.SUCCESS, 0, State.UP, id="fail-0"),
    pytest.param("/fail/3", PingKind.FAIL, 3, State.FAILING, id="fail-3"),
    pytest.param("/0", PingKind.SUCCESS, 0, State.UP, id="code-0"),
    pytest.param("/255", PingKind.FAIL, 255, State.FAILING, id="code-255"),
    pytest.param("/log", PingKind.LOG, None, State.NEW, id="log"),
]


@pytest.mark.parametrize("method", ["GET", "POST", "HEAD"])
@pytest.mark.parametrize("by", ["uuid", "slug"])
@pytest.mark.parametrize(("suffix", "kind", "exit_code", "state"), FORMS)
async def test_every_form_stores_its_kind_and_moves_the_state(
    engine: Service,
    send: Send,
    by: str,
    method: str,
    suffix: str,
    kind: PingKind,
    exit_code: int | None,
    state: State,
) -> None:
    check = await add_hourly(engine)

    reply = await send(ping_path(engine, check, by) + suffix, method=method)

    assert reply.status == 200
    assert reply.headers["Ping-Body-Limit"] == str(BODY_LIMIT)
    [ping] = await engine.pings(check.slug)
    assert (ping.kind, ping.exit_code) == (kind, exit_code)
    assert (await engine.get_check(check.slug)).state is state
    moves = [(t.from_state, t.to_state) for t in await engine.transitions(check.slug)]
    assert moves == ([] if state is State.NEW else [(State.NEW, state)])


@pytest.mark.parametrize("by", ["uuid", "slug"])
@pytest.mark.parametrize(
    ("suffix", "kind"),
    [("/", PingKind.SUCCESS), ("/start/", PingKind.START), ("/fail/3/", PingKind.FAIL)],
)
async def test_a_trailing_slash_is_the_same_ping(
    engine: Service, send: Send, by: str, suffix: str, kind: PingKind
) -> None:
    check = await add_hourly(engine)

    reply = await send(ping_path(engine, check, by) + suffix)

    assert (reply.status, reply.json()) == (200, OK)
    assert [ping.kind for ping in await engine.pings(check.slug)] == [kind]


async def test_a_log_line_changes_no_state_and_leaves_the_run_open(
    engine: Service, send: Send
) -> None:
    check = await add_hourly(engine)
    await send(f"/ping/{check.uuid}/start")

    await send(f"/ping/{check.uuid}/log", method="POST", data=b"50% done")

    running = await engine.get_check(check.slug)
    assert running.state is State.RUNNING
    assert running.last_finish_at is None
    await send(f"/ping/{check.uuid}")
    finish, log_line, start = await engine.pings(check.slug)
    assert log_line.body == b"50% done"
    assert finish.duration == pytest.approx(finish.at - start.at, abs=1e-6)


async def test_the_reply_is_ok_json_with_the_body_limit(engine: Service, send: Send) -> None:
    check = await add_hourly(engine)

    reply = await send(f"/ping/{check.uuid}")

    assert reply.status == 200
    assert reply.json() == OK
    assert reply.headers["Content-Type"].startswith("application/json")
    assert reply.headers["Ping-Body-Limit"] == "10240"


async def test_unknown_targets_get_the_same_reply_and_are_counted(
    engine: Service, send: Send
) -> None:
    check = await add_hourly(engine)
    known = await send(f"/ping/{check.uuid}")
    stray_uuid = str(uuid.uuid4())

    strays = [
        await send(f"/ping/{stray_uuid}"),
        await send(f"/ping/not-the-ping-key/{check.slug}"),
        await send(f"/ping/{engine.ping_key}/no-such-job"),
    ]

    for reply in strays:
        assert (reply.status, reply.text) == (known.status, known.text)
        assert reply.headers["Ping-Body-Limit"] == known.headers["Ping-Body-Limit"]
    assert await engine.unknown_ping_count() == 3
    assert [p.key for p in await engine.unknown_pings()] == [
        "slug no-such-job",
        f"slug {check.slug} (wrong ping key)",
        stray_uuid,
    ]
    assert len(await engine.pings(check.slug)) == 1
    assert [c.id for c in await engine.list_checks()] == [check.id]


async def test_an_unknown_ping_keeps_its_request_but_never_its_ping_key(
    engine: Service, send: Send
) -> None:
    check = await add_hourly(engine)
    stray_uuid = str(uuid.uuid4())

    await send(f"/ping/{stray_uuid}/fail?rid={stray_uuid}", method="POST", data=b"disk full")
    await send(f"/ping/{engine.ping_key}/nightly-dump/start")
    await send(f"/ping/not-the-ping-key/{check.slug}")

    wrong_key, by_slug, by_uuid = await engine.unknown_pings()
    assert (by_uuid.method, by_uuid.path, by_uuid.body) == (
        "POST",
        f"/ping/{stray_uuid}/fail?rid={stray_uuid}",
        b"disk full",
    )
    assert (by_uuid.uuid, by_uuid.slug) == (stray_uuid, None)
    assert (by_slug.request, by_slug.uuid, by_slug.slug) == (
        "GET /ping/<ping-key>/nightly-dump/start",
        None,
        "nightly-dump",
    )
    # A check with that slug would not get these pings: the key is wrong, not the check.
    assert (wrong_key.path, wrong_key.slug) == (f"/ping/<ping-key>/{check.slug}", None)


async def test_only_the_latest_50_unknown_pings_are_listed_but_all_are_counted(
    engine: Service, send: Send
) -> None:
    strays = [str(uuid.uuid4()) for _ in range(55)]
    for stray in strays:
        assert (await send(f"/ping/{stray}")).status == 200

    assert await engine.unknown_ping_count() == 55
    assert [p.key for p in await engine.unknown_pings()] == strays[::-1][:50]


MALFORMED = [
    pytest.param("/ping/{uuid}/256", "exit code", id="code-256"),
    pytest.param("/ping/{uuid}/fail/256", "exit code", id="fail-256"),
    pytest.param("/ping/{key}/{slug}/256", "exit code", id="slug-code-256"),
    pytest.param("/ping/{uuid}/fail/-1", "exit code", id="negative-code"),
    pytest.param("/ping/{uuid}?rid=not-a-uuid", "rid", id="rid-not-uuid"),
    pytest.param("/ping/{uuid}/restart", "unknown ping form", id="unknown-action"),
    pytest.param("/ping/{uuid}/start/now", "unknown ping form", id="extra-segment"),
    pytest.param("/ping/{slug}", "not a check uuid", id="key-without-slug"),
    pytest.param("/ping/{key}/Bad.Slug", "not a slug", id="bad-slug"),
    pytest.param("/ping/{uuid}/fail/%0A", "exit code", id="newline-code"),
    pytest.param("/ping/{uuid}/%0A", "unknown ping form", id="newline"),
    pytest.param("/ping", "names its check", id="no-target"),
    pytest.param("/ping/", "names its check", id="no-target-slash"),
    pytest.param("/ping//fail", "names its check", id="empty-key"),
    pytest.param("/ping/%7Bx%7D", "not a check uuid", id="braced-key"),
]


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize(("template", "complaint"), MALFORMED)
async def test_a_malformed_form_gets_400_before_any_lookup(
    engine: Service, send: Send, template: str, complaint: str, method: str
) -> None:
    check = await add_hourly(engine)
    path = template.format(uuid=check.uuid, key=engine.ping_key, slug=check.slug)

    reply = await send(path, method=method, data=b"ignored" if method == "POST" else None)

    assert reply.status == 400
    error = reply.json()
    assert error["ok"] is False
    assert complaint in error["error"]
    assert reply.headers["Ping-Body-Limit"] == str(BODY_LIMIT)
    assert await engine.pings(check.slug) == []
    assert await engine.unknown_ping_count() == 0


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
@pytest.mark.parametrize("path", ["/ping/{uuid}", "/ping/{uuid}/fail", "/ping/"])
async def test_another_method_gets_405_saying_which_ones_work(
    engine: Service, send: Send, method: str, path: str
) -> None:
    check = await add_hourly(engine)

    reply = await send(path.format(uuid=check.uuid), method=method, data=b"ignored")

    assert reply.status == 405
    assert "GET, HEAD or POST" in reply.json()["error"]
    assert reply.headers["Allow"] == "GET, HEAD, POST"
    assert reply.headers["Ping-Body-Limit"] == str(BODY_LIMIT)
    assert await engine.pings(check.slug) == []


async def test_a_body_is_kept_as_bytes_with_the_sender(engine: Service, send: Send) -> None:
    check = await add_hourly(engine)
    body = b"dumped 3 tables\n\xff\xfe not utf-8"

    await send(
        f"/ping/{check.uuid}/fail/1",
        method="POST",
        data=body,
        headers={"User-Agent": "curl/8.5.0 " + "x" * 300},
    )

    [ping] = await engine.pings(check.slug)
    assert ping.body == body
    assert ping_to_dict(ping)["body"] == "dumped 3 tables\n\ufffd\ufffd not utf-8"
    assert ping.remote_addr == "127.0.0.1"
    assert ping.user_agent is not None
    assert ping.user_agent.startswith("curl/8.5.0 ")
    assert len(ping.user_agent) == 200


async def test_a_body_over_10_kib_is_cut_at_10_kib(engine: Service, send: Send) -> None:
    check = await add_hourly(engine)
    body = bytes(range(256)) * 80  # 20 KiB

    reply = await send(f"/ping/{check.uuid}", method="POST", data=body)

    assert reply.status == 200
    [ping] = await engine.pings(check.slug)
    assert ping.body == body[:BODY_LIMIT]


def resident_bytes() -> int:
    """This process's resident set size (the receiver runs in it)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE")


async def test_a_50_mb_body_is_streamed_without_being_held(engine: Service, send: Send) -> None:
    check = await add_hourly(engine)
    chunk = bytes(range(256)) * 256  # 64 KiB
    samples = [resident_bytes()]

    async def fifty_megabytes():
        for _ in range(800):
            samples.append(resident_bytes())
            yield chunk

    reply = await send(f"/ping/{check.uuid}", method="POST", data=fifty_megabytes())
    samples.append(resident_bytes())

    assert reply.status == 200
    assert reply.json() == OK
    [ping] = await engine.pings(check.slug)
    assert ping.body == chunk[:BODY_LIMIT]
    growth = max(samples) - samples[0]
    assert growth < 20 * 2**20, f"memory grew by {growth / 2**20:.1f} MiB during the upload"


async def test_create_on_a_slug_url_makes_the_check_then_records_the_ping(
    engine: Service, send: Send
) -> None:
    reply = await send(f"/ping/{engine.ping_key}/nightly-dump/start?create=1")

    assert reply.status == 200
    check = await engine.get_check("nightly-dump")
    assert check.schedule.every_seconds == 86400
    assert check.grace_seconds == 300
    assert check.alerts == DEFAULT_ALERTS
    assert check.state is State.RUNNING
    assert [p.kind for p in await engine.pings("nightly-dump")] == [PingKind.START]
    assert await engine.unknown_ping_count() == 0


@pytest.mark.parametrize(
    "template",
    [
        pytest.param("/ping/{key}/nightly-dump", id="no-create"),
        pytest.param("/ping/wrong-key/nightly-dump?create=1", id="wrong-key"),
        pytest.param("/ping/{uuid}?create=1", id="uuid-form"),
    ],
)
async def test_an_unknown_target_creates_nothing_without_create_on_the_right_key(
    engine: Service, send: Send, template: str
) -> None:
    reply = await send(template.format(key=engine.ping_key, uuid=uuid.uuid4()))

    assert (reply.status, reply.json()) == (200, OK)
    assert await engine.list_checks() == []
    assert await engine.unknown_ping_count() == 1
