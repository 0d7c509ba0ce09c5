"""Sending pings from the machine a job runs on: ping URLs, retries, and the output tail.

Synchronous and standard-library only, so it works the same on a machine that has nothing
but a ping URL. A ping URL is a secret: everything shown to people is `redacted`.
"""

from __future__ import annotations

import base64
import os
import socket
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Sequence
from typing import NamedTuple

from beatwatch import __version__
from beatwatch.client import plain_http
from beatwatch.core.errors import BadPing, PingFailed, PingUrlError
from beatwatch.core.ping_request import BODY_LIMIT
from beatwatch.core.ping_url import parse_ping

DEFAULT_TIMEOUT = 10.0
DEFAULT_RETRIES = 3
FIRST_RETRY_DELAY = 0.5
# A server may announce a bigger body limit; the client keeps at most this much in memory.
MAX_BODY_LIMIT = 1024 * 1024
BODY_LIMIT_HEADER = "Ping-Body-Limit"
# How much of a refusal's body is read for its JSON explanation.
_PREVIEW = 500


USER_AGENT = f"beatwatch/{__version__}"


def is_ping_url(text: str) -> bool:
    return text.lower().startswith(("http://", "https://"))


class PingTarget(NamedTuple):
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
        url = self.target.url(action, rid)
        headers = {"User-Agent": USER_AGENT}
        if self.target.authorization:
            headers["Authorization"] = self.target.authorization
        tries = 0
        for delay in (*self.delays, None):
            tries += 1
            try:
                return self._send_once(url, headers, body)
            except _Retryable as exc:
                reason = str(exc)
                if delay is None:
                    break
                self.sleep(delay)
        raise PingFailed(f"{reason} (tried {tries} times)" if tries > 1 else reason)

    def _send_once(self, url: str, headers: dict[str, str], body: bytes | None) -> int:
        method = "GET" if body is None else "POST"
        if url.startswith("http://") and not _proxy_configured():
            try:
                reply = plain_http.exchange(url, method, headers, body, self.timeout, _PREVIEW)
            except (OSError, plain_http.BadReply) as exc:
                raise _Retryable(self._network_reason(exc)) from None
            location = reply.headers.get("location")
            if not (300 <= reply.status < 400 and location):
                return _answered(
                    reply.status, reply.reason, reply.headers.get("ping-body-limit"), reply.body
                )
            # A redirect (to https://, say) stored nothing: urllib takes it from here, and
            # like urllib a 301, 302 or 303 asks again with a GET.
            url = urllib.parse.urljoin(url, location)
            if reply.status in (301, 302, 303):
                method, body = "GET", None
        return self._send_with_urllib(url, method, headers, body)

    def _send_with_urllib(
        self, url: str, method: str, headers: dict[str, str], body: bytes | None
    ) -> int:
        # Here, not at the top: with ssl and email they cost a cron job's start-up dearly.
        import http.client
        import urllib.error
        import urllib.request

        request = urllib.request.Request(url, data=body, method=method, headers=headers)
        try:
            # A fresh opener reads the proxy settings now, not when the first ping was sent.
            with urllib.request.build_opener().open(request, timeout=self.timeout) as reply:
                return _answered(reply.status, reply.reason, reply.headers.get(BODY_LIMIT_HEADER))
        except urllib.error.HTTPError as exc:
            try:
                preview = exc.read(_PREVIEW)
            except (OSError, http.client.HTTPException):
                preview = b""
            return _answered(exc.code, exc.reason, exc.headers.get(BODY_LIMIT_HEADER), preview)
        except urllib.error.URLError as exc:
            cause = exc.reason if isinstance(exc.reason, BaseException) else OSError(exc.reason)
            raise _Retryable(self._network_reason(cause)) from None
        except (OSError, http.client.HTTPException) as exc:
            raise _Retryable(self._network_reason(exc)) from None

    def _network_reason(self, exc: BaseException) -> str:
        # ssl is loaded only by the https:// path, the one place a TLS error can come from.
        ssl = sys.modules.get("ssl")
        if isinstance(exc, TimeoutError):
            return f"no reply within {self.timeout:g} s"
        if isinstance(exc, ConnectionRefusedError):
            return "connection refused: is beatwatch running and listening there?"
        if isinstance(exc, socket.gaierror):
            return f"cannot resolve the host name ({exc.strerror})"
        if ssl is not None and isinstance(exc, ssl.SSLError):
            return f"TLS failed ({exc.reason or exc})"
        if isinstance(exc, OSError) and exc.strerror:
            return exc.strerror[0].lower() + exc.strerror[1:]
        return str(exc) or type(exc).__name__


def _proxy_configured() -> bool:
    """urllib sends http:// through the proxy the environment names; so must a ping."""
    return bool(os.environ.get("http_proxy") or os.environ.get("HTTP_PROXY"))


def _answered(status: int, reason: str, body_limit: str | None, preview: bytes = b"") -> int:
    """The body limit a 2xx announces; a 5xx is worth retrying, any other refusal is final."""
    if status < 300:
        return body_limit_from(body_limit)
    explained = _http_reason(status, reason, preview)
    if status >= 500:
        raise _Retryable(explained)
    raise PingFailed(explained)


def _http_reason(status: int, reason: str, preview: bytes) -> str:
    """Why the server refused, e.g. "the server answered 503: ping not stored: disk full"
    (its JSON error when there is one, else the status text)."""
    import json

    try:
        detail = json.loads(preview or b"{}").get("error")
    except (ValueError, AttributeError):
        detail = None
    return f"the server answered {status}: {detail or reason}"


def body_limit_from(header: str | None) -> int:
    """The body limit a reply announces, within what the client is willing to keep."""
    try:
        announced = int(header) if header is not None else BODY_LIMIT
    except ValueError:
        announced = BODY_LIMIT
    return max(0, min(announced, MAX_BODY_LIMIT))
