"""A ping as its URL and request say it, before any lookup: all the pinger (`beatwatch ping`,
`beatwatch run`) needs of the model, kept apart so that it starts without the rest."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

# Limit from the behaviour contract: the body kept of each ping.
BODY_LIMIT = 10 * 1024


class PingKind(StrEnum):
    SUCCESS = "success"
    START = "start"
    FAIL = "fail"
    LOG = "log"

    @property
    def is_finish(self) -> bool:
        return self in (PingKind.SUCCESS, PingKind.FAIL)


@dataclass(frozen=True, slots=True)
class PingRequest:
    """A well-formed ping as the receiver parsed it, before any lookup."""

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
