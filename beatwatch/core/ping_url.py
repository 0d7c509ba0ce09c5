"""The ping URL grammar: what /ping/<uuid>[/<action>] and /ping/<ping-key>/<slug>[/<action>]
mean, with ?rid= and ?create=. Pure, so the receiver and the pinger (`beatwatch ping` and
`run`, which must start fast) read a URL the same way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from beatwatch.core.errors import BadPing
from beatwatch.core.ping_request import PingKind, PingRequest

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_SLUG = re.compile(r"^[a-z0-9_-]{1,100}$")
_DIGITS = re.compile(r"^[0-9]+$")
_ACTIONS = {"start": PingKind.START, "fail": PingKind.FAIL, "log": PingKind.LOG}


def parse_ping(key: str, tail: str, query: Mapping[str, str], **received: Any) -> PingRequest:
    """The ping a URL path and query describe, with `received` (at, remote_addr, user_agent,
    body) filled in; raises BadPing for a malformed one."""
    tail = tail.removesuffix("/")  # `/ping/<uuid>/` is `/ping/<uuid>`
    segments = tail.split("/") if tail else []
    if _UUID.match(key):
        uuid, ping_key, slug = key.lower(), None, None
    else:
        if not segments:
            raise BadPing(
                f"{key!r} is not a check uuid; use /ping/<uuid> or /ping/<ping-key>/<slug>"
            )
        slug, segments = segments[0], segments[1:]
        if not _SLUG.match(slug):
            raise BadPing(f"{slug!r} is not a slug (lowercase a-z, 0-9, '-' and '_')")
        uuid, ping_key = None, key
    kind, exit_code = _parse_action(segments)
    rid = query.get("rid")
    if rid is not None:
        if not _UUID.match(rid):
            raise BadPing("rid must be a UUID, such as one from uuidgen")
        rid = rid.lower()
    create = query.get("create", "0") in ("1", "true", "yes")
    return PingRequest(
        kind=kind,
        uuid=uuid,
        slug=slug,
        ping_key=ping_key,
        exit_code=exit_code,
        rid=rid,
        create=create and ping_key is not None,
        **received,
    )


def _parse_action(segments: Sequence[str]) -> tuple[PingKind, int | None]:
    match list(segments):
        case []:
            return PingKind.SUCCESS, None
        case [word] if word in _ACTIONS:
            return _ACTIONS[word], None
        case ["fail", code] | [code] if len(segments) == 2 or _DIGITS.match(code):
            exit_code = _parse_exit_code(code)
            return (PingKind.SUCCESS if exit_code == 0 else PingKind.FAIL), exit_code
    raise BadPing(
        "unknown ping form '/" + "/".join(segments) + "'; expected nothing, /start, /fail, "
        "/fail/<code>, /<code> or /log"
    )


def _parse_exit_code(text: str) -> int:
    if not _DIGITS.match(text) or len(text) > 3 or int(text) > 255:
        raise BadPing(f"exit code {text[:20]!r} must be a whole number from 0 to 255")
    return int(text)
