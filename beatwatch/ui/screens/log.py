"""What the engine did, newest first, read from the store's event log: state changes,
deliveries, alerts that went nowhere, unknown pings and the engine's warnings — whichever
process ran the engine, so a window attached to `beatwatch serve` shows what it did. The line
under the table shows the selected entry whole."""

from __future__ import annotations

from collections import deque

from rich.text import Text

from beatwatch.core.model import EventKind, LogEvent
from beatwatch.core.timefmt import long_time, short_time
from beatwatch.service.service import LOG_EVENTS_READ
from beatwatch.ui.screens.live_table import LiveTableScreen, Row
from beatwatch.ui.table_view import ACTION_TOKEN, SortOrder

# How often the event log is read for new lines (seconds): one indexed query each time.
FOLLOW_INTERVAL = 0.5
# The theme variable that colours each level; info lines keep the normal text colour.
LEVEL_COLOUR = {"warning": "warning", "error": "error", "critical": "error"}
# Worst first when sorted by level.
LEVEL_RANK = {"critical": 0, "error": 1, "warning": 2, "info": 3}


class LogScreen(LiveTableScreen):
    COLUMNS = ("When", "Level", "What")
    DEFAULT_ORDER = SortOrder(0, descending=True)
    FILTER_HINT = "words to find; is:error, is:warning, or is:action for both"

    def __init__(self) -> None:
        super().__init__()
        self._events: deque[LogEvent] = deque(maxlen=LOG_EVENTS_READ)
        # Bumped whenever new lines arrive, so the table is drawn again only then.
        self._arrivals = 0
        self._read_failing = False

    def on_mount(self) -> None:
        # Textual runs LiveTableScreen's on_mount too.
        self._follow()

    def _follow(self) -> None:
        self.run_worker(self._read_new(), group="follow", exclusive=True)

    async def _read_new(self) -> None:
        """Take the lines written since the last read, then read again a moment later:
        never two reads at once."""
        after = self._events[-1].id if self._events else 0
        try:
            events = await self.beatwatch.service.log_events(after)
        except Exception as exc:
            # Said once, not twice a second, for as long as it lasts.
            if not self._read_failing:
                self.beatwatch.notify(
                    str(exc), title="Could not read the event log", severity="error"
                )
            self._read_failing = True
        else:
            self._read_failing = False
            if events:
                self._events.extend(events)
                self._arrivals += 1
                self.reload()
        finally:
            self.set_timer(FOLLOW_INTERVAL, self._follow)

    def data_version(self) -> int:
        return self._arrivals

    async def load(self) -> tuple[Text | str, list[Row]] | None:
        events = list(self._events)
        return self._summary(events), [self._row(event) for event in events]

    def _row(self, event: LogEvent) -> Row:
        variable = LEVEL_COLOUR.get(event.level)
        colour = self.beatwatch.theme_variables.get(variable, "") if variable else ""
        facts = {f"is:{event.level}"}
        if event.level in LEVEL_COLOUR:
            facts.add(ACTION_TOKEN)
        return Row(
            str(event.id),
            (
                Text(short_time(event.at), style="dim"),
                Text(event.level, style=colour),
                Text(" ".join(self._text(event).split()), style=colour),
            ),
            sort_keys={0: (event.at, event.id), 1: LEVEL_RANK.get(event.level, len(LEVEL_RANK))},
            facts=frozenset(facts),
        )

    def _text(self, event: LogEvent) -> str:
        text = event.text
        if event.paused_until is not None:
            text += f" until {short_time(event.paused_until)}"
        if event.kind is EventKind.NOT_SENT:
            # The engine's line names the command that fixes it; this window adds its keys.
            text += f"; or here: {self.beatwatch.channel_hint()}"
        return text

    def _summary(self, events: list[LogEvent]) -> str:
        if not events:
            return (
                "Nothing logged yet: state changes, deliveries, unknown pings and engine "
                "warnings show here."
            )
        troubles = sum(1 for e in events if e.level in LEVEL_COLOUR)
        key = self.beatwatch.key_for
        return (
            f"{len(events)} entries, {troubles} warnings or errors  —  "
            f"{key('table.needs-action')}: only those · {key('table.filter')}: filter · the "
            "line under the table shows the selected entry whole"
        )

    def detail(self, key: str) -> Text | str:
        event = next((e for e in self._events if str(e.id) == key), None)
        if event is None:
            return ""
        return f"{long_time(event.at)}  {event.level}\n{self._text(event)}"
