"""The keys every table screen shares: `/` filters, `!` shows only what needs action, `o`
sorts by the next column and `O` the other way round (a click on a header does the same).
One id each, so a [keymap] entry remaps the key on every table.

A screen mixes in TableKeys and gives it three things: how to show a filter, how to show a
sort order, and how many rows match. The order is remembered per table on the app, for as
long as it runs, so a screen opened again (a check's detail) sorts as it was left."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import Input

from beatwatch.ui.screens.on_app import OnBeatwatch
from beatwatch.ui.table_view import ACTION_TOKEN, SortOrder, toggled

# Only the filter's key shows in the footer, which has no room for more at 80 columns; the
# others are listed by help and the palette, and the filter box names `!`.
FILTER_BINDINGS: list[Binding] = [
    # Ahead of the table's keys: a terminal hands over "/dump" typed quickly in one read, and
    # the letters must reach the box that "/" opens, not the table ("d" deletes).
    Binding("slash", "filter", "Filter", priority=True, id="table.filter"),
    Binding(
        "exclamation_mark", "needs_action", "Needs action only", show=False, id="table.needs-action"
    ),
]
SORT_BINDINGS: list[Binding] = [
    Binding("o", "sort_next", "Sort by next column", show=False, id="table.sort"),
    Binding("O", "sort_reverse", "Reverse sort", show=False, id="table.reverse"),
]
CLEAR_BINDING = Binding(
    "escape", "clear_filter", "Clear filter", show=False, id="table.clear-filter"
)
TABLE_BINDINGS: list[BindingType] = [*FILTER_BINDINGS, CLEAR_BINDING, *SORT_BINDINGS]


class TableKeys(OnBeatwatch):
    """Mixed into a screen that has one filter box, `#filter`, and one sortable table."""

    # The name the table's sort order is remembered by, its columns, and its usual order.
    TABLE_NAME: ClassVar[str] = ""
    SORT_COLUMNS: ClassVar[int] = 1
    DEFAULT_ORDER: ClassVar[SortOrder] = SortOrder(0)

    def show_filter(self, query: str) -> None:
        raise NotImplementedError

    def show_order(self, order: SortOrder) -> None:
        raise NotImplementedError

    def matching(self) -> str:
        """ "3 of 120 match"."""
        raise NotImplementedError

    def focus_table(self) -> None:
        raise NotImplementedError

    # -- filtering ----------------------------------------------------------------------

    @property
    def filter_box(self) -> Input:
        return self.query_one("#filter", Input)  # type: ignore[attr-defined, no-any-return]

    @property
    def filter_text(self) -> str:
        box = self.filter_box
        return box.value.strip() if box.display else ""

    def action_filter(self) -> None:
        box = self.filter_box
        if self.focused is box:  # type: ignore[attr-defined]
            box.insert_text_at_cursor("/")  # typed in the box, it is text: "Europe/Berlin"
            return
        box.display = True
        box.border_title = f"type to filter · {self._typing_keys()}"
        # At once, not on the next turn as focus() would: the keys after it are on their way.
        self.set_focus(box)  # type: ignore[attr-defined]

    def filter_by(self, query: str) -> None:
        """Show only the rows `query` matches, as if typed into the filter; an empty one
        closes the box."""
        if not query.strip():
            self.action_clear_filter()
            return
        box = self.filter_box
        box.display = True
        with box.prevent(Input.Changed):
            box.value = query
        self.show_filter(query.strip())
        self.browse_matches()

    def action_clear_filter(self) -> None:
        box = self.filter_box
        was_filtered = bool(box.value.strip())
        with box.prevent(Input.Changed):
            box.value = ""
        box.display = False
        if was_filtered:
            self.show_filter("")
        self.focus_table()

    def action_needs_action(self) -> None:
        self.filter_by(toggled(self.filter_box.value, ACTION_TOKEN))

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "filter":
            self.show_filter(event.value.strip())
            event.input.border_title = f"{self.matching()} · {self._typing_keys()}"

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "filter":
            self.browse_matches()

    def browse_matches(self) -> None:
        key = self.beatwatch.key_for
        self.filter_box.border_title = (
            f"filtered, {self.matching()} · {key('table.filter')} to change · "
            f"{self.clear_key()} to clear"
        )
        self.focus_table()

    def clear_key(self) -> str:
        return self.beatwatch.key_for("table.clear-filter")

    def _typing_keys(self) -> str:
        """What the keys do while the filter is typed: enter is the box's own."""
        return f"enter: browse the matches · {self.clear_key()}: clear"

    # -- sorting -------------------------------------------------------------------------

    @property
    def table_order(self) -> SortOrder:
        return self.beatwatch.sort_orders.get(self.TABLE_NAME, self.DEFAULT_ORDER)

    def sort_by(self, order: SortOrder) -> None:
        self.beatwatch.sort_orders[self.TABLE_NAME] = order
        self.show_order(order)

    def action_sort_next(self) -> None:
        self.sort_by(self.table_order.next_column(self.SORT_COLUMNS))

    def action_sort_reverse(self) -> None:
        self.sort_by(self.table_order.reversed())

    def header_clicked(self, column: int) -> None:
        self.sort_by(self.table_order.clicked(column))
