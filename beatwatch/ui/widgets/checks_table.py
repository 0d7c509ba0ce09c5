"""The live checks table: one keyed row per check, updated cell by cell, drawn line by line.

It holds tens of thousands of rows: a change touches only the rows and cells it names, the
order (worst first, or by any column: see SORTED_BY) is kept by re-sorting an almost sorted
list, column widths come from counts of cell
widths (so a cell that narrows never means measuring the whole column), and only the lines on
screen are ever rendered. The cursor follows its check through re-sorts and filtering, and the
scroll position stays where the user left it.

When the terminal is too narrow for every column, the least important are left out (see
fit_columns); that is decided from the column widths alone, so a resize touches no row.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Collection, Iterable
from functools import lru_cache
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets.data_table import RowKey

from beatwatch.core.model import Check, PingKind, Schedule, State
from beatwatch.core.presentation import (
    REACH_SYMBOL,
    REACH_WORD,
    STATE_RANK,
    STATE_WORD,
    reach_label,
    reach_parts,
    state_label,
)
from beatwatch.core.reach import Reach
from beatwatch.core.rules import Evaluation, due_at
from beatwatch.core.schedule import describe
from beatwatch.ui.fleet import RESULTS_SHOWN, Fleet, Result, needs_action
from beatwatch.ui.formatting import shortened
from beatwatch.ui.table_view import ACTION_TOKEN, Query, SortOrder
from beatwatch.ui.widgets.row_table import CURSOR_BINDINGS

Cells = tuple[Text | str, ...]
Colours = dict[State, str]
Matcher = Callable[[Check, State, Reach], bool]
SortKey = tuple[Any, ...]

COLUMNS = (
    ("state", "State"),
    ("alerts", "Alerts"),
    ("name", "Name"),
    ("host", "Host"),
    ("schedule", "Schedule"),
    ("last_ping", "Pinged"),
    ("next_due", "Next due"),
    ("last_run", "Run"),
    ("recent", "Recent"),
)
COLUMN_INDEX = {key: n for n, (key, _) in enumerate(COLUMNS)}
# The columns whose cells change width as time passes are never narrower than their usual
# widest cell, so that a ping arriving or a minute passing does not move the columns after
# them, nor change which columns fit a narrow terminal.
STEADY_WIDTHS = {
    "last_ping": cell_len("just now"),
    "next_due": cell_len("overdue 59m"),
    "recent": RESULTS_SHOWN,
}
# A column whose every cell is empty takes no room at all: the Alerts column shows only while
# some check's alert would not reach a person.
SHOWN_WHEN_FILLED = frozenset({COLUMN_INDEX["alerts"]})
# Room for the arrow of the column sorted by, so that sorting never moves a column.
ARROW_WIDTH = 2
LEAST_WIDTHS = tuple(
    max(cell_len(label) + ARROW_WIDTH, STEADY_WIDTHS.get(key, 0)) for key, label in COLUMNS
)
# Most important first: what is wrong, with which job, and how late it is are what matter at
# 3 a.m., and whether anyone will be told. A terminal too narrow for every column leaves out
# the last ones first; the first ALWAYS_SHOWN always show.
PRIORITY = tuple(
    COLUMN_INDEX[key]
    for key in (
        "state",
        "name",
        "alerts",
        "next_due",
        "last_ping",
        "recent",
        "host",
        "schedule",
        "last_run",
    )
)
ALWAYS_SHOWN = 4
# Long names and hosts are cut short, so that more columns fit beside them; the detail screen
# shows them whole, and the filter matches the whole name.
NAME_SHOWN = 32
HOST_SHOWN = 16
SCHEDULE_SHOWN = 32
# A schedule column without room for its widest cell shows cut to the room left, down to this:
# one long cron line must not hide every check's schedule.
SCHEDULE_LEAST = 12
# How short the name may be cut when the columns that always show do not fit otherwise.
NAME_LEAST = 12
# The blank either side of every cell.
CELL_PADDING = 2
SUCCESS_MARK = "▮"
FAIL_MARK = "✗"
# In the blank before a marked row's first cell: a mark seen without colour.
ROW_MARK = "◆"


def coarse(seconds: float) -> str:
    """The largest unit only ("2h", "14m", "9s"): a table cell that is short and changes seldom."""
    total = round(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if total >= size:
            return f"{total // size}{unit}"
    return f"{total}s"


def ago(t: float | None, now: float) -> str:
    if t is None:
        return "never"
    return "just now" if now - t < 1 else f"{coarse(now - t)} ago"


def schedule_text(check: Check) -> str:
    """The schedule in few words, the zone shortened to its city ("03:00 daily, Berlin")."""
    text = describe(check.schedule, terse=True)
    if check.schedule.tz and "/" in check.schedule.tz:
        text = text.replace(check.schedule.tz, check.schedule.tz.rsplit("/", 1)[1])
    return text


def next_due_text(
    check: Check, evaluation: Evaluation, now: float, duration: Callable[[float], str] = coarse
) -> str:
    if evaluation.state is State.PAUSED:
        return f"paused {duration(check.paused_until - now)}" if check.paused_until else "—"
    if check.run_started_at is not None and evaluation.state in (
        State.RUNNING,
        State.RUNNING_LONG,
        State.STUCK,
    ):
        return f"running {duration(now - check.run_started_at)}"
    due = due_at(check, evaluation)
    if due is None:
        return "—"
    return f"overdue {duration(now - due)}" if due <= now else f"in {duration(due - now)}"


# Cells that look alike share one Text, never changed once made: at tens of thousands of rows,
# a Text per row would be hundreds of thousands more objects for every garbage collection.


def state_text(state: State, colours: Colours) -> Text:
    return _styled_label(state, colours[state])


@lru_cache(maxsize=256)
def _styled_label(state: State, colour: str) -> Text:
    return Text(state_label(state), style=colour + (" bold" if state.is_bad else ""))


def reach_colour(flag: Reach, colours: Colours) -> str:
    """Nobody told is as loud as a failure; a held alert reads like a pause; an acknowledged
    one is settled."""
    if flag is Reach.NOBODY:
        return f"{colours[State.FAILING]} bold"
    return colours[State.PAUSED] if flag is Reach.HELD else "dim"


def reach_text(reach: Reach, colours: Colours) -> Text:
    """The flags of a check's reach, each in the colour of what it is about."""
    return _reach_text(
        reach, reach_colour(Reach.NOBODY, colours), reach_colour(Reach.HELD, colours)
    )


@lru_cache(maxsize=64)
def _reach_text(reach: Reach, nobody_style: str, held_style: str) -> Text:
    """The most telling flag in words, any others by their symbols ("⊘ nobody ◇"): a column
    as wide as every flag's words would leave out the schedule at 120 columns. The summary
    line names the symbols, the detail says it all in words."""
    styles = {Reach.NOBODY: nobody_style, Reach.HELD: held_style}
    text = Text()
    for n, (flag, part) in enumerate(reach_parts(reach)):
        text.append(" " if text else "")
        text.append(part if n == 0 else REACH_SYMBOL[flag], styles.get(flag, "dim"))
    return text


def results_strip(results: Iterable[Result], colours: Colours) -> Text:
    failed = tuple(result.kind is PingKind.FAIL for result in results)
    return _strip(failed, colours[State.UP], colours[State.FAILING])


@lru_cache(maxsize=4096)
def _strip(failed: tuple[bool, ...], success_colour: str, fail_colour: str) -> Text:
    strip = Text()
    for fail in failed:
        strip.append(*((FAIL_MARK, fail_colour) if fail else (SUCCESS_MARK, success_colour)))
    return strip


def row_cells(fleet: Fleet, check_id: int, now: float, colours: Colours) -> Cells:
    check = fleet.checks[check_id]
    evaluation = fleet.evaluations[check_id]
    return (
        state_text(evaluation.state, colours),
        reach_text(fleet.reach_of(check_id), colours),
        shortened(check.name, NAME_SHOWN),
        shortened(check.host or "", HOST_SHOWN),
        shortened(schedule_text(check), SCHEDULE_SHOWN),
        ago(check.last_ping_at, now),
        next_due_text(check, evaluation, now),
        coarse(check.last_duration) if check.last_duration is not None else "",
        results_strip(fleet.results.get(check_id, ()), colours),
    )


HOST_PREFIX = "host:"
STATE_PREFIX = "is:"


def state_token(counted: State | Reach) -> str:
    """The filter token of a state or an alert flag: "is:failing", "is:held"."""
    word = counted.value if isinstance(counted, State) else REACH_WORD[counted]
    return f"{STATE_PREFIX}{word}"


def check_facts(state: State, reach: Reach) -> frozenset[str]:
    """The tokens a check answers to: its state, its alert flags, and whether it needs action."""
    facts = {state_token(state), *(state_token(flag) for flag in reach)}
    if needs_action(state, reach):
        facts.add(ACTION_TOKEN)
    return frozenset(facts)


class SearchText:
    """What a filter's words are looked for in, per check: its name, slug, host, tags, state
    and flags, lowercased. Kept until the check, its state or its flags change, since each
    keystroke in the filter reads every check of the fleet again."""

    def __init__(self) -> None:
        self._made: dict[int, tuple[Check, State, Reach, str]] = {}

    def __len__(self) -> int:
        """How many checks' texts are kept."""
        return len(self._made)

    def of(self, check: Check, state: State, reach: Reach) -> str:
        made = self._made.get(check.id)
        if made is not None and made[0] is check and made[1] is state and made[2] == reach:
            return made[3]
        text = " ".join(
            [
                check.name,
                check.slug,
                check.host or "",
                *check.tags,
                state.value,
                STATE_WORD[state],
                reach_label(reach),
            ]
        ).lower()
        self._made[check.id] = (check, state, reach, text)
        return text

    def keep_only(self, check_ids: Collection[int]) -> None:
        """Forget the checks that are gone, once they outnumber those that came."""
        if len(self._made) > len(check_ids):
            for check_id in [i for i in self._made if i not in check_ids]:
                del self._made[check_id]


def matches_query(query: str, texts: SearchText) -> Matcher:
    """A filter from what the user typed: every word must appear in the name, slug, host, a
    tag, the state or the alert flags ("held", "acked", "nobody"); "host:NAME" matches the
    checks of that host only (not of NAME2); "is:failing", "is:held" or "is:action" those in
    that state, carrying that flag, or needing action."""
    parsed = Query.parse(query)
    hosts = {t.removeprefix(HOST_PREFIX) for t in parsed.tokens if t.startswith(HOST_PREFIX)}
    tokens = frozenset(t for t in parsed.tokens if not t.startswith(HOST_PREFIX))
    words = parsed.words

    def matches(check: Check, state: State, reach: Reach) -> bool:
        if hosts and (check.host or "").lower() not in hosts:
            return False
        if tokens and not tokens <= check_facts(state, reach):
            return False
        haystack = texts.of(check, state, reach)
        return all(word in haystack for word in words)

    return matches


def everything(check: Check, state: State, reach: Reach) -> bool:
    return True


def _rank(fleet: Fleet, check_id: int) -> int:
    return STATE_RANK.get(fleet.state_of(check_id), len(STATE_RANK))


@lru_cache(maxsize=16)
def _flags_rank(reach: Reach) -> tuple[bool, ...]:
    return tuple(flag not in reach for flag in (Reach.NOBODY, Reach.HELD, Reach.ACKNOWLEDGED))


@lru_cache(maxsize=4096)
def _schedule_rank(schedule: Schedule) -> str:
    return describe(schedule, terse=True).casefold()


def _due(fleet: Fleet, check_id: int) -> float:
    evaluation = fleet.evaluations[check_id]
    if evaluation.state is State.PAUSED:
        return math.inf
    due = due_at(fleet.checks[check_id], evaluation)
    return math.inf if due is None else due


def _age(fleet: Fleet, check_id: int) -> float:
    pinged = fleet.checks[check_id].last_ping_at
    return math.inf if pinged is None else -pinged


def _run(fleet: Fleet, check_id: int) -> float:
    duration = fleet.checks[check_id].last_duration
    return math.inf if duration is None else duration


def _fails(fleet: Fleet, check_id: int) -> int:
    strip = fleet.results.get(check_id)
    return -[r.kind for r in strip].count(PingKind.FAIL) if strip else 0


# What each column sorts by, in its usual direction: worst first for the state, the alert
# flags and the recent results; the most overdue first for Next due; the latest ping first;
# the shortest run first; text from A to Z. A check without the value (never pinged, no
# host) comes last. Ties go worst first, then by name (the other way round once reversed).
SORTED_BY: dict[str, Callable[[Fleet, int], Any]] = {
    "state": _rank,
    "alerts": lambda fleet, i: _flags_rank(fleet.reach_of(i)),
    "name": lambda fleet, i: fleet.checks[i].name.casefold(),
    "host": lambda fleet, i: (not fleet.checks[i].host, (fleet.checks[i].host or "").casefold()),
    "schedule": lambda fleet, i: _schedule_rank(fleet.checks[i].schedule),
    "last_ping": _age,
    "next_due": _due,
    "last_run": _run,
    "recent": _fails,
}
DEFAULT_ORDER = SortOrder(COLUMN_INDEX["state"])


def tie_key(fleet: Fleet, check_id: int) -> tuple[int, str, int]:
    """Worst state first, then by name; the id keeps namesakes in a steady order."""
    return (_rank(fleet, check_id), fleet.checks[check_id].name.lower(), check_id)


def sort_key(fleet: Fleet, check_id: int, order: SortOrder = DEFAULT_ORDER) -> SortKey:
    """The column's value, then the tie_key."""
    return (SORTED_BY[COLUMNS[order.column][0]](fleet, check_id), tie_key(fleet, check_id))


def cell_width(cell: Text | str) -> int:
    text = cell.plain if isinstance(cell, Text) else cell
    # Printable ASCII is one cell a character: the usual case, and far cheaper to measure.
    return len(text) if text.isascii() and text.isprintable() else cell_len(text)


def column_width(column: int, widest_cell: int) -> int:
    """How wide a column is drawn, given its widest cell: 0 leaves it out."""
    if column in SHOWN_WHEN_FILLED and not widest_cell:
        return 0
    return max(LEAST_WIDTHS[column], widest_cell)


def fit_columns(widths: list[int], room: int) -> list[tuple[int, int]]:
    """The columns to show in `room` cells, as (column, width) in table order.

    Columns are taken by PRIORITY, each at its full width; one that does not fit is left out
    and the next one tried, so a narrow column may show where a wider, more important one
    could not; the schedule alone is cut to the room left instead, down to SCHEDULE_LEAST.
    The first ALWAYS_SHOWN always show: if even they do not fit, the name is cut shorter, down
    to NAME_LEAST cells, and past that the table scrolls sideways."""
    shown = {column: widths[column] for column in PRIORITY[:ALWAYS_SHOWN] if widths[column]}
    used = sum(shown.values()) + CELL_PADDING * len(shown)
    if used > room:
        name = COLUMN_INDEX["name"]
        shown[name] = max(min(NAME_LEAST, widths[name]), widths[name] - (used - room))
    else:
        for column in PRIORITY[ALWAYS_SHOWN:]:
            width = widths[column]
            if not width:
                continue
            if column == COLUMN_INDEX["schedule"]:
                width = min(width, max(room - used - CELL_PADDING, SCHEDULE_LEAST))
            if used + width + CELL_PADDING <= room:
                shown[column] = width
                used += width + CELL_PADDING
    return sorted(shown.items())


class ChecksTable(ScrollView, can_focus=True):
    """Keyed rows of checks under a fixed header line, one row under the cursor."""

    DEFAULT_CSS = """
    ChecksTable {
        height: 1fr;
        background: $surface;
        color: $foreground;
        & > .checks-table--header {
            text-style: bold;
            color: $text-muted;
            background: $panel;
        }
        & > .checks-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus {
            background-tint: $foreground 5%;
        }
        &:focus > .checks-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .checks-table--marked {
            background: $accent 25%;
            text-style: bold;
        }
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "checks-table--header",
        "checks-table--cursor",
        "checks-table--marked",
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Details", id="checks.open"),
        *CURSOR_BINDINGS,
    ]

    class RowSelected(Message, namespace="data_table"):
        """Enter, or a click on the row under the cursor. It carries a `row_key` and goes to
        `on_data_table_row_selected`, like a DataTable's, so either kind of table opens the
        same way."""

        def __init__(self, table: ChecksTable, cursor_row: int, check_id: int) -> None:
            super().__init__()
            self.table = table
            self.cursor_row = cursor_row
            self.check_id = check_id
            self.row_key = RowKey(str(check_id))

        @property
        def control(self) -> ChecksTable:
            return self.table

    class HeaderClicked(Message):
        """A click on a column's header, to sort by it."""

        def __init__(self, column: int) -> None:
            super().__init__()
            self.column = column

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.matcher: Matcher = everything
        self.search_text = SearchText()
        self.order = DEFAULT_ORDER
        # Cells and sort keys of every check whose row is up to date, shown or filtered out:
        # clearing a filter shows them again without rebuilding them.
        self._cells: dict[int, Cells] = {}
        # Each row's cell widths, as counted in _width_counts: measured once per row.
        self._cell_widths: dict[int, tuple[int, ...]] = {}
        self._keys: dict[int, SortKey] = {}
        self._shown: set[int] = set()
        self._order: list[int] = []
        # How many cached cells of each width every column holds: its width is the widest.
        self._width_counts = [Counter[int]() for _ in COLUMNS]
        self._widths = list(LEAST_WIDTHS)
        # The columns on screen and their widths: those that fit the widget's width.
        self._layout = list(enumerate(LEAST_WIDTHS))
        self._cursor = 0
        self._pass_style: Style | None = None
        # The checks marked for an action on many at once, shown or filtered out.
        self.marked: set[int] = set()

    # -- what the screen and the tests ask -----------------------------------------------

    @property
    def shown_ids(self) -> set[int]:
        return set(self._shown)

    @property
    def row_count(self) -> int:
        return len(self._order)

    @property
    def cursor_row(self) -> int:
        return self._cursor

    def selected_id(self) -> int | None:
        return self._order[self._cursor] if self._order else None

    def get_cell(self, row_key: str, column: str) -> Text | str:
        """The cell of a shown row (`row_key` is the check id) in the column with that key."""
        check_id = int(row_key)
        if check_id not in self._shown:
            raise KeyError(f"check {check_id} has no row in the table")
        return self._cells[check_id][COLUMN_INDEX[column]]

    # -- keeping up with the fleet -------------------------------------------------------

    def sync(
        self,
        fleet: Fleet,
        changed: Iterable[int],
        removed: Iterable[int],
        now: float,
        colours: Colours,
    ) -> None:
        """Apply what changed in the fleet: add, remove or update only those rows."""
        show: list[int] = []
        hide: list[int] = []
        for check_id in removed:
            self._forget(check_id)
            self.marked.discard(check_id)
            hide.append(check_id)
        for check_id in changed:
            check = fleet.checks.get(check_id)
            if check is not None and self.matcher(
                check, fleet.state_of(check_id), fleet.reach_of(check_id)
            ):
                self._store(check_id, row_cells(fleet, check_id, now, colours), fleet)
                show.append(check_id)
            else:
                # A filtered-out row that changed is rebuilt if it is shown again.
                self._forget(check_id)
                hide.append(check_id)
        self._place(show, hide)

    def refresh_visible(self, fleet: Fleet, now: float, colours: Colours) -> None:
        """Recompute the rows on screen, for the relative times ("3m ago") that age."""
        first = round(self.scroll_y)
        touched = False
        for check_id in self._order[first : first + self._page_rows]:
            if check_id in fleet.checks:
                cells = row_cells(fleet, check_id, now, colours)
                if cells != self._cells[check_id]:
                    self._store(check_id, cells, fleet)
                    touched = True
        if touched:
            self._resize()
            self.refresh()

    def refilter(self, fleet: Fleet, now: float, colours: Colours) -> None:
        """Show the rows the matcher wants: only rows that appear or go are touched."""
        wanted = {
            i
            for i, c in fleet.checks.items()
            if self.matcher(c, fleet.state_of(i), fleet.reach_of(i))
        }
        for check_id in wanted - self._cells.keys():
            self._store(check_id, row_cells(fleet, check_id, now, colours), fleet)
        self._place(list(wanted - self._shown), list(self._shown - wanted))
        self.search_text.keep_only(fleet.checks.keys())

    def repaint(self, fleet: Fleet, now: float, colours: Colours) -> None:
        """Every shown row again, for a new set of colours."""
        shown = list(self._shown)
        for check_id in list(self._cells):
            self._forget(check_id)
        self.sync(fleet, shown, [], now, colours)

    def sort_by(self, order: SortOrder, fleet: Fleet) -> None:
        """Order the rows by `order`, the cursor staying on its check. Only the column's
        values are read again: the tie keys stand until their rows change."""
        self.order = order
        by = SORTED_BY[COLUMNS[order.column][0]]
        keys = self._keys
        for check_id, (_, tie) in keys.items():
            keys[check_id] = (by(fleet, check_id), tie)
        selected = self.selected_id()
        self._sort()
        if selected is not None:
            self.select(selected)
        self.refresh()

    def _sort(self) -> None:
        # Timsort is close to linear on a list that is sorted but for a few rows.
        self._order.sort(key=self._keys.__getitem__, reverse=self.order.descending)

    def _store(self, check_id: int, cells: Cells, fleet: Fleet) -> None:
        widths = tuple(map(cell_width, cells))
        self._count_widths(self._cell_widths.get(check_id), -1)
        self._count_widths(widths, +1)
        self._cells[check_id] = cells
        self._cell_widths[check_id] = widths
        self._keys[check_id] = sort_key(fleet, check_id, self.order)
        # Its search text too, while the row is made: the first letter typed into the filter
        # then reads the fleet's texts rather than making them all, twice as fast.
        self.search_text.of(
            fleet.checks[check_id], fleet.state_of(check_id), fleet.reach_of(check_id)
        )

    def _forget(self, check_id: int) -> None:
        self._count_widths(self._cell_widths.pop(check_id, None), -1)
        self._cells.pop(check_id, None)
        self._keys.pop(check_id, None)

    def _count_widths(self, widths: tuple[int, ...] | None, step: int) -> None:
        if widths is None:
            return
        for counts, width in zip(self._width_counts, widths, strict=True):
            counts[width] += step
            if not counts[width]:
                del counts[width]

    def _place(self, show: list[int], hide: list[int]) -> None:
        """Put rows in and out of the shown order, keep it worst first, and keep the cursor on
        the check it was on."""
        if not show and not hide:
            return
        selected = self.selected_id()
        gone = self._shown.intersection(hide)
        new = [i for i in show if i not in self._shown]
        if gone:
            self._shown -= gone
            self._order = [i for i in self._order if i not in gone]
        self._shown.update(new)
        self._order += new
        self._sort()
        if selected in self._shown:
            self._cursor = self._order.index(selected)
        else:
            self._cursor = min(self._cursor, max(0, len(self._order) - 1))
        self._resize()
        self.refresh()

    def _resize(self) -> None:
        self._widths = [
            column_width(column, max(counts, default=0))
            for column, counts in enumerate(self._width_counts)
        ]
        self._layout = fit_columns(self._widths, self._room())
        size = Size(self._line_width, len(self._order) + 1)
        if size != self.virtual_size:
            self.virtual_size = size

    def _room(self) -> int:
        """Cells a line may take without the table scrolling sideways; before the first
        layout, no limit. The vertical scrollbar's share is kept free even while the rows fit,
        so that filtering them never changes which columns show."""
        if not self.size.width:
            return sum(self._widths) + CELL_PADDING * len(COLUMNS)
        return self.size.width - self.styles.scrollbar_size_vertical

    @property
    def _line_width(self) -> int:
        return sum(width for _, width in self._layout) + CELL_PADDING * len(self._layout)

    def on_resize(self) -> None:
        self._resize()
        self.refresh()

    # -- drawing -------------------------------------------------------------------------

    @property
    def _page_rows(self) -> int:
        """Rows that fit under the header."""
        return max(1, self.scrollable_content_region.height - 1)

    def render_lines(self, crop: Region) -> list[Strip]:
        # The widget's own style is worked out from every ancestor's: once a pass, not once
        # a line.
        self._pass_style = self.rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._pass_style = None

    def render_line(self, y: int) -> Strip:
        base = self.rich_style if self._pass_style is None else self._pass_style
        if y == 0:
            labels = tuple(self.order.header(label, n) for n, (_, label) in enumerate(COLUMNS))
            line = self._line(labels, base, self.get_component_rich_style("checks-table--header"))
        else:
            index = round(self.scroll_y) + y - 1
            if index >= len(self._order):
                return Strip.blank(self.size.width, base)
            check_id = self._order[index]
            marked = check_id in self.marked
            if index == self._cursor:
                over: Style | None = self.get_component_rich_style("checks-table--cursor")
            else:
                over = self.get_component_rich_style("checks-table--marked") if marked else None
            line = self._line(self._cells[check_id], base, over, ROW_MARK if marked else " ")
        x = round(self.scroll_x)
        return line.crop_extend(x, x + self.size.width, base)

    def _line(self, cells: Cells, base: Style, over: Style | None, lead: str = " ") -> Strip:
        """One segment run per column shown, as wide as the column plus a blank either side;
        `lead` takes the place of the first blank."""
        segments: list[Segment] = []
        for column, width in self._layout:
            cell = cells[column]
            if isinstance(cell, Text):
                pad = " " * (width - cell.cell_len + 1)
                segments += [Segment(lead), *self._segments(cell), Segment(pad)]
            else:
                text_width = cell_len(cell)
                if text_width > width:  # the name and schedule may be given less
                    cell, text_width = shortened(cell, width), width
                segments.append(Segment(f"{lead}{cell}{' ' * (width - text_width + 1)}"))
            lead = " "
        return Strip(Segment.apply_style(segments, base, over), self._line_width)

    def _segments(self, text: Text) -> Iterable[Segment]:
        """A Text's segments with its own base style, which Text.render leaves out."""
        console = self.app.console
        return Segment.apply_style(text.render(console), console.get_style(text.style))

    # -- moving about --------------------------------------------------------------------

    def toggle_mark(self) -> None:
        """Mark the row under the cursor, or unmark it, and move down to the next."""
        if (check_id := self.selected_id()) is not None:
            self.marked ^= {check_id}
            self.move_cursor(self._cursor + 1)

    def mark_shown(self) -> None:
        """Mark every row the filter shows; if each is marked already, unmark them."""
        self.marked = (
            self.marked - self._shown if self._shown <= self.marked else self.marked | self._shown
        )
        self.refresh()

    def select(self, check_id: int) -> None:
        """Put the cursor on the row of `check_id`, if it is shown."""
        if check_id in self._shown:
            self.move_cursor(self._order.index(check_id))

    def move_cursor(self, row: int) -> None:
        """Put the cursor on `row` (clamped) and scroll just enough to show it."""
        if not self._order:
            return
        left, self._cursor = self._cursor, max(0, min(row, len(self._order) - 1))
        top = round(self.scroll_y)
        if self._cursor < top:
            self.scroll_to(y=self._cursor, animate=False)
        elif self._cursor >= top + self._page_rows:
            self.scroll_to(y=self._cursor - self._page_rows + 1, animate=False)
        else:
            # Only the row left and the row entered change: under the header, a row's line
            # is its index plus one.
            self.refresh_line(left + 1)
            self.refresh_line(self._cursor + 1)
            return
        self.refresh()

    def action_cursor_down(self) -> None:
        self.move_cursor(self._cursor + 1)

    def action_cursor_up(self) -> None:
        self.move_cursor(self._cursor - 1)

    def action_page_down(self) -> None:
        self.move_cursor(self._cursor + self._page_rows)

    def action_page_up(self) -> None:
        self.move_cursor(self._cursor - self._page_rows)

    def action_scroll_top(self) -> None:
        self.move_cursor(0)

    def action_scroll_bottom(self) -> None:
        self.move_cursor(len(self._order) - 1)

    def action_select_cursor(self) -> None:
        if (check_id := self.selected_id()) is not None:
            self.post_message(self.RowSelected(self, self._cursor, check_id))

    def on_click(self, event: events.Click) -> None:
        """A click moves the cursor to its row; a click on the cursor's row opens it."""
        offset = event.get_content_offset(self)
        if offset is None:
            return
        if offset.y == 0:
            if (column := self._column_at(offset.x + round(self.scroll_x))) is not None:
                self.post_message(self.HeaderClicked(column))
            return
        row = round(self.scroll_y) + offset.y - 1
        if row >= len(self._order):
            return
        if row == self._cursor:
            self.action_select_cursor()
        else:
            self.move_cursor(row)

    def _column_at(self, x: int) -> int | None:
        """The column drawn at `x` cells from the line's start."""
        for column, width in self._layout:
            x -= width + CELL_PADDING
            if x < 0:
                return column
        return None
