"""The shape shared by the incidents, hosts and channels screens: a summary line over one table,
loaded from the service again whenever the alerting side may have changed, and a line under it
that tells more about the selected row. The notifications window keeps its rows fresh the same
way, with LiveRows."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult, ScreenStackError
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Header, Static

from beatwatch.core.terminal_text import terminal_text
from beatwatch.ui.formatting import safe_text
from beatwatch.ui.screens.on_app import OnBeatwatch
from beatwatch.ui.widgets.keys_footer import KeysFooter
from beatwatch.ui.widgets.row_table import Cell, RowTable

REFRESH_INTERVAL = 1.0
# Rows say how long ago things happened: they are redrawn this often even if nothing changed.
AGES_REFRESH = 15.0


def plain(value: Cell) -> Text:
    """Names, URLs and job output are shown as they are, never read as markup, and their
    control characters as stand-ins."""
    # Before the Text is made: Rich drops a BEL or a CR it is given, unseen. A row's detail
    # may span lines; a cell shows its first.
    if isinstance(value, str):
        return Text(terminal_text(value, multiline=True))
    return safe_text(value)


@dataclass(frozen=True, slots=True)
class Row:
    key: str
    cells: Sequence[Cell]


def fill(table: RowTable, rows: Sequence[Row]) -> None:
    """Put `rows` in place of the table's, the cursor staying on the row it was on."""
    selected = selected_key(table)
    with table.app.batch_update():
        table.clear()
        for row in rows:
            table.add_row(*map(plain, row.cells), key=row.key)
        keys = [row.key for row in rows]
        if selected in keys:
            table.move_cursor(row=keys.index(selected), scroll=False)


def selected_key(table: RowTable) -> str | None:
    if not table.row_count:
        return None
    key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
    return None if key is None else str(key)


class LiveRows:
    """Loads a screen's rows again while the screen is on top, whenever the data they show has
    moved or their "… ago" texts have aged: one timer for the screen, however many rows.

    Ages are measured on the app's clock, the one the texts are written from."""

    def __init__(
        self,
        screen: Screen[Any],
        clock: Callable[[], float],
        version: Callable[[], int],
        load: Callable[[], Awaitable[None]],
    ) -> None:
        self._screen = screen
        self._clock = clock
        self._version = version
        self._load = load
        self.loaded_version = -1
        self.loaded_at = -math.inf

    def stale(self, version: int, now: float, max_age: float = AGES_REFRESH) -> bool:
        # A clock set back leaves the texts as wrong as one moved on.
        return version != self.loaded_version or not 0 <= now - self.loaded_at < max_age

    def start(self) -> None:
        self._tick()

    def _tick(self) -> None:
        try:
            if self._on_top() and self.stale(self._version(), self._clock()):
                self.reload()
        finally:
            self._screen.set_timer(REFRESH_INTERVAL, self._tick)

    def _on_top(self) -> bool:
        try:
            return self._screen.app.screen is self._screen
        except ScreenStackError:  # the app is closing: its screens are gone, timers not yet
            return False

    def resumed(self) -> None:
        """The screen is on top again: its "… ago" may be old even if nothing else changed."""
        if self._screen.is_mounted and self.stale(self._version(), self._clock(), REFRESH_INTERVAL):
            self.reload()

    def reload(self) -> None:
        self.loaded_version = self._version()
        self.loaded_at = self._clock()
        self._screen.run_worker(self._load(), group="reload", exclusive=True)


class LiveTableScreen(OnBeatwatch, Screen[None]):
    # Widgets with keys of their own on this screen, for the keymap's clash check.
    KEYED_WIDGETS: ClassVar[tuple[type[Widget], ...]] = (RowTable,)
    COLUMNS: ClassVar[tuple[str, ...]] = ()

    def __init__(self) -> None:
        super().__init__()
        self._live = LiveRows(self, lambda: self.beatwatch.clock(), self.data_version, self._reload)

    @property
    def table(self) -> RowTable:
        return self.query_one(RowTable)

    def compose(self) -> ComposeResult:
        yield Header(icon="♥")
        yield Static(id="summary")
        yield RowTable(cursor_type="row", zebra_stripes=True)
        yield Static(id="row-detail")
        yield KeysFooter()

    def on_mount(self) -> None:
        for label in self.COLUMNS:
            self.table.add_column(label, key=label.lower())
        self._live.start()

    def on_screen_resume(self) -> None:
        self._live.resumed()

    def reload(self) -> None:
        self._live.reload()

    async def _reload(self) -> None:
        loaded = await self.load()
        if loaded is None:
            return
        summary, rows = loaded
        self.query_one("#summary", Static).update(plain(summary))
        fill(self.table, rows)
        self._show_detail()

    def on_data_table_row_highlighted(self) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        key = self.selected_key()
        self.query_one("#row-detail", Static).update(plain(self.detail(key)) if key else "")

    def data_version(self) -> int:
        """Moves whenever what this screen shows may have changed."""
        return self.beatwatch.alerts_version

    async def load(self) -> tuple[Text | str, list[Row]] | None:
        """The summary line and the rows, or None if the service could not give them."""
        raise NotImplementedError

    def detail(self, key: str) -> Text | str:
        """More about the row with this key than fits in the table."""
        return ""

    def selected_key(self) -> str | None:
        return selected_key(self.table)
