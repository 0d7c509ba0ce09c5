"""Hostile input against a real `beatwatch serve`, over raw sockets so nothing is tidied up
on the way: fuzzed request lines, headers and bodies never get a 5xx or crash the server;
slow clients do not starve the others; a known and an unknown uuid get identical replies."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import time
import uuid as uuidlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from beatwatch.config import Settings
from beatwatch.engine.service import Service
from beatwatch.engine.validation import CheckSpec
from tests.reliability.conftest import BEATWATCH, free_port

FUZZ_EXAMPLES = int(os.environ.get("BEATWATCH_FUZZ_EXAMPLES", "300"))


@dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]
    known_uuid: str

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


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("hostile")

    async def make_check() -> str:
        service = await Service.open(Settings(data_dir=data_dir))
        try:
            return (await service.add_check(CheckSpec(name="known", every_seconds=3600))).uuid
        finally:
            await service.close()

    known = asyncio.run(make_check())
    port = free_port()
    process = subprocess.Popen(
        [*BEATWATCH, "serve", "--listen", f"127.0.0.1:{port}", "--data-dir", str(data_dir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 15
    while status_of(_try(port)) != 400:
        assert process.poll() is None and time.monotonic() < deadline, "serve did not start"
        time.sleep(0.05)
    yield Server(port, process, known)
    process.terminate()
    process.wait(10)


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


async def test_slow_clients_do_not_starve_the_others(server: Server) -> None:
    """Hundreds of idle and trickling connections; a normal client is still answered fast."""
    before = server.rss_kib()
    idle = [await asyncio.open_connection("127.0.0.1", server.port) for _ in range(200)]
    tricklers = [await asyncio.open_connection("127.0.0.1", server.port) for _ in range(200)]
    partial = request("POST", f"/ping/{server.known_uuid}", b"x" * 1000)

    async def trickle(writer: asyncio.StreamWriter) -> None:
        for byte in partial[:60]:
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(0.05)

    trickling = [asyncio.create_task(trickle(w)) for _, w in tricklers]
    latencies = []
    loop = asyncio.get_running_loop()
    for _ in range(30):
        started = time.monotonic()
        reply = await loop.run_in_executor(
            None, exchange, server.port, request("GET", f"/ping/{server.known_uuid}/log")
        )
        latencies.append(time.monotonic() - started)
        assert status_of(reply) == 200
    held = sum(1 for _, w in idle + tricklers if not w.is_closing())
    for task in trickling:
        task.cancel()
    for _, writer in idle + tricklers:
        writer.close()
    growth = server.rss_kib() - before
    worst = max(latencies) * 1000
    print(f"\nslow clients: {held} connections held, worst ping {worst:.0f} ms, RSS +{growth} KiB")
    assert max(latencies) < 1.0
    assert growth < 50 * 1024
    assert_alive(server)
