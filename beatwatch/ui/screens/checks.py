"""The main screen: every check, worst first, live."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.theme import Theme
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import DataTable, Header, Input, Static

from beatwatch.core.model import State
from beatwatch.core.reach import AlertFacts, Reach
from beatwatch.ui.bulk import Bulk
from beatwatch.ui.screens.check_detail import CheckDetailScreen
from beatwatch.ui.screens.screen_state import in_front
from beatwatch.ui.screens.table_keys import TABLE_BINDINGS, TableKeys
from beatwatch.ui.table_view import SortOrder, toggled, with_token
from beatwatch.ui.themes import state_variable
from beatwatch.ui.widgets.checks_table import (
    COLUMNS,
    DEFAULT_ORDER,
    ROW_MARK,
    STATE_PREFIX,
    ChecksTable,
    Colours,
    everything,
    matches_query,
    state_token,
)
from beatwatch.ui.widgets.keys_footer import KeysFooter
from beatwatch.ui.widgets.reach_banner import BannerKeys, ReachBanner, warnings
from beatwatch.ui.widgets.summary_line import SummaryLine

if TYPE_CHECKING:
    from beatwatch.ui.app import BeatwatchApp

# Changes are gathered and drawn together at most this often (seconds).
REFRESH_INTERVAL = 0.5


def theme_colours(app: BeatwatchApp) -> Colours:
    return {state: app.theme_variables[state_variable(state)] for state in State}


class ChecksScreen(TableKeys, Screen[None]):
    # Widgets with keys of their own on this screen, for the keymap's clash check.
    KEYED_WIDGETS: ClassVar[tuple[type[Widget], ...]] = (ChecksTable,)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new", "New", id="checks.new"),
        Binding("e", "edit", "Edit", id="checks.edit"),
        Binding("d", "delete", "Delete", id="checks.delete"),
        Binding("p", "pause", "Pause", id="checks.pause"),
        Binding("y", "copy_url", "Copy URL", id="checks.copy-url"),
        *TABLE_BINDINGS,
        # Marks, and what acts on the marked checks (or on the selected one, with none).
        Binding("space", "mark", "Mark", show=False, id="checks.mark"),
        Binding("asterisk", "mark_shown", "Mark all shown", show=False, id="checks.mark-shown"),
        Binding("r", "bulk('resume')", "Resume", show=False, id="checks.resume"),
        Binding("m", "bulk('start_maintenance')", "Maintenance", show=False, id="checks.maint"),
        Binding("x", "bulk('end_maintenance')", "End maint.", show=False, id="checks.end-maint"),
    ]
    TABLE_NAME = "checks"
    SORT_COLUMNS = len(COLUMNS)
    DEFAULT_ORDER = DEFAULT_ORDER

    def __init__(self) -> None:
        super().__init__()
        self._timer: Timer | None = None
        self._colours: Colours = {}
        self._banner_facts: AlertFacts | None = None
        self._summary_counts: tuple[dict[State, int], dict[Reach, int]] | None = None

    @property
    def table(self) -> ChecksTable:
        return self.query_one(ChecksTable)

    def compose(self) -> ComposeResult:
        yield Header(icon="♥")
        new = self.beatwatch.key_for("checks.new")
        set_up = self.beatwatch.set_up
        empty = f"No checks yet — press {new} to add one, or run `beatwatch demo`."
        yield ReachBanner(id="banner")
        yield SummaryLine(Text(set_up.saying if set_up else empty), id="summary")
        yield ChecksTable(id="checks")
        yield Static(id="marks")
        yield Input(
            placeholder="filter by name, tag, host or state; is:action, is:failing, host:NAME",
            id="filter",
        )
        yield KeysFooter()

    def on_mount(self) -> None:
        self._colours = theme_colours(self.beatwatch)
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)
        self.filter_box.display = False
        self.table.order = self.table_order
        self.query_one("#marks", Static).display = False
        self.table.focus()
        self._tick()

    def _theme_changed(self, theme: Theme) -> None:
        self._colours = theme_colours(self.beatwatch)
        self.table.repaint(self.beatwatch.fleet, self.beatwatch.clock(), self._colours)
        self._summary_counts = None

    def _tick(self) -> None:
        """Draw what changed, then arm the next tick: ticks never overlap, and none are drawn
        while another screen (a dialog, the detail view) is on top."""
        try:
            if in_front(self):
                self.refresh_now()
        finally:
            self._timer = self.set_timer(REFRESH_INTERVAL, self._tick)

    def refresh_now(self) -> None:
        app = self.beatwatch
        now = app.clock()
        fleet = app.fleet
        fleet.advance(now)
        changed, removed = fleet.take_changes()
        with app.batch_update():
            self.table.sync(fleet, changed, removed, now, self._colours)
            self.table.refresh_visible(fleet, now, self._colours)
            if changed or removed or self._summary_counts is None:
                counts = (fleet.counts(), fleet.reach_counts())
                # Most passes under steady pings leave the counts as they were; redrawing the
                # line anyway would relayout the screen each time.
                if counts != self._summary_counts:
                    self._summary_counts = counts
                    self.query_one(SummaryLine).show(*counts, self._colours)
                    self._show_banner()
            if fleet.facts is not self._banner_facts:
                self._show_banner()

    def _show_banner(self) -> None:
        fleet = self.beatwatch.fleet
        self._banner_facts = fleet.facts
        failing = fleet.facts.failing_channels if fleet.facts else ()
        key = self.beatwatch.key_for
        keys = BannerKeys(
            key("app.show-channels"),
            key("channels.add"),
            key("channels.default"),
            key("channels.test"),
        )
        self.query_one(ReachBanner).say(warnings(fleet.unheard_in_trouble(), failing, keys))

    def select(self, check_id: int) -> None:
        """Draw what changed and put the cursor on the check's row (if the filter shows it)."""
        self.refresh_now()
        self.table.select(check_id)

    # -- actions -------------------------------------------------------------------------

    def selected_check_id(self) -> int | None:
        return self.table.selected_id()

    def _selected(self) -> int | None:
        selected = self.table.selected_id()
        if selected is None:
            self.notify("Select a check first.", severity="warning")
        return selected

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.app.push_screen(CheckDetailScreen(int(event.row_key.value)))

    def action_new(self) -> None:
        self.beatwatch.new_check()

    def action_edit(self) -> None:
        if (check_id := self._selected()) is not None:
            self.beatwatch.edit_check(check_id)

    def action_delete(self) -> None:
        if self.table.marked:
            self.action_bulk("delete")
        elif (check_id := self._selected()) is not None:
            self.beatwatch.delete_check(check_id)

    async def action_pause(self) -> None:
        if self.table.marked:
            self.action_bulk("pause")
        elif (check_id := self._selected()) is not None:
            await self.beatwatch.toggle_pause(check_id)

    def action_mark(self) -> None:
        self.table.toggle_mark()
        self._show_marks()

    def action_mark_shown(self) -> None:
        self.table.mark_shown()
        self._show_marks()

    def action_bulk(self, action: str) -> None:
        """`action` of Bulk on the marked checks, or on the selected one if none is marked."""
        fleet = self.beatwatch.fleet
        ids = sorted(self.table.marked) or [i for i in [self._selected()] if i is not None]
        checks = [fleet.checks[i] for i in ids if i in fleet.checks]
        if checks:
            getattr(Bulk(self.beatwatch, checks, self._clear_marks), action)()

    def _clear_marks(self) -> None:
        self.table.marked.clear()
        self.table.refresh()
        self._show_marks()

    def _show_marks(self) -> None:
        """Under the table while any check is marked: how many, and the keys that act on them."""
        line = self.query_one("#marks", Static)
        count = len(self.table.marked)
        line.display = bool(count)
        if count:
            key = self.beatwatch.key_for
            line.update(
                f"{ROW_MARK} {count} marked · {key('checks.pause')} pause · "
                f"{key('checks.resume')} resume · {key('checks.maint')} maintenance · "
                f"{key('checks.end-maint')} end it · {key('checks.delete')} delete · "
                f"{key('checks.mark-shown')} all shown · {key('checks.mark')} unmark"
            )

    def action_copy_url(self) -> None:
        if (check_id := self._selected()) is not None:
            self.beatwatch.copy_ping_url(check_id)

    # -- the table's keys ------------------------------------------------------------------

    def show_filter(self, query: str) -> None:
        table = self.table
        table.matcher = matches_query(query, table.search_text) if query else everything
        app = self.beatwatch
        with app.batch_update():
            table.refilter(app.fleet, app.clock(), self._colours)

    def show_order(self, order: SortOrder) -> None:
        self.table.sort_by(order, self.beatwatch.fleet)

    def matching(self) -> str:
        return f"{len(self.table.shown_ids)} of {len(self.beatwatch.fleet.checks)} match"

    def focus_table(self) -> None:
        self.table.focus()

    def on_checks_table_header_clicked(self, event: ChecksTable.HeaderClicked) -> None:
        self.header_clicked(event.column)

    def on_summary_line_count_clicked(self, event: SummaryLine.CountClicked) -> None:
        """A count on the line shows only the checks it counts; clicked again, all of them;
        the total clears the filter."""
        if event.counted is None:
            self.action_clear_filter()
            return
        token = state_token(event.counted)
        typed = self.filter_text
        if token in typed.lower().split():
            self.filter_by(toggled(typed, token))
        else:
            self.filter_by(with_token(typed, STATE_PREFIX, token))
