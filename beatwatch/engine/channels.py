"""Notification channels: Apprise URL validation, secret masking, and sending one message.

A channel URL is a credential. Anything shown to a person goes through `mask_url`.
"""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import parse_qsl, urlsplit

import apprise

log = logging.getLogger("beatwatch.channels")

# Query keys whose values are safe to show; every other value is masked.
_SAFE_QUERY_KEYS = frozenset(
    {
        "to",
        "cc",
        "bcc",
        "from",
        "name",
        "format",
        "priority",
        "method",
        "mode",
        "smtp",
        "secure",
        "port",
        "tags",
        "title",
        "lang",
        "image",
        "footer",
        "overflow",
        "verify",
    }
)
_SECRET_PATH_MIN = 8
SEND_TIMEOUT = 30.0


class ChannelError(ValueError):
    """A channel URL Apprise cannot use; the message says why."""


def validate_url(url: str) -> None:
    """Raise ChannelError unless Apprise knows how to send to `url`."""
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if not scheme:
        raise ChannelError(
            "a channel URL looks like scheme://... (for example mailto://, slack://, ntfys://)"
        )
    if scheme not in _known_schemes():
        raise ChannelError(f"Apprise does not know the scheme {scheme}:// (see its wiki)")
    if not apprise.Apprise().add(url):
        raise ChannelError(
            f"Apprise cannot use this {scheme}:// URL: a part is missing or malformed"
        )


def _known_schemes() -> set[str]:
    schemes: set[str] = set()
    for details in apprise.Apprise().details()["schemas"]:
        for key in ("protocols", "secure_protocols"):
            value = details.get(key) or ()
            schemes.update([value] if isinstance(value, str) else value)
    return {s.lower() for s in schemes}


def mask_url(url: str) -> str:
    """The URL with its secrets hidden: password, long path tokens, +Header values and every
    query value not known to be harmless."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        user = userinfo.split(":", 1)[0]
        netloc = f"{user}:****@{host}" if ":" in userinfo else f"{_mask_token(user)}@{host}"
    path = "/".join(_mask_token(segment) for segment in parts.path.split("/"))
    # Split by hand: parse_qsl would turn the '+' of a +Header=value into a space.
    pairs = [item.partition("=") for item in parts.query.split("&") if item]
    query = "&".join(
        f"{key}={value if key.lower() in _SAFE_QUERY_KEYS else '****'}" for key, _, value in pairs
    )
    # A token may also sit where a host would (slack://TOKEN/..., tgram://BOT:SECRET/...).
    host, _, port = netloc.partition(":")
    if "@" not in netloc and (
        (port and not port.isdigit()) or ("." not in host and host != "localhost")
    ):
        netloc = ":".join(_mask_token(piece) for piece in netloc.split(":"))
    return f"{parts.scheme}://{netloc}{path}" + (f"?{query}" if query else "")


def _mask_token(segment: str) -> str:
    if len(segment) < _SECRET_PATH_MIN:
        return segment
    return f"{segment[:2]}…{segment[-2:]}"


async def send(url: str, title: str, body: str, timeout: float = SEND_TIMEOUT) -> str | None:
    """Send one message; None on success, else Apprise's reason (secrets masked)."""
    notifier = apprise.Apprise()
    if not notifier.add(url):
        return "Apprise cannot use this URL any more"
    try:
        result = await asyncio.wait_for(
            notifier.async_notify(
                title=title, body=body, body_format=apprise.NotifyFormat.MARKDOWN, timeout=timeout
            ),
            timeout + 5,
        )
    except TimeoutError:
        return f"no answer within {timeout:.0f} s"
    if result:
        return None
    problems = [e.message for e in result.logs() if e.level in ("WARNING", "ERROR", "CRITICAL")]
    reason = problems[-1] if problems else f"delivery failed ({result.status.name.lower()})"
    return _scrub(reason, url)


def _scrub(text: str, url: str) -> str:
    """Apprise's messages sometimes quote the URL or its parts; never pass secrets on."""
    parts = urlsplit(url)
    secrets_in_url = [parts.password or "", *parts.path.split("/"), *parts.netloc.split("@")[:1]]
    secrets_in_url += [value for _, value in parse_qsl(parts.query)]
    for secret in sorted(set(secrets_in_url), key=len, reverse=True):
        if len(secret) >= 6:
            text = text.replace(secret, "****")
    return text[:500]
