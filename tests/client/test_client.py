"""The pinging client on its own: which URLs it accepts, what it keeps, how it retries."""

from __future__ import annotations

import asyncio
import socket
import threading
import uuid

import pytest

from beatwatch.cli.reporting import new_run_id
from beatwatch.client.pinger import (
    MAX_BODY_LIMIT,
    OutputTail,
    Pinger,
    action_path,
    body_limit_from,
    parse_ping_url,
    retry_delays,
)
from beatwatch.core.errors import PingFailed, PingUrlError
from beatwatch.core.model import BODY_LIMIT
from tests.client.conftest import Stub, closed_port

UUID = str(uuid.uuid4())
KEY = "s3cr3t-ping-key"


@pytest.mark.parametrize(
    ("given", "base"),
    [
        (f"http://mon.lan:8790/ping/{UUID}", f"http://mon.lan:8790/ping/{UUID}"),
        (f"http://mon.lan:8790/ping/{UUID}/", f"http://mon.lan:8790/ping/{UUID}"),
        (f"http://mon.lan:8790/ping/{UUID}/start", f"http://mon.lan:8790/ping/{UUID}"),
        (f"http://mon.lan:8790/ping/{UUID}/fail/3", f"http://mon.lan:8790/ping/{UUID}"),
        (f"http://mon.lan:8790/ping/{UUID}/7?rid={UUID}", f"http://mon.lan:8790/ping/{UUID}"),
        (f"https://mon.lan/ping/{KEY}/db-backup/log", f"https://mon.lan/ping/{KEY}/db-backup"),
        (f"https://proxy.lan/beatwatch/ping/{UUID}", f"https://proxy.lan/beatwatch/ping/{UUID}"),
    ],
)
def test_any_accepted_form_becomes_the_checks_bare_url(given: str, base: str) -> None:
    target = parse_ping_url(given)

    assert target.base == base
    assert target.url() == base
    assert target.url("fail/2", rid=UUID) == f"{base}/fail/2?rid={UUID}"


def test_auto_provisioning_is_kept_and_only_scheme_host_and_port_are_shown() -> None:
    target = parse_ping_url(f"http://user:pw@10.0.0.5:8790/ping/{KEY}/new-job?create=1")

    assert target.url("start") == f"http://10.0.0.5:8790/ping/{KEY}/new-job/start?create=1"
    assert target.redacted == "http://10.0.0.5:8790/ping/…"


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        ("ftp://mon.lan/ping/x", "starts with http:// or https://"),
        ("http://mon.lan:8790/", "no /ping/<uuid> or /ping/<ping-key>/<slug>"),
        (f"http://mon.lan:8790/ping/{KEY}", "<ping-key>"),
        (f"http://mon.lan:8790/ping/{UUID}/fail/300", "0 to 255"),
        (f"http://mon.lan:8790/ping/{UUID}/restart", "unknown ping form"),
    ],
)
def test_a_bad_url_is_refused_without_showing_its_secret(given: str, problem: str) -> None:
    with pytest.raises(PingUrlError, match=problem) as refused:
        parse_ping_url(given)

    assert UUID not in str(refused.value)
    assert KEY not in str(refused.value)


@pytest.mark.parametrize(
    ("kind", "exit_code", "path"),
    [
        ("success", None, ""),
        ("start", None, "start"),
        ("log", None, "log"),
        ("fail", None, "fail"),
        ("fail", 3, "fail/3"),
        ("success", 0, "0"),
        ("success", 4, "4"),
    ],
)
def test_action_paths(kind: str, exit_code: int | None, path: str) -> None:
    assert action_path(kind, exit_code) == path


def test_the_output_tail_keeps_only_the_last_bytes() -> None:
    tail = OutputTail(10)
    for chunk in (b"0123", b"456789abcd", b"", b"efg"):
        tail.add(chunk)

    assert tail.value() == b"6789abcdefg"[-10:]


@pytest.mark.parametrize(
    ("header", "limit"),
    [(None, BODY_LIMIT), ("100", 100), ("junk", BODY_LIMIT), ("-5", 0), ("99999999999", None)],
)
def test_the_announced_body_limit_is_bounded(header: str | None, limit: int | None) -> None:
    assert body_limit_from(header) == (MAX_BODY_LIMIT if limit is None else limit)


def test_retry_delays_double() -> None:
    assert retry_delays(3) == (0.5, 1.0, 2.0)
    assert retry_delays(0) == ()


async def test_a_5xx_is_retried_with_backoff_until_it_is_accepted(stub: Stub) -> None:
    stub.statuses = [503, 503]
    stub.body_limit = 64
    waits: list[float] = []
    pinger = Pinger(parse_ping_url(stub.url(f"/ping/{UUID}")), sleep=waits.append)

    limit = await asyncio.to_thread(pinger.send, "fail/3", UUID, b"disk full")

    assert limit == 64
    assert waits == [0.5, 1.0]
    assert [(r.path, r.query, r.body) for r in stub.received] == [
        (f"/ping/{UUID}/fail/3", {"rid": UUID}, b"disk full")
    ] * 3


async def test_a_password_in_the_url_is_sent_as_basic_auth(stub: Stub) -> None:
    # A reverse proxy that asks for a password: curl takes user:pass@ from the URL, so must we.
    url = stub.url(f"/ping/{UUID}").replace("http://", "http://cron:s%40fe@")
    pinger = Pinger(parse_ping_url(url), sleep=lambda _: None)

    await asyncio.to_thread(pinger.send, "start")

    [received] = stub.received
    assert received.path == f"/ping/{UUID}/start"
    assert received.authorization == "Basic Y3JvbjpzQGZl"  # cron:s@fe


async def test_a_4xx_is_final(stub: Stub) -> None:
    stub.statuses = [400]
    waits: list[float] = []
    pinger = Pinger(parse_ping_url(stub.url(f"/ping/{UUID}")), sleep=waits.append)

    with pytest.raises(PingFailed, match="the server answered 400: stub"):
        await asyncio.to_thread(pinger.send)

    assert len(stub.received) == 1
    assert waits == []


async def test_giving_up_says_why_and_how_often_it_tried() -> None:
    waits: list[float] = []
    target = parse_ping_url(f"http://127.0.0.1:{closed_port()}/ping/{UUID}")
    pinger = Pinger(target, delays=retry_delays(2), sleep=waits.append)

    with pytest.raises(PingFailed) as failed:
        await asyncio.to_thread(pinger.send, "start")

    assert str(failed.value).startswith("connection refused")
    assert str(failed.value).endswith("(tried 3 times)")
    assert waits == [0.5, 1.0]


async def test_a_redirect_is_followed_and_the_ping_stored_once_where_it_leads(stub: Stub) -> None:
    # A proxy that moved beatwatch under a prefix: the redirect stored nothing.
    stub.redirects = {f"/ping/{UUID}/start": f"/beatwatch/ping/{UUID}/start"}
    pinger = Pinger(parse_ping_url(stub.url(f"/ping/{UUID}")), sleep=lambda _: None)

    await asyncio.to_thread(pinger.send, "start")

    assert [r.path for r in stub.received] == [
        f"/ping/{UUID}/start",
        f"/beatwatch/ping/{UUID}/start",
    ]


async def test_a_proxy_named_by_the_environment_carries_the_ping(
    stub: Stub, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The stub stands for the proxy: a ping for another host arrives there with its full URL.
    monkeypatch.setenv("http_proxy", stub.url(""))
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    pinger = Pinger(parse_ping_url(f"http://mon.lan:8790/ping/{UUID}"), sleep=lambda _: None)

    await asyncio.to_thread(pinger.send)

    assert [(r.host, r.path) for r in stub.received] == [("mon.lan", f"/ping/{UUID}")]


async def test_a_chunked_refusal_is_explained(stub: Stub) -> None:
    stub.statuses = [507]
    stub.chunked = True
    pinger = Pinger(parse_ping_url(stub.url(f"/ping/{UUID}")), delays=(), sleep=lambda _: None)

    with pytest.raises(PingFailed, match="the server answered 507: stub"):
        await asyncio.to_thread(pinger.send)


def test_a_reply_that_is_not_http_is_retried_and_said_plainly() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]

        def answer_garbage() -> None:
            for _ in range(2):
                conn, _ = server.accept()
                with conn:
                    conn.recv(65536)
                    conn.sendall(b"SSH-2.0-OpenSSH_9.2\r\n")

        threading.Thread(target=answer_garbage, daemon=True).start()
        pinger = Pinger(
            parse_ping_url(f"http://127.0.0.1:{port}/ping/{UUID}"),
            delays=(0,),
            sleep=lambda _: None,
        )
        with pytest.raises(PingFailed) as failed:
            pinger.send()

    assert str(failed.value) == "the server's reply is not HTTP (tried 2 times)"


def test_a_run_id_is_a_random_version_4_uuid() -> None:
    ids = {new_run_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert {uuid.UUID(rid).version for rid in ids} == {4}
    assert all(str(uuid.UUID(rid)) == rid for rid in ids)
