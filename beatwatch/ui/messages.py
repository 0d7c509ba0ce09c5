"""Messages that carry what the engine says up into the app. The engine's callbacks only post
these; all work happens later in the app's own handlers."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from beatwatch.engine.events import Event


class EngineEvent(Message):
    """One event from the service's event bus."""

    def __init__(self, event: Event) -> None:
        super().__init__()
        self.event = event


@dataclass(frozen=True, slots=True)
class LogEntry:
    at: float
    level: str  # "info", "warning", "error"
    text: str


class LogPosted(Message):
    """A line for the log screen (a state change, or a warning or error the engine logged)."""

    def __init__(self, entry: LogEntry) -> None:
        super().__init__()
        self.entry = entry


class FleetUpdated(Message):
    """The app's picture of the checks changed; screens showing them may refresh."""
