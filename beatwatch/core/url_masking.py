"""Hiding the secrets in a channel URL, for anything shown to a person or logged.

Pure string work, so the UI and the command line can show channels without loading Apprise.
"""

from __future__ import annotations

from urllib.parse import urlsplit

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


def mask_url(url: str) -> str:
    """The URL with its secrets hidden: password, path segments (long ones keep their first
    and last two characters, to tell them apart), +Header values and every query value not
    known to be harmless."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        user = userinfo.split(":", 1)[0]
        netloc = f"{user}:****@{host}" if ":" in userinfo else f"{_mask_token(user)}@{host}"
    path = "/".join(_mask_token(segment) for segment in parts.path.split("/"))
    query = _mask_query(parts.query)
    # A token may also sit where a host would (slack://TOKEN/..., tgram://BOT:SECRET/...).
    host, _, port = netloc.partition(":")
    if "@" not in netloc and (
        (port and not port.isdigit()) or ("." not in host and host != "localhost")
    ):
        netloc = ":".join(_mask_token(piece) for piece in netloc.split(":"))
    return f"{parts.scheme}://{netloc}{path}" + (f"?{query}" if query else "")


def mask_request_target(target: str, limit: int = 100) -> str:
    """A request's path and query as a log may show them: a check's uuid or the ping key
    (any segment long enough to be a secret) shortened to its ends, query values hidden.
    Short segments (ping, start, fail, an exit code) are kept: they say what was asked."""
    path, _, query = target.partition("?")
    path = "/".join(
        _mask_token(segment) if len(segment) >= _SECRET_PATH_MIN else segment
        for segment in path.split("/")
    )
    masked = path + (f"?{_mask_query(query)}" if query else "")
    return masked if len(masked) <= limit else masked[: limit - 1] + "…"


def _mask_query(query: str) -> str:
    # Split by hand: parse_qsl would turn the '+' of a +Header=value into a space.
    pairs = [item.partition("=") for item in query.split("&") if item]
    return "&".join(
        f"{key}={value if key.lower() in _SAFE_QUERY_KEYS else '****'}" for key, _, value in pairs
    )


def _mask_token(segment: str) -> str:
    # A short one may be a secret too (an ntfy topic, a test webhook's token): hidden whole.
    if not segment:
        return segment
    if len(segment) < _SECRET_PATH_MIN:
        return "…"
    return f"{segment[:2]}…{segment[-2:]}"
