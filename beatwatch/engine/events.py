"""What the engine tells any interface in its own process that watches it, so views stay
fresh without reading the store again. Callbacks run on the event loop and must return at
once (a UI posts a message; it never does work inside them). What a person reads later, in
any process, is in the event log (engine/event_log.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from beatwatch.core.model import Check, Incident, Ping, Transition

log = logging.getLogger("beatwatch.events")


@dataclass(frozen=True, slots=True)
class CheckChanged:
    check: Check


@dataclass(frozen=True, slots=True)
class CheckRemoved:
    check_id: int


@dataclass(frozen=True, slots=True)
class PingRecorded:
    ping: Ping


@dataclass(frozen=True, slots=True)
class StateChanged:
    check: Check
    transition: Transition


@dataclass(frozen=True, slots=True)
class UnknownPingRecorded:
    label: str


@dataclass(frozen=True, slots=True)
class IncidentChanged:
    incident: Incident


@dataclass(frozen=True, slots=True)
class SetupChanged:
    """Channels, hosts or maintenance windows changed."""


@dataclass(frozen=True, slots=True)
class DeliveryAttempted:
    channel_name: str
    kind: str
    title: str
    error: str | None


@dataclass(frozen=True, slots=True)
class StoreChanged:
    """Another process wrote to the store; anything shown may be stale."""


Event = (
    CheckChanged
    | CheckRemoved
    | PingRecorded
    | StateChanged
    | UnknownPingRecorded
    | IncidentChanged
    | SetupChanged
    | DeliveryAttempted
    | StoreChanged
)
Listener = Callable[[Event], None]


class EventBus:
    def __init__(self) -> None:
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def publish(self, event: Event) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:  # one broken listener must not stop the engine
                log.exception("an event listener failed")
