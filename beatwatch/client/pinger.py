"""Sending pings from the machine a job runs on: ping URLs, retries, and the output tail.

Synchronous and standard-library only, so it works the same on a machine that has nothing
but a ping URL. A ping URL is a secret: everything shown to people is `redacted`.
"""

from __future__ import annotations

import base64
import http.client
import json
import socket
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from beatwatch import __version__
from beatwatch.core.errors import BadPing, PingFailed, PingUrlError
from beatwatch.core.ping_request import BODY_LIMIT
from beatwatch.core.ping_url import parse_ping

DEFAULT_TIMEOUT = 10.0
DEFAULT_RETRIES = 3
FIRST_RETRY_DELAY = 0.5
# A server may announce a bigger body limit; the client keeps at most this much in memory.
MAX_BODY_LIMIT = 1024 * 1024
BODY_LIMIT_HEADER = "Ping-Body-Limit"
_ERROR_PREVIEW = 500


USER_AGENT = f"beatwatch/{__version__}"


def is_ping_url(text: str) -> bool:
    return text.lower().startswith(("http://", "https://"))


@dataclass(frozen=True, slots=True)
class PingTarget:
    """A check's ping URL without any action: `base` + "/start", "/fail/3", ... make the rest."""

    base: str
    redacted: str
    create: bool = False
    # From user:password@ in the URL (a reverse proxy's basic auth), which urllib would
    # otherwise take for part of the host name.
    authorization: str | None = None

    def url(self, action: str = "", rid: str | None = None) -> str:
        query = {"rid": rid} if rid else {}
        if self.create:
            query["create"] = "1"
        path = f"{self.base}/{action}" if action else self.base
        return f"{path}?{urllib.parse.urlencode(query)}" if query else path


def parse_ping_url(text: str) -> PingTarget:
    """Any accepted ping URL (by uuid or by ping key and slug, with or without an action such
    as /start or /fail/3) -> its target. The action and any rid are dropped: the caller sends
    its own; ?create=1 is kept. A path before /ping/ (a reverse proxy prefix) is kept too."""
    parts = urllib.parse.urlsplit(text.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise PingUrlError("a ping URL starts with http:// or https:// and names a host")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        raise PingUrlError(f"the port in {parts.scheme}://{host}… is not a number") from None
    redacted = f"{parts.scheme}://{host}{port}/ping/…"
    query = dict(urllib.parse.parse_qsl(parts.query))
    query.pop("rid", None)
    segments = parts.path.rstrip("/").split("/")
    problem = "it has no /ping/<uuid> or /ping/<ping-key>/<slug> in its path"
    for index, segment in enumerate(segments[:-1]):
        if segment != "ping":
            continue
        key, tail = segments[index + 1], "/".join(segments[index + 2 :])
        try:
            request = parse_ping(key, tail, query)
        except BadPing as exc:
            problem = str(exc).replace(key, "<ping-key>") if key else str(exc)
            continue
        check_part = request.uuid or f"{key}/{request.slug}"
        prefix = "/".join(segments[:index])
        base = f"{parts.scheme}://{host}{port}{prefix}/ping/{check_part}"
        return PingTarget(base, redacted, request.create, _basic_auth(parts))
    raise PingUrlError(f"{redacted} is not a ping URL: {problem}")


def _basic_auth(parts: urllib.parse.SplitResult) -> str | None:
    if parts.username is None:
        return None
    user = urllib.parse.unquote(parts.username)
    password = urllib.parse.unquote(parts.password or "")
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def action_path(kind: str, exit_code: int | None = None) -> str:
    """The URL suffix for a ping kind (success, start, fail, log) and an optional exit code."""
    if exit_code is None:
        return "" if kind == "success" else kind
    return f"fail/{exit_code}" if kind == "fail" else str(exit_code)


def retry_delays(retries: int) -> tuple[float, ...]:
    """Waits before each retry, doubling: 0.5 s, 1 s, 2 s, ..."""
    return tuple(FIRST_RETRY_DELAY * 2**n for n in range(retries))


class OutputTail:
    """The last `limit` bytes written to it, safe to feed from several threads."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._kept = bytearray()
        self._lock = threading.Lock()

    def add(self, chunk: bytes) -> None:
        with self._lock:
            self._kept += chunk
            if len(self._kept) > self.limit:
                del self._kept[: len(self._kept) - self.limit]

    def value(self) -> bytes:
        with self._lock:
            return bytes(self._kept)


class _Retryable(Exception):
    """A failure that may go away: no connection, a timeout, a 5xx."""


class Pinger:
    """Sends pings to one target, retrying what may be temporary; a 4xx is final."""

    def __init__(
        self,
        target: PingTarget,
        timeout: float = DEFAULT_TIMEOUT,
        delays: Sequence[float] = retry_delays(DEFAULT_RETRIES),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.target = target
        self.timeout = timeout
        self.delays = tuple(delays)
        self.sleep = sleep

    def send(self, action: str = "", rid: str | None = None, body: bytes | None = None) -> int:
        """Send one ping; return the body limit the server announced. Raises PingFailed."""
        request = urllib.request.Request(
            self.target.url(action, rid),
            data=body,
            method="GET" if body is None else "POST",
            headers={"User-Agent": USER_AGENT},
        )
        if self.target.authorization:
            request.add_header("Authorization", self.target.authorization)
        tries = 0
        for delay in (*self.delays, None):
            tries += 1
            try:
                return self._send_once(request)
            except _Retryable as exc:
                reason = str(exc)
                if delay is None:
                    break
                self.sleep(delay)
        raise PingFailed(f"{reason} (tried {tries} times)" if tries > 1 else reason)

    def _send_once(self, request: urllib.request.Request) -> int:
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as reply:
                return body_limit_from(reply.headers.get(BODY_LIMIT_HEADER))
        except urllib.error.HTTPError as exc:
            reason = _http_reason(exc)
            if exc.code >= 500:
                raise _Retryable(reason) from None
            raise PingFailed(reason) from None
        except (OSError, http.client.HTTPException) as exc:
            raise _Retryable(self._network_reason(exc)) from None

    def _network_reason(self, exc: BaseException) -> str:
        if isinstance(exc, urllib.error.URLError) and isinstance(exc.reason, BaseException):
            exc = exc.reason
        if isinstance(exc, TimeoutError):
            return f"no reply within {self.timeout:g} s"
        if isinstance(exc, ConnectionRefusedError):
            return "connection refused: is beatwatch running and listening there?"
        if isinstance(exc, socket.gaierror):
            return f"cannot resolve the host name ({exc.strerror})"
        if isinstance(exc, ssl.SSLError):
            return f"TLS failed ({exc.reason or exc})"
        if isinstance(exc, OSError) and exc.strerror:
            return exc.strerror[0].lower() + exc.strerror[1:]
        if isinstance(exc, urllib.error.URLError):
            return str(exc.reason)
        return str(exc) or type(exc).__name__


def _http_reason(exc: urllib.error.HTTPError) -> str:
    """Why the server refused, e.g. "the server answered 503: ping not stored: disk full"
    (its JSON error when there is one, else the status text)."""
    try:
        detail = json.loads(exc.read(_ERROR_PREVIEW) or b"{}").get("error")
    except (ValueError, AttributeError, OSError, http.client.HTTPException):
        detail = None
    return f"the server answered {exc.code}: {detail or exc.reason}"


def body_limit_from(header: str | None) -> int:
    """The body limit a reply announces, within what the client is willing to keep."""
    try:
        announced = int(header) if header is not None else BODY_LIMIT
    except ValueError:
        announced = BODY_LIMIT
    return max(0, min(announced, MAX_BODY_LIMIT))
