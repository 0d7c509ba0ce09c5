"""Hostile input against a real `beatwatch serve`, over raw sockets so nothing is tidied up
on the way: fuzzed request lines, headers and bodies never get a 5xx or crash the server;
slow clients do not starve the others; a known and an unknown uuid get identical replies."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import subprocess
import time
import uuid as uuidlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from beatwatch.config import Settings
from beatwatch.core.validation import CheckSpec
from beatwatch.service.service import Service
from tests.reliability.conftest import BEATWATCH, free_port

FUZZ_EXAMPLES = int(os.environ.get("BEATWATCH_FUZZ_EXAMPLES", "300"))


@dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]
    known_uuid: str
    log_path: Path

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0


def exchange(port: int, raw: bytes, timeout: float = 10.0) -> bytes:
    """Send raw bytes, return everything the server answers until it closes. The write side
    stays open: aiohttp drops the reply to a client that half-closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(raw)  # the server may refuse mid-request; its reply still counts
        chunks = []
        with contextlib.suppress(ConnectionResetError):
            while chunk := sock.recv(65536):
                chunks.append(chunk)
    return b"".join(chunks)


def status_of(reply: bytes) -> int:
    return int(reply.split(b" ", 2)[1]) if reply.startswith(b"HTTP/") else 0


def request(method: str, path: str, body: bytes = b"", headers: str = "") -> bytes:
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: monitor\r\nConnection: close\r\n"
        f"Content-Length: {len(body)}\r\n{headers}\r\n"
    )
    return head.encode("latin-1") + body


def start_server(data_dir: Path, env: dict[str, str] | None = None, nofile: int = 0) -> Server:
    """`beatwatch serve` on a free port, logging to data_dir/serve.log; with `nofile`, under
    that open-file limit, soft and hard, as a service manager would set it."""

    async def make_check() -> str:
        service = await Service.open(Settings(data_dir=data_dir))
        try:
            return (await service.add_check(CheckSpec(name="known", every_seconds=3600))).uuid
        finally:
            await service.close()

    known = asyncio.run(make_check())
    port = free_port()
    limit = ["prlimit", f"--nofile={nofile}:{nofile}"] if nofile else []
    where = ["--listen", f"127.0.0.1:{port}", "--data-dir", str(data_dir)]
    with open(data_dir / "serve.log", "ab") as log:
        process = subprocess.Popen(
            [*limit, *BEATWATCH, "serve", *where],
            stdout=subprocess.DEVNULL,
            stderr=log,
            env={**os.environ, **(env or {})},
        )
    deadline = time.monotonic() + 15
    while status_of(_try(port)) != 400:
        assert process.poll() is None and time.monotonic() < deadline, "serve did not start"
        time.sleep(0.05)
    return Server(port, process, known, data_dir / "serve.log")


def stop_server(server: Server) -> None:
    server.process.terminate()
    server.process.wait(10)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("hostile"))
    yield running
    stop_server(running)


def _try(port: int) -> bytes:
    try:
        return exchange(port, request("GET", "/ping/x"), timeout=5)
    except OSError:
        return b""


def assert_alive(server: Server) -> None:
    reply = exchange(server.port, request("GET", f"/ping/{server.known_uuid}/log"))
    assert status_of(reply) == 200, reply[:200]


# Request pieces a fuzzer should try: real methods and junk, paths near the real forms.
methods = st.sampled_from(
    ["GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "get", "G\x00T"]
) | st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=10)
segments = st.sampled_from(
    ["start", "fail", "log", "0", "255", "256", "-1", "²", "%00", "..", ""]
) | st.text(max_size=40)
paths = st.builds(
    lambda prefix, parts, query: prefix + "/".join(parts) + query,
    st.sampled_from(
        ["/ping/", "/ping/00000000-0000-4000-8000-000000000000/", "/", "//ping/", "/api/v1/"]
    ),
    st.lists(segments, max_size=5),
    st.sampled_from(
        ["", "?rid=x", "?rid=00000000-0000-4000-8000-000000000000", "?create=1", "?%ff=%fe&&=="]
    ),
)
header_lines = st.lists(
    st.tuples(
        st.text(
            alphabet=st.characters(min_codepoint=33, max_codepoint=126, exclude_characters=":"),
            min_size=1,
            max_size=20,
        ),
        st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=255), max_size=200),
    ),
    max_size=6,
).map(lambda pairs: "".join(f"{k}: {v}\r\n" for k, v in pairs))


@settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(method=methods, path=paths, headers=header_lines, body=st.binary(max_size=20_000))
def test_fuzzed_requests_never_get_a_5xx(
    server: Server, method: str, path: str, headers: str, body: bytes
) -> None:
    try:
        raw = request(method, path, body, headers)
    except UnicodeEncodeError:
        raw = request(method, path.encode("utf-8", "replace").decode("latin-1"), body, headers)
    reply = exchange(server.port, raw)
    status = status_of(reply)
    assert status == 0 or status < 500, reply[:300]
    assert server.process.poll() is None


def test_invalid_utf8_and_raw_bytes_in_the_request_line(server: Server) -> None:
    for raw in (
        b"GET /ping/\xff\xfe/start HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"POST /ping/"
        + server.known_uuid.encode()
        + b" HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nConnection: close\r\n\r\n\xff\xfe\x00\x80",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",  # a TLS hello on the plain port
        b"GET / HTTP/9.9\r\n\r\n",
        b"GET /ping/" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    ):
        status = status_of(exchange(server.port, raw))
        assert status == 0 or status < 500
    assert_alive(server)


def test_fifty_megabyte_body_with_binary_junk(server: Server) -> None:
    before = server.rss_kib()
    body = os.urandom(1024 * 1024) * 50
    reply = exchange(server.port, request("POST", f"/ping/{server.known_uuid}/fail/1", body))
    assert status_of(reply) == 200
    assert server.rss_kib() - before < 30 * 1024, "the body was held in memory"


def test_known_and_unknown_uuids_get_byte_identical_replies(server: Server) -> None:
    unknown = str(uuidlib.uuid4())

    def without_date(reply: bytes) -> bytes:
        return b"\r\n".join(line for line in reply.split(b"\r\n") if not line.startswith(b"Date:"))

    for method, suffix, body in (
        ("GET", "", b""),
        ("POST", "/fail", b"oops"),
        ("HEAD", "/start", b""),
    ):
        known = exchange(server.port, request(method, f"/ping/{server.known_uuid}{suffix}", body))
        other = exchange(server.port, request(method, f"/ping/{unknown}{suffix}", body))
        assert status_of(known) == 200
        assert without_date(known) == without_date(other)


# What systemd gives a service unless its unit sets LimitNOFILE.
SERVICE_NOFILE = 1024
ATTACKERS = [f"127.0.0.{n}" for n in range(2, 12)]
HELD_PER_ATTACKER = 130  # 1,300 in all: more than every descriptor the server has


@pytest.fixture(scope="module")
def starved_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("starved"), nofile=SERVICE_NOFILE)
    yield running
    stop_server(running)


async def hold_open(
    address: str, port: int, trickle: bool, held: list[int], stop: asyncio.Event
) -> None:
    """One slowloris connection from `address`: idle, or trickling a request head a byte at a
    time; opened again whenever the server drops it, until `stop`."""
    head = request("POST", f"/ping/{uuidlib.uuid4()}", b"x" * 100)
    while not stop.is_set():
        try:
            reader, writer = await asyncio.open_connection(
                "127.0.0.1", port, local_addr=(address, 0)
            )
        except OSError:
            await asyncio.sleep(0.1)
            continue
        held[0] += 1
        try:
            for sent in range(len(head) - 1):
                if stop.is_set():
                    break
                if trickle:
                    writer.write(head[sent : sent + 1])
                with contextlib.suppress(TimeoutError):
                    if await asyncio.wait_for(reader.read(4096), 0.5) == b"":
                        break
        except OSError:
            pass
        finally:
            held[0] -= 1
            writer.close()
        await asyncio.sleep(0.1)


async def test_slowloris_at_a_service_descriptor_limit_does_not_starve_pings(
    starved_server: Server,
) -> None:
    """1,300 connections from ten addresses that never finish a request head, half idle, half
    trickling, reopened as soon as they are dropped, against a server with 1,024 descriptors;
    meanwhile a normal client pings and keeps getting 200."""
    server = starved_server
    before = server.rss_kib()
    stop = asyncio.Event()
    held = [0]
    attack = [
        asyncio.create_task(hold_open(address, server.port, n % 2 == 1, held, stop))
        for address in ATTACKERS
        for n in range(HELD_PER_ATTACKER)
    ]
    loop = asyncio.get_running_loop()
    try:
        deadline = time.monotonic() + 20
        while held[0] < len(attack) * 0.9 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        most_held = held[0]
        latencies: list[float] = []
        answered = 0
        for _ in range(200):
            started = time.monotonic()
            with contextlib.suppress(OSError):
                reply = await loop.run_in_executor(
                    None,
                    partial(exchange, timeout=5),
                    server.port,
                    request("GET", f"/ping/{server.known_uuid}/log"),
                )
                answered += status_of(reply) == 200
            latencies.append(time.monotonic() - started)
    finally:
        stop.set()
        await asyncio.gather(*attack, return_exceptions=True)
    latencies.sort()
    within = sum(1 for t in latencies if t < 1.0)
    print(
        f"\nslowloris: {most_held} attacking connections open at the start, "
        f"{answered}/{len(latencies)} pings answered 200, {within} within 1 s, "
        f"median {latencies[len(latencies) // 2] * 1000:.0f} ms, "
        f"worst {latencies[-1] * 1000:.0f} ms, RSS +{server.rss_kib() - before} KiB"
    )
    assert answered >= 0.99 * len(latencies)
    assert server.process.poll() is None
    assert_alive(server)


@pytest.fixture(scope="module")
def strict_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    limits = {
        "BEATWATCH_REQUEST_HEAD_TIMEOUT": "1",
        "BEATWATCH_KEEPALIVE_TIMEOUT": "2",
        "BEATWATCH_MAX_CONNECTIONS_PER_ADDRESS": "20",
    }
    running = start_server(tmp_path_factory.mktemp("strict"), env=limits)
    yield running
    stop_server(running)


def connect(port: int, address: str = "127.0.0.1") -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(address, 0))
    return sock


def read_until_closed(sock: socket.socket) -> bytes:
    chunks = []
    with contextlib.suppress(ConnectionResetError):
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_a_connection_that_never_finishes_its_request_head_is_answered_408_and_closed(
    strict_server: Server,
) -> None:
    with connect(strict_server.port) as idle, connect(strict_server.port) as trickling:
        head = request("GET", f"/ping/{strict_server.known_uuid}")
        for byte in head[:3]:  # a byte at a time, then nothing more
            trickling.sendall(bytes([byte]))
            time.sleep(0.2)
        for sock in (idle, trickling):
            reply = read_until_closed(sock)  # the socket timeout (10 s) fails the test
            assert status_of(reply) == 408, reply
            assert b"Ping-Body-Limit:" in reply
            assert b'"ok": false' in reply and b"did not arrive within 1 s" in reply


def test_a_head_begun_on_a_kept_alive_connection_has_its_deadline_too(
    strict_server: Server,
) -> None:
    with connect(strict_server.port) as sock:
        sock.sendall(f"GET /ping/{strict_server.known_uuid} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        first = sock.recv(65536)
        sock.sendall(b"GET /pi")  # the next request begins, and stops
        rest = read_until_closed(sock)
    assert status_of(first) == 200, first
    assert status_of(rest) == 408, rest
    assert b"did not arrive within 1 s" in rest


def test_an_idle_kept_alive_connection_is_closed(strict_server: Server) -> None:
    with connect(strict_server.port) as sock:
        sock.sendall(f"GET /ping/{strict_server.known_uuid} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        reply = read_until_closed(sock)
    assert status_of(reply) == 200


def test_one_address_holds_only_its_share_of_connections(strict_server: Server) -> None:
    """Twenty requests from one address, each waiting for its body, take its share: the next
    connection is answered 503 at once, while another address is served as usual."""
    port = strict_server.port
    busy = [connect(port, "127.0.0.30") for _ in range(20)]
    try:
        for sock in busy:
            sock.sendall(request("POST", f"/ping/{strict_server.known_uuid}", b"x" * 10)[:-5])
        time.sleep(0.5)  # let the server read the heads; not timed: a late one is evicted
        with connect(port, "127.0.0.30") as extra:
            reply = read_until_closed(extra)
        assert status_of(reply) == 503, reply
        assert b"Retry-After: 1" in reply and b"too many connections from this address" in reply
        assert_alive(strict_server)
    finally:
        for sock in busy:
            sock.close()


def malformed_requests(uuid: str) -> dict[str, bytes]:
    target = f"/ping/{uuid}".encode()
    return {
        "bad request line": b"GET " + target + b" HTTP/9.9\r\nHost: x\r\n\r\n",
        "bad method": b"G\x00T " + target + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        "bad URL": b"GET \x7f" + target + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        "bad header": b"GET " + target + b" HTTP/1.1\r\nX-Job\x01: " + target + b"\r\n\r\n",
        "line too long": b"GET " + target + b"?pad=" + b"a" * 9000 + b" HTTP/1.1\r\n\r\n",
        "header too long": b"GET " + target + b" HTTP/1.1\r\nX-Pad: " + b"b" * 9000 + b"\r\n\r\n",
    }


def test_a_flood_of_malformed_requests_gets_json_400s_and_a_bounded_log(server: Server) -> None:
    kinds = malformed_requests(server.known_uuid)
    before = server.log_path.stat().st_size
    replies = [exchange(server.port, raw) for _ in range(500) for raw in kinds.values()]

    for reply in replies:
        head, _, body = reply.partition(b"\r\n\r\n")
        assert status_of(reply) == 400, reply[:300]
        assert b"Content-Type: application/json" in head and b"Ping-Body-Limit:" in head
        assert json.loads(body)["ok"] is False
    deadline = time.monotonic() + 10
    while server.log_path.read_bytes()[before:].count(b"suppressed") < 5:
        assert time.monotonic() < deadline, "no 'suppressed' summary in the log"
        time.sleep(0.05)
    added = server.log_path.read_bytes()[before:]
    print(f"\nlog flood: {len(replies)} malformed requests added {len(added)} bytes to the log")
    assert len(added) < 32 * 1024
    assert b"Traceback" not in added
    assert server.known_uuid.encode() not in added
    assert b"suppressed" in added and b"malformed request from 127.0.0.1" in added


def test_a_malformed_request_never_logs_the_uuid_it_carries(strict_server: Server) -> None:
    """Every kind once, on a fresh server: each is logged (none throttled), none with its uuid."""
    before = strict_server.log_path.stat().st_size
    for raw in malformed_requests(strict_server.known_uuid).values():
        assert status_of(exchange(strict_server.port, raw)) == 400
    deadline = time.monotonic() + 10
    while strict_server.log_path.read_bytes()[before:].count(b"malformed request") < 6:
        assert time.monotonic() < deadline, strict_server.log_path.read_text()[-2000:]
        time.sleep(0.05)
    added = strict_server.log_path.read_text()[before:]
    assert strict_server.known_uuid not in added
    assert strict_server.known_uuid[:8] not in added
    assert "/ping/" + strict_server.known_uuid[:2] + "…" in added
