"""One request over plain HTTP on a bare socket: all an `http://` ping needs, without loading
`http.client`, `email` and `ssl`, which cost a cron job more start-up than the rest of the
pinger. https://, a proxy from the environment and redirects go through urllib instead (the
pinger decides which)."""

from __future__ import annotations

import socket
from collections.abc import Mapping
from typing import NamedTuple
from urllib.parse import urlsplit

# A status line and headers longer than this are not a ping reply.
HEAD_LIMIT = 64 * 1024
READ_SIZE = 16 * 1024


class BadReply(Exception):
    """What came back is not an HTTP reply (or it broke off half-way)."""


class Reply(NamedTuple):
    status: int
    reason: str
    # Header names in lower case.
    headers: Mapping[str, str]
    # The start of the body, read only when asked for (an error's explanation).
    body: bytes


def exchange(
    url: str,
    method: str,
    headers: Mapping[str, str],
    body: bytes | None,
    timeout: float,
    preview: int = 0,
) -> Reply:
    """Send one request to an http:// URL and read its reply: the head, and the first
    `preview` bytes of the body. Raises OSError for the network, BadReply for the rest."""
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    lines = [
        f"{method} {target} HTTP/1.1",
        f"Host: {parts.netloc.rpartition('@')[2]}",
        *(f"{name}: {value}" for name, value in headers.items()),
        "Connection: close",
    ]
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")
    with socket.create_connection((parts.hostname or "", parts.port or 80), timeout) as sock:
        sock.sendall(request)
        stream = _Stream(sock)
        status, reason, fields = _read_head(stream)
        while 100 <= status < 200:  # an interim reply ("100 Continue"): the real one follows
            status, reason, fields = _read_head(stream)
        try:
            body_start = _read_body(stream, fields, preview)
        except (OSError, BadReply):  # the status says what matters; its explanation is a bonus
            body_start = b""
        return Reply(status, reason, fields, body_start)


class _Stream:
    """A socket read line by line or by size, over one buffer."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._buffer = b""

    def _fill(self) -> bool:
        chunk = self._sock.recv(READ_SIZE)
        self._buffer += chunk
        return bool(chunk)

    def line(self, limit: int) -> bytes:
        while (end := self._buffer.find(b"\n")) < 0:
            if len(self._buffer) > limit or not self._fill():
                raise BadReply("the server's reply broke off before its headers ended")
        line, self._buffer = self._buffer[: end + 1], self._buffer[end + 1 :]
        return line.rstrip(b"\r\n")

    def read(self, size: int) -> bytes:
        """Up to `size` bytes; fewer only where the server closed the connection."""
        while len(self._buffer) < size and self._fill():
            pass
        taken, self._buffer = self._buffer[:size], self._buffer[size:]
        return taken


def _read_head(stream: _Stream) -> tuple[int, str, dict[str, str]]:
    status_line = stream.line(HEAD_LIMIT).decode("latin-1")
    version, _, rest = status_line.partition(" ")
    code, _, reason = rest.partition(" ")
    if not version.startswith("HTTP/") or not (code.isdigit() and len(code) == 3):
        raise BadReply("the server's reply is not HTTP")
    fields: dict[str, str] = {}
    size = len(status_line)
    while line := stream.line(HEAD_LIMIT - size).decode("latin-1"):
        size += len(line)
        name, colon, value = line.partition(":")
        if not colon:
            raise BadReply("the server's reply has a malformed header")
        fields[name.strip().lower()] = value.strip()
    return int(code), reason.strip(), fields


def _read_body(stream: _Stream, fields: Mapping[str, str], preview: int) -> bytes:
    if preview <= 0:
        return b""
    if "chunked" in fields.get("transfer-encoding", "").lower():
        return _read_chunks(stream, preview)
    length = fields.get("content-length", "")
    return stream.read(min(int(length), preview) if length.isdigit() else preview)


def _read_chunks(stream: _Stream, preview: int) -> bytes:
    body = b""
    while len(body) < preview:
        size_field = stream.line(HEAD_LIMIT).split(b";")[0].strip()
        try:
            size = int(size_field, 16)
        except ValueError:
            raise BadReply("the server's reply has a malformed chunk") from None
        if size == 0:
            break
        body += stream.read(size)
        stream.line(HEAD_LIMIT)
    return body[:preview]
