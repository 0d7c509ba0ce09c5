"""The shape shared by the log, unknown pings, incidents, hosts and channels screens: a summary
line over one table, loaded from the service again whenever what it shows may have changed, and
a line under it that tells more about the selected row. The table sorts by any column and
filters as its TableKeys say. The notifications window keeps its rows fresh the same way, with
LiveRows."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, Header, Input, Static

from beatwatch.core.terminal_text import terminal_text
from beatwatch.ui.formatting import safe_text
from beatwatch.ui.screens.screen_state import in_front, whole
from beatwatch.ui.screens.table_keys import TABLE_BINDINGS, TableKeys
from beatwatch.ui.table_view import Query, SortOrder
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
    """One row: its cells, and what sorting and filtering go by. A column sorts by its cell's
    text unless `sort_keys` gives it a value (a time, a count); the filter finds words in the
    cells' text and tokens among `facts`. `children` (a host's windows) follow their row
    wherever it is sorted, and show whenever it does."""

    key: str
    cells: Sequence[Cell]
    sort_keys: dict[int, object] = field(default_factory=dict)
    facts: frozenset[str] = frozenset()
    children: Sequence[Row] = ()

    def sort_key(self, column: int) -> Any:
        if column in self.sort_keys:
            return self.sort_keys[column]
        cell = self.cells[column]
        return (cell if isinstance(cell, str) else cell.plain).casefold()

    def shown_by(self, query: Query) -> bool:
        haystack = " ".join(
            (c if isinstance(c, str) else c.plain)
            for row in (self, *self.children)
            for c in row.cells
        ).lower()
        return query.matches(haystack, self.facts)


def arranged(rows: Sequence[Row], query: Query, order: SortOrder) -> list[Row]:
    """The rows `query` shows, in `order`, each followed by its children. Rows that sort
    alike keep the order they were given in."""
    shown = [row for row in rows if row.shown_by(query)] if query else list(rows)
    shown.sort(key=lambda row: row.sort_key(order.column), reverse=order.descending)
    return [each for row in shown for each in (row, *row.children)]


def fill(
    table: RowTable,
    rows: Sequence[Row],
    columns: Sequence[tuple[str, str]] | None = None,
    widths: Sequence[int | None] = (),
) -> None:
    """Put `rows` in place of the table's, the cursor staying on the row it was on; with
    `columns` (key and header each), the columns too, each as wide as `widths` says (None: as
    its widest cell)."""
    selected = selected_key(table)
    with table.app.batch_update():
        table.clear(columns=columns is not None)
        for n, (key, header) in enumerate(columns or ()):
            width = widths[n] if n < len(widths) else None
            table.add_column(header, key=key, width=width)
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
            if in_front(self._screen) and self.stale(self._version(), self._clock()):
                self.reload()
        finally:
            self._screen.set_timer(REFRESH_INTERVAL, self._tick)

    def resumed(self) -> None:
        """The screen is on top again: its "… ago" may be old even if nothing else changed."""
        if self._screen.is_mounted and self.stale(self._version(), self._clock(), REFRESH_INTERVAL):
            self.reload()

    def reload(self) -> None:
        self.loaded_version = self._version()
        self.loaded_at = self._clock()
        self._screen.run_worker(self._load(), group="reload", exclusive=True)


class LiveTableScreen(TableKeys, Screen[None]):
    # Widgets with keys of their own on this screen, for the keymap's clash check.
    KEYED_WIDGETS: ClassVar[tuple[type[Widget], ...]] = (RowTable,)
    BINDINGS: ClassVar[list[BindingType]] = TABLE_BINDINGS
    COLUMNS: ClassVar[tuple[str, ...]] = ()
    # What the filter box suggests typing on this table.
    FILTER_HINT: ClassVar[str] = "words to find, or is:action"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.TABLE_NAME = cls.TABLE_NAME or cls.__name__
        cls.SORT_COLUMNS = len(cls.COLUMNS)

    def __init__(self) -> None:
        super().__init__()
        self._live = LiveRows(self, lambda: self.beatwatch.clock(), self.data_version, self._reload)
        self._rows: list[Row] = []
        self._query = Query()

    @property
    def table(self) -> RowTable:
        return self.query_one(RowTable)

    def compose(self) -> ComposeResult:
        yield Header(icon="♥")
        yield Static(id="summary")
        yield RowTable(cursor_type="row", zebra_stripes=True)
        yield Static(id="row-detail")
        yield Input(placeholder=f"filter: {self.FILTER_HINT}", id="filter")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.filter_box.display = False
        self.table.focus()
        self._show_rows(headers=True)
        self._live.start()

    def on_screen_resume(self) -> None:
        self._live.resumed()

    def reload(self) -> None:
        self._live.reload()

    async def _reload(self) -> None:
        loaded = await self.load()
        if loaded is None or not whole(self):
            return
        summary, self._rows = loaded
        self.query_one("#summary", Static).update(plain(summary))
        self._show_rows()

    def _show_rows(self, headers: bool = False) -> None:
        order = self.table_order
        columns = [(label.lower(), order.header(label, n)) for n, label in enumerate(self.COLUMNS)]
        fill(self.table, arranged(self._rows, self._query, order), columns if headers else None)
        self._show_detail()

    # -- the table's keys ------------------------------------------------------------------

    def show_filter(self, query: str) -> None:
        self._query = Query.parse(query)
        self._show_rows()

    def show_order(self, order: SortOrder) -> None:
        self._show_rows(headers=True)

    def matching(self) -> str:
        shown = sum(1 for row in self._rows if row.shown_by(self._query))
        return f"{shown} of {len(self._rows)} match"

    def focus_table(self) -> None:
        self.table.focus()

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        self.header_clicked(event.column_index)

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
