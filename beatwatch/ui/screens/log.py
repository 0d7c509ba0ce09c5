"""What the engine did: state changes, unknown pings, warnings and errors, newest at the end."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Header, RichLog

from beatwatch.core.terminal_text import terminal_text
from beatwatch.core.timefmt import short_time
from beatwatch.ui.messages import LogEntry
from beatwatch.ui.screens.on_app import OnBeatwatch
from beatwatch.ui.widgets.keys_footer import KeysFooter

REFRESH_INTERVAL = 0.5
# The theme variable that colours each level; info lines keep the normal text colour.
LEVEL_COLOUR = {"warning": "warning", "error": "error", "critical": "error"}


class LogScreen(OnBeatwatch, Screen[None]):
    def __init__(self) -> None:
        super().__init__()
        self._seen = 0

    def compose(self) -> ComposeResult:
        yield Header(icon="♥")
        yield RichLog(id="log", wrap=True, max_lines=2000)
        yield KeysFooter()

    def on_mount(self) -> None:
        self._tick()

    def _tick(self) -> None:
        try:
            self._show_new()
        finally:
            self.set_timer(REFRESH_INTERVAL, self._tick)

    def _show_new(self) -> None:
        app = self.beatwatch
        event_log = app.event_log
        fresh = min(event_log.count - self._seen, len(event_log.entries))
        self._seen = event_log.count
        if fresh <= 0:
            return
        log = self.query_one(RichLog)
        for entry in list(event_log.entries)[-fresh:]:
            log.write(self._line(entry))

    def _line(self, entry: LogEntry) -> Text:
        line = Text(f"{short_time(entry.at)}  ", style="dim")
        variable = LEVEL_COLOUR.get(entry.level)
        colour = self.beatwatch.theme_variables.get(variable, "") if variable else ""
        line.append(f"{entry.level:<8}", style=colour)
        line.append(terminal_text(entry.text), style=colour)
        return line
