"""At most a few log lines a second per cause, so that nobody can fill the disk by sending
junk; what was held back is counted, to be reported in one line. Pure: every call takes `now`."""

from __future__ import annotations

from dataclasses import dataclass

LINES_PER_WINDOW = 3
WINDOW = 1.0


@dataclass(slots=True)
class _Window:
    start: float
    logged: int = 0


class LogThrottle:
    def __init__(self, lines: int = LINES_PER_WINDOW, window: float = WINDOW) -> None:
        self.lines = lines
        self.window = window
        self._windows: dict[str, _Window] = {}
        self._held: dict[str, int] = {}

    def admit(self, cause: str, now: float) -> bool:
        """True if a line for `cause` may be logged now; False if it is held back (counted)."""
        window = self._windows.get(cause)
        if window is None or now >= window.start + self.window:
            window = self._windows[cause] = _Window(now)
        if window.logged < self.lines:
            window.logged += 1
            return True
        self._held[cause] = self._held.get(cause, 0) + 1
        return False

    def held(self, cause: str) -> int:
        return self._held.get(cause, 0)

    def window_end(self, cause: str) -> float:
        window = self._windows.get(cause)
        return window.start + self.window if window else 0.0

    def take_held(self, cause: str) -> int:
        """How many lines for `cause` were held back since the last call; resets the count."""
        return self._held.pop(cause, 0)
