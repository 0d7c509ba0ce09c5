"""The live checks table: one keyed row per check, updated cell by cell.

Rows are never cleared and rebuilt: a change adds, removes or updates only the rows and cells
it touches, so the cursor and the scroll position stay where the user left them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from beatwatch.engine.model import Check, PingKind, State
from beatwatch.engine.rules import Evaluation
from beatwatch.engine.schedule import describe
from beatwatch.presentation import STATE_RANK, STATE_WORD, state_label
from beatwatch.ui.fleet import Fleet, Result

Cells = tuple[Text | str, ...]
Colours = dict[State, str]
Matcher = Callable[[Check, State], bool]

COLUMNS = (
    ("state", "State"),
    ("name", "Name"),
    ("host", "Host"),
    ("schedule", "Schedule"),
    ("last_ping", "Pinged"),
    ("next_due", "Next due"),
    ("last_run", "Run"),
    ("recent", "Recent"),
)
_RANK_OF_LABEL = {state_label(state): rank for state, rank in STATE_RANK.items()}
SUCCESS_MARK = "▮"
FAIL_MARK = "✗"


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
    """The schedule in words, the zone shortened to its city ("03:00 daily, Berlin")."""
    text = describe(check.schedule)
    if check.schedule.tz and "/" in check.schedule.tz:
        text = text.replace(check.schedule.tz, check.schedule.tz.rsplit("/", 1)[1])
    return text


def due_time(check: Check, evaluation: Evaluation) -> float | None:
    """When the next run is (or was) due, read from the evaluation; None while running or paused."""
    match evaluation.state:
        case State.UP | State.NEW:
            return evaluation.next_change_at
        case State.LATE:
            return evaluation.since
        case State.MISSED:
            return evaluation.since - check.grace_seconds
        case State.FAILING if evaluation.next_change_at is not None:
            return evaluation.next_change_at - check.grace_seconds
    return None


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
    due = due_time(check, evaluation)
    if due is None:
        return "—"
    return f"overdue {duration(now - due)}" if due <= now else f"in {duration(due - now)}"


def state_text(state: State, colours: Colours) -> Text:
    style = colours[state] + (" bold" if state.is_bad else "")
    return Text(state_label(state), style=style)


def results_strip(results: Iterable[Result], colours: Colours) -> Text:
    strip = Text()
    for result in results:
        if result.kind is PingKind.FAIL:
            strip.append(FAIL_MARK, style=colours[State.FAILING])
        else:
            strip.append(SUCCESS_MARK, style=colours[State.UP])
    return strip


def row_cells(fleet: Fleet, check_id: int, now: float, colours: Colours) -> Cells:
    check = fleet.checks[check_id]
    evaluation = fleet.evaluations[check_id]
    return (
        state_text(evaluation.state, colours),
        check.name,
        check.host or "",
        schedule_text(check),
        ago(check.last_ping_at, now),
        next_due_text(check, evaluation, now),
        coarse(check.last_duration) if check.last_duration is not None else "",
        results_strip(fleet.results.get(check_id, ()), colours),
    )


def matches_query(query: str) -> Matcher:
    """A filter from what the user typed: every word must appear in the name, slug, host, a
    tag or the state."""
    words = query.lower().split()

    def matches(check: Check, state: State) -> bool:
        haystack = " ".join(
            [check.name, check.slug, check.host or "", *check.tags, state.value, STATE_WORD[state]]
        ).lower()
        return all(word in haystack for word in words)

    return matches


def everything(check: Check, state: State) -> bool:
    return True


class ChecksTable(DataTable[Text | str]):
    DEFAULT_CSS = """
    ChecksTable {
        height: 1fr;
        background: $surface;
    }
    ChecksTable > .datatable--header {
        text-style: bold;
        color: $text-muted;
        background: $panel;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Details", id="checks.open"),
        Binding("j", "cursor_down", "Down", show=False, id="table.down"),
        Binding("k", "cursor_up", "Up", show=False, id="table.up"),
        Binding("g", "scroll_top", "Top", show=False, id="table.top"),
        Binding("G", "scroll_bottom", "Bottom", show=False, id="table.bottom"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False)
        self._cells: dict[int, Cells] = {}
        self.matcher: Matcher = everything

    def on_mount(self) -> None:
        for key, label in COLUMNS:
            self.add_column(label, key=key)

    @property
    def shown_ids(self) -> set[int]:
        return set(self._cells)

    def selected_id(self) -> int | None:
        if not self.row_count:
            return None
        row_key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        return int(row_key.value) if row_key.value is not None else None

    def sync(
        self,
        fleet: Fleet,
        changed: Iterable[int],
        removed: Iterable[int],
        now: float,
        colours: Colours,
    ) -> None:
        """Apply what changed in the fleet: add, remove or update only those rows."""
        reorder = False
        first_fill = not self._cells
        for check_id in removed:
            if self._cells.pop(check_id, None) is not None:
                self.remove_row(str(check_id))
        for check_id in changed:
            check = fleet.checks.get(check_id)
            wanted = check is not None and self.matcher(check, fleet.state_of(check_id))
            shown = check_id in self._cells
            if not wanted:
                if shown:
                    del self._cells[check_id]
                    self.remove_row(str(check_id))
                continue
            cells = row_cells(fleet, check_id, now, colours)
            if shown:
                old = self._cells[check_id]
                reorder |= old[0] != cells[0] or old[1] != cells[1]
                self._update_row(check_id, old, cells)
            else:
                self.add_row(*cells, key=str(check_id))
                reorder = True
            self._cells[check_id] = cells
        if reorder:
            self._sort_keeping_cursor()
        if first_fill and self._cells:
            self.move_cursor(row=0, column=0)

    def refresh_visible(self, fleet: Fleet, now: float, colours: Colours) -> None:
        """Recompute the rows on screen, for the relative times ("3m ago") that age."""
        first = int(self.scroll_y)
        rows = self.ordered_rows[first : first + self.size.height]
        for row in rows:
            check_id = int(str(row.key.value))
            if check_id in fleet.checks:
                cells = row_cells(fleet, check_id, now, colours)
                self._update_row(check_id, self._cells[check_id], cells)
                self._cells[check_id] = cells

    def refilter(self, fleet: Fleet, now: float, colours: Colours) -> None:
        """Show the rows the matcher wants: only rows that appear or go are touched."""
        wanted = {i for i, c in fleet.checks.items() if self.matcher(c, fleet.state_of(i))}
        shown = set(self._cells)
        self.sync(fleet, wanted - shown, shown - wanted, now, colours)

    def repaint(self, fleet: Fleet, now: float, colours: Colours) -> None:
        """Every shown row again, for a new set of colours."""
        self._cells = {i: (Text(""),) * len(COLUMNS) for i in self._cells}
        self.sync(fleet, list(self._cells), [], now, colours)

    def _update_row(self, check_id: int, old: Cells, new: Cells) -> None:
        for (column, _), before, after in zip(COLUMNS, old, new, strict=True):
            if before != after:
                self.update_cell(str(check_id), column, after, update_width=True)

    def _sort_keeping_cursor(self) -> None:
        selected = self.selected_id()
        self.sort("state", "name", key=_worst_first)
        if selected is not None and selected in self._cells:
            self.move_cursor(row=self.get_row_index(str(selected)), scroll=False)


def _worst_first(values: tuple[Text, str]) -> tuple[int, str]:
    state, name = values
    return (_RANK_OF_LABEL.get(state.plain, len(_RANK_OF_LABEL)), str(name).lower())
