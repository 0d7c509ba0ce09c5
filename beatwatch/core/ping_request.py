"""A ping as its URL and request say it, before any lookup: all the pinger (`beatwatch ping`,
`beatwatch run`) needs of the model, kept apart so that it starts without the rest."""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple

# Limit from the behaviour contract: the body kept of each ping.
BODY_LIMIT = 10 * 1024


class PingKind(StrEnum):
    SUCCESS = "success"
    START = "start"
    FAIL = "fail"
    LOG = "log"

    @property
    def is_finish(self) -> bool:
        return self is PingKind.SUCCESS or self is PingKind.FAIL


class PingRequest(NamedTuple):
    """A well-formed ping as the receiver parsed it, before any lookup. A named tuple, not a
    dataclass: dataclasses would cost every cron job's pinger its start-up share, and a tuple
    is cheaper to make on the receiver's hot path too."""

    kind: PingKind
    uuid: str | None = None
    slug: str | None = None
    ping_key: str | None = None
    exit_code: int | None = None
    rid: str | None = None
    create: bool = False
    remote_addr: str | None = None
    user_agent: str | None = None
    body: bytes = b""
    at: float = 0.0
    # As received, kept with a ping that matched no check: what the job asked for.
    method: str = "GET"
    path: str = ""
