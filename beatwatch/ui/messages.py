"""Messages that carry what the engine says up into the app. The engine's callbacks only post
these; all work happens later in the app's own handlers."""

from __future__ import annotations

from textual.message import Message

from beatwatch.engine.events import Event


class EngineEvents(Message):
    """Events from the service's event bus, in order. Events published while this message
    waits in the queue join it, so a burst of pings costs one message, not two per ping."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[Event] = []
