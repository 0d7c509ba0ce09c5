"""The keys that move a table's row cursor, the same on every screen: the arrows, vim's j and
k, g and G (or home and end) for the first and last row, page up and page down.

They are declared once, here. ChecksTable draws its own rows and RowTable is Textual's
DataTable; both take these bindings, so one id in the [keymap] remaps the key on every
table."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

Cell = str | Text

CURSOR_BINDINGS: list[BindingType] = [
    Binding("down", "cursor_down", "Down", show=False),
    Binding("up", "cursor_up", "Up", show=False),
    Binding("j", "cursor_down", "Down", show=False, id="table.down"),
    Binding("k", "cursor_up", "Up", show=False, id="table.up"),
    Binding("pagedown", "page_down", "Page down", show=False),
    Binding("pageup", "page_up", "Page up", show=False),
    Binding("home", "scroll_top", "Top", show=False),
    Binding("end", "scroll_bottom", "Bottom", show=False),
    Binding("g", "scroll_top", "Top", show=False, id="table.top"),
    Binding("G", "scroll_bottom", "Bottom", show=False, id="table.bottom"),
]


class RowTable(DataTable[Cell]):
    """A DataTable whose row cursor moves with CURSOR_BINDINGS (home and end go to the first
    and last row, as in the checks table, not to the first and last column)."""

    BINDINGS: ClassVar[list[BindingType]] = CURSOR_BINDINGS
