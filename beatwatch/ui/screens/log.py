"""What the engine did: state changes, unknown pings, warnings and errors, newest first; the
line under the table shows the selected entry whole."""

from __future__ import annotations

from rich.text import Text

from beatwatch.core.timefmt import long_time, short_time
from beatwatch.ui.messages import LogEntry
from beatwatch.ui.screens.live_table import LiveTableScreen, Row
from beatwatch.ui.table_view import ACTION_TOKEN, SortOrder

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
        self._entries: dict[str, LogEntry] = {}

    def data_version(self) -> int:
        return self.beatwatch.event_log.count

    async def load(self) -> tuple[Text | str, list[Row]] | None:
        event_log = self.beatwatch.event_log
        entries = list(event_log.entries)
        # Numbered from the first entry ever added, so that a row keeps its key as the oldest
        # entries drop out.
        first = event_log.count - len(entries)
        self._entries = {str(first + n): entry for n, entry in enumerate(entries)}
        rows = [self._row(key, entry) for key, entry in self._entries.items()]
        return self._summary(entries), rows

    def _row(self, key: str, entry: LogEntry) -> Row:
        variable = LEVEL_COLOUR.get(entry.level)
        colour = self.beatwatch.theme_variables.get(variable, "") if variable else ""
        facts = {f"is:{entry.level}"}
        if entry.level in LEVEL_COLOUR:
            facts.add(ACTION_TOKEN)
        return Row(
            key,
            (
                Text(short_time(entry.at), style="dim"),
                Text(entry.level, style=colour),
                Text(" ".join(entry.text.split()), style=colour),
            ),
            sort_keys={0: entry.at, 1: LEVEL_RANK.get(entry.level, len(LEVEL_RANK))},
            facts=frozenset(facts),
        )

    def _summary(self, entries: list[LogEntry]) -> str:
        if not entries:
            return "Nothing logged yet: state changes, unknown pings and engine warnings show here."
        troubles = sum(1 for e in entries if e.level in LEVEL_COLOUR)
        key = self.beatwatch.key_for
        return (
            f"{len(entries)} entries, {troubles} warnings or errors  —  "
            f"{key('table.needs-action')}: only those · {key('table.filter')}: filter · the "
            "line under the table shows the selected entry whole"
        )

    def detail(self, key: str) -> Text | str:
        entry = self._entries.get(key)
        if entry is None:
            return ""
        return f"{long_time(entry.at)}  {entry.level}\n{entry.text}"
