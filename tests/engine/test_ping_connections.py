"""Connections as clients really use them, over raw sockets: pings pipelined on one
connection, chunked bodies, HTTP/1.0 keep-alive, and a request for the application arriving
on a connection that has been pinging."""

from __future__ import annotations

import asyncio
import json

from beatwatch.core.validation import CheckSpec
from beatwatch.service.service import Service

REPLY_WAIT = 10.0


class Conversation:
    """One connection; replies are read one at a time, framed by their Content-Length."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, port: int) -> Conversation:
        return cls(*await asyncio.open_connection("127.0.0.1", port))

    def send(self, raw: bytes) -> None:
        self.writer.write(raw)

    async def reply(self) -> tuple[int, dict[str, str], bytes]:
        head = await asyncio.wait_for(self.reader.readuntil(b"\r\n\r\n"), REPLY_WAIT)
        status_line, *lines = head.decode("latin-1").strip().split("\r\n")
        headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
        length = int(headers.get("content-length", "0"))
        body = await asyncio.wait_for(self.reader.readexactly(length), REPLY_WAIT)
        return int(status_line.split(" ")[1]), headers, body

    async def closed(self) -> bool:
        return await asyncio.wait_for(self.reader.read(), REPLY_WAIT) == b""

    def close(self) -> None:
        self.writer.close()


async def pinged(engine: Service) -> tuple[Conversation, str]:
    """A connection that has pinged once, and an API token for what it asks next."""
    check = await engine.add_check(CheckSpec(name="backup", every_seconds=3600))
    _, token = await engine.tokens.create("ops")
    conversation = await Conversation.open(engine.bound_port)
    conversation.send(ping(f"/ping/{check.uuid}"))
    assert (await conversation.reply())[0] == 200
    return conversation, token


def api_post(token: str, framing: str) -> bytes:
    return (
        f"POST /api/v1/checks HTTP/1.1\r\nHost: monitor\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\n{framing}\r\n"
    ).encode()


def ping(path: str, body: bytes = b"", version: str = "1.1", extra: str = "") -> bytes:
    head = f"POST {path} HTTP/{version}\r\nHost: monitor\r\nContent-Length: {len(body)}\r\n"
    return (head + extra + "\r\n").encode() + body


async def test_pipelined_pings_are_answered_in_order_and_each_stored(engine: Service) -> None:
    check = await engine.add_check(CheckSpec(name="queue worker", every_seconds=60))
    bodies = [f"batch {n}".encode() for n in range(40)]  # beyond the queue that pauses reading
    conversation = await Conversation.open(engine.bound_port)
    try:
        conversation.send(b"".join(ping(f"/ping/{check.uuid}/log", body) for body in bodies))
        replies = [await conversation.reply() for _ in bodies]
    finally:
        conversation.close()
    assert [(status, json.loads(body)) for status, _, body in replies] == [
        (200, {"ok": True})
    ] * len(bodies)
    stored = await engine.pings(check.slug, limit=100)
    assert [p.body for p in reversed(stored)] == bodies


async def test_a_chunked_body_is_stored_whole(engine: Service) -> None:
    check = await engine.add_check(CheckSpec(name="backup", every_seconds=3600))
    conversation = await Conversation.open(engine.bound_port)
    try:
        conversation.send(
            f"POST /ping/{check.uuid}/fail HTTP/1.1\r\nHost: monitor\r\n"
            "Transfer-Encoding: chunked\r\n\r\n"
            "7\r\nrsync: \r\n10\r\nconnection reset\r\n0\r\n\r\n".encode()
        )
        status, _, _ = await conversation.reply()
    finally:
        conversation.close()
    assert status == 200
    [stored] = await engine.pings(check.slug)
    assert stored.body == b"rsync: connection reset"


async def test_an_http_1_0_client_asking_to_keep_alive_is_kept(engine: Service) -> None:
    check = await engine.add_check(CheckSpec(name="backup", every_seconds=3600))
    conversation = await Conversation.open(engine.bound_port)
    try:
        for _ in range(2):
            conversation.send(
                ping(f"/ping/{check.uuid}", version="1.0", extra="Connection: keep-alive\r\n")
            )
            status, headers, _ = await conversation.reply()
            assert status == 200
            assert headers["connection"].lower() == "keep-alive"
        conversation.send(ping(f"/ping/{check.uuid}", version="1.0"))
        assert (await conversation.reply())[0] == 200
        assert await conversation.closed()
    finally:
        conversation.close()
    assert len(await engine.pings(check.slug)) == 3


async def test_a_request_for_the_api_after_pings_is_the_applications(engine: Service) -> None:
    """The application answers it, body and all, then the connection closes; the client
    opens a new one for whatever it sends next."""
    new_check = json.dumps({"name": "made after a ping", "every_seconds": 3600}).encode()
    conversation, token = await pinged(engine)
    try:
        conversation.send(
            api_post(token, "Transfer-Encoding: chunked\r\n")
            + b"%x\r\n%s\r\n0\r\n\r\n" % (len(new_check), new_check)
        )
        status, headers, body = await conversation.reply()
        assert await conversation.closed()
    finally:
        conversation.close()
    assert status == 201, body
    assert headers["connection"] == "close"
    assert json.loads(body)["name"] == "made after a ping"
    assert "made after a ping" in [c.name for c in await engine.list_checks()]


async def test_a_connection_that_begins_with_the_api_stays_open_for_pings(
    engine: Service,
) -> None:
    check = await engine.add_check(CheckSpec(name="backup", every_seconds=3600))
    _, token = await engine.tokens.create("ops")
    conversation = await Conversation.open(engine.bound_port)
    try:
        conversation.send(
            f"GET /api/v1/checks HTTP/1.1\r\nHost: monitor\r\n"
            f"Authorization: Bearer {token}\r\n\r\n".encode()
        )
        assert (await conversation.reply())[0] == 200
        conversation.send(ping(f"/ping/{check.uuid}"))
        status, _, body = await conversation.reply()
    finally:
        conversation.close()
    assert (status, json.loads(body)) == (200, {"ok": True})
    assert len(await engine.pings(check.slug)) == 1


async def test_a_request_passed_on_waits_for_a_body_still_on_its_way(engine: Service) -> None:
    new_check = json.dumps({"name": "sent in two parts", "every_seconds": 3600}).encode()
    conversation, token = await pinged(engine)
    try:
        conversation.send(
            api_post(token, f"Content-Length: {len(new_check)}\r\nExpect: 100-continue\r\n")
        )
        interim = await asyncio.wait_for(conversation.reader.readuntil(b"\r\n\r\n"), REPLY_WAIT)
        assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"
        conversation.send(new_check)
        status, _, body = await conversation.reply()
    finally:
        conversation.close()
    assert status == 201, body


async def test_a_malformed_request_after_a_ping_gets_a_json_400_and_the_close(
    engine: Service,
) -> None:
    check = await engine.add_check(CheckSpec(name="backup", every_seconds=3600))
    conversation = await Conversation.open(engine.bound_port)
    try:
        conversation.send(ping(f"/ping/{check.uuid}"))
        first = await conversation.reply()
        conversation.send(b"GET /ping/x HTTP/1.1\r\nX\x01: y\r\n\r\n")
        second = await conversation.reply()
        assert await conversation.closed()
    finally:
        conversation.close()
    assert (first[0], json.loads(first[2])) == (200, {"ok": True})
    assert second[0] == 400
    assert "malformed HTTP request (bad header)" in json.loads(second[2])["error"]
    assert len(await engine.pings(check.slug)) == 1
