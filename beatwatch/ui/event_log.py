"""The lines of the log screen, kept by the app for as long as it runs, newest last."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping

from beatwatch.core.model import Check, State
from beatwatch.core.presentation import state_label
from beatwatch.core.timefmt import short_time
from beatwatch.ui.messages import LogEntry

LOG_KEPT = 2000


class EventLog:
    def __init__(self) -> None:
        self.entries: deque[LogEntry] = deque(maxlen=LOG_KEPT)
        # Every entry ever added: the log screen shows the ones past the count it has seen.
        self.count = 0
        # The latest state change logged for each check, as (time, new state): one change can
        # be seen twice, as this process's event and in a reload after another's write.
        self._latest_change: dict[int, tuple[float, State]] = {}

    def add(self, entry: LogEntry) -> None:
        self.entries.append(entry)
        self.count += 1

    def state_changed(self, check: Check, from_state: State, to_state: State, at: float) -> None:
        """ "backup: ● up → ✖ MISSED", once per change however often it is seen."""
        if self._latest_change.get(check.id) == (at, to_state):
            return
        self._latest_change[check.id] = (at, to_state)
        text = f"{check.name}: {state_label(from_state)} → {state_label(to_state)}"
        if to_state is State.PAUSED and check.paused_until is not None:
            text += f" until {short_time(check.paused_until)}"
        self.add(LogEntry(at, "error" if to_state.is_bad else "info", text))

    def states_changed_elsewhere(self, known: Mapping[int, Check], read: Iterable[Check]) -> None:
        """Log the state changes another process made, found by comparing the checks this
        process knew with a fresh read of them: a pause or a resume from the command line,
        or, in a window attached to another engine, everything that engine does."""
        for check in read:
            before = known.get(check.id)
            # A read that began before this process's own latest change of a check is older
            # than what it knows: no change.
            if (
                before is not None
                and before.state is not check.state
                and check.state_since > before.state_since
            ):
                self.state_changed(check, before.state, check.state, check.state_since)

    def forget(self, check_id: int) -> None:
        """The check was deleted."""
        self._latest_change.pop(check_id, None)
