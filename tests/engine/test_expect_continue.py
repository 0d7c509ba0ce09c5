"""`Expect: 100-continue`, which curl sends before a large body (`--data-binary @log`): the
receiver says 100 Continue at once, so the client does not sit out its wait (a second, for
curl) before sending the body, whatever the final answer."""

from __future__ import annotations

import asyncio
import json

import pytest

from beatwatch.core.validation import CheckSpec
from beatwatch.service.service import Service

# Long enough for a loaded machine; curl itself gives up waiting after one second.
INTERIM_WAIT = 5.0


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        pytest.param("POST", "/ping/{uuid}/log", 200, id="stored"),
        pytest.param("PUT", "/ping/{uuid}", 405, id="wrong-method"),
        pytest.param("POST", "/ping//fail", 400, id="no-check"),
    ],
)
async def test_a_ping_expecting_continue_is_told_to_go_on(
    engine: Service, method: str, path: str, status: int
) -> None:
    check = await engine.add_check(CheckSpec(name="backup", every_seconds=3600))
    body = b"backup log\n" * 500 + b"done"  # 5.5 KB, under the body limit
    reader, writer = await asyncio.open_connection("127.0.0.1", engine.bound_port)
    head = (
        f"{method} {path.format(uuid=check.uuid)} HTTP/1.1\r\nHost: monitor\r\n"
        f"Content-Length: {len(body)}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n"
    )
    writer.write(head.encode())
    try:
        interim = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), INTERIM_WAIT)
        assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"
        writer.write(body)
        reply = await reader.read()
    finally:
        writer.close()
    reply_head, _, reply_body = reply.partition(b"\r\n\r\n")
    assert reply_head.startswith(f"HTTP/1.1 {status} ".encode()), reply_head
    assert json.loads(reply_body)["ok"] is (status == 200)
    pings = await engine.pings(check.slug)
    assert [ping.body for ping in pings] == ([body] if status == 200 else [])
