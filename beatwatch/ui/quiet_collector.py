"""Full garbage collections while nobody is at the keyboard.

At 10,000 checks the heap holds a few hundred thousand objects the collector tracks: the
fleet's checks, the table's cells, the search texts. A full collection walks them all, 10 to
50 ms, and under steady pings Python starts one every few seconds, whenever enough objects
have outlived the young generations; a key pressed then waits for it. So while the app runs,
Python never starts a full collection itself: the app runs one once the keyboard and mouse
have been still for a moment, and, past a longest wait, whatever the user is doing. The young
generations are collected as usual, in a millisecond or two.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

# Still this long, the user is not typing a word or moving through a table.
IDLE_SECONDS = 1.0
# A full collection at most this often while idle, and at the latest this long after the last.
EVERY_SECONDS = 10.0
LATEST_SECONDS = 120.0
# Python counts young collections towards a full one: a count never reached.
NEVER = 1_000_000_000


class QuietCollector:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._last_input = self._last_collection = clock()
        self._thresholds: tuple[int, int, int] | None = None

    def start(self) -> None:
        """Take full collections over from Python, until `stop`."""
        if self._thresholds is None:
            self._thresholds = gc.get_threshold()
            young, middle, _ = self._thresholds
            gc.set_threshold(young, middle, NEVER)

    def stop(self) -> None:
        """Hand full collections back to Python, with the thresholds it had."""
        if self._thresholds is not None:
            gc.set_threshold(*self._thresholds)
            self._thresholds = None

    def input_seen(self) -> None:
        self._last_input = self._clock()

    def tick(self) -> bool:
        """Run a full collection if one is due; whether it ran."""
        now = self._clock()
        since = now - self._last_collection
        idle = now - self._last_input >= IDLE_SECONDS
        if since < LATEST_SECONDS and not (idle and since >= EVERY_SECONDS):
            return False
        gc.collect()
        self._last_collection = self._clock()
        return True
