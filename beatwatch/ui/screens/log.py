"""What the engine did, newest at the end, read from the store's event log: state changes,
deliveries, alerts that went nowhere, unknown pings and the engine's warnings — whichever
process ran the engine, so a window attached to `beatwatch serve` shows what it did."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Header, RichLog

from beatwatch.core.model import EventKind, LogEvent
from beatwatch.core.terminal_text import terminal_text
from beatwatch.core.timefmt import short_time
from beatwatch.service.service import LOG_EVENTS_READ
from beatwatch.ui.screens.on_app import OnBeatwatch
from beatwatch.ui.widgets.keys_footer import KeysFooter

# How often the event log is read for new lines (seconds): one indexed query each time.
REFRESH_INTERVAL = 0.5
# The theme variable that colours each level; info lines keep the normal text colour.
LEVEL_COLOUR = {"warning": "warning", "error": "error"}


class LogScreen(OnBeatwatch, Screen[None]):
    def __init__(self) -> None:
        super().__init__()
        # The id of the newest line shown: each read asks only for the lines after it.
        self._last_id = 0
        self._read_failing = False

    def compose(self) -> ComposeResult:
        yield Header(icon="♥")
        yield RichLog(id="log", wrap=True, max_lines=LOG_EVENTS_READ)
        yield KeysFooter()

    def on_mount(self) -> None:
        self._follow()

    def _follow(self) -> None:
        self.run_worker(self._read_new(), group="follow", exclusive=True)

    async def _read_new(self) -> None:
        """Show the lines written since the last read, then read again a moment later:
        never two reads at once."""
        try:
            events = await self.beatwatch.service.log_events(self._last_id)
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
                self._last_id = events[-1].id
                log = self.query_one(RichLog)
                for event in events:
                    log.write(self._line(event))
        finally:
            self.set_timer(REFRESH_INTERVAL, self._follow)

    def _line(self, event: LogEvent) -> Text:
        line = Text(f"{short_time(event.at)}  ", style="dim")
        variable = LEVEL_COLOUR.get(event.level)
        colour = self.beatwatch.theme_variables.get(variable, "") if variable else ""
        line.append(f"{event.level:<8}", style=colour)
        line.append(terminal_text(self._text(event)), style=colour)
        return line

    def _text(self, event: LogEvent) -> str:
        text = event.text
        if event.paused_until is not None:
            text += f" until {short_time(event.paused_until)}"
        if event.kind is EventKind.NOT_SENT:
            # The engine's line names the command that fixes it; this window adds its keys.
            text += f"; or here: {self.beatwatch.channel_hint()}"
        return text
