"""The line over the checks table: how many checks are in each state, worst first, and how
many there are in all, on one line that fits its width.

When the whole line does not fit (a tmux split), the calm states give way first: they lose
their words, then the least telling of them go; only then do the states that need action lose
theirs, keeping symbol and number. Those and the total always show, and no word is cut (below
about 35 columns, where even that does not fit, the line ends in "…").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import Static

from beatwatch.core.model import State
from beatwatch.core.presentation import STATE_RANK, STATE_SYMBOL, STATE_WORD, counted
from beatwatch.ui.widgets.checks_table import Colours

Counts = Mapping[State, int]
Part = tuple[State, str]
Form = Callable[[State, int], str]

# The states someone has to look at: always on the line.
NEEDS_ACTION = frozenset({State.MISSED, State.FAILING, State.STUCK, State.RUNNING_LONG, State.LATE})
# The calm states, the one kept longest first: a paused check is not watched at all and a new
# one has never been heard from; how many are up is what the total leaves over.
CALM_KEPT = (State.PAUSED, State.NEW, State.RUNNING, State.UP)
SEPARATOR = "  "


def full(state: State, count: int) -> str:
    return f"{STATE_SYMBOL[state]} {count} {STATE_WORD[state]}"


def short(state: State, count: int) -> str:
    return f"{STATE_SYMBOL[state]} {count}"


# From the fullest line to the shortest: how the states that need action read, and how the
# calm ones do. The first that fits is used; the last is used whatever the width.
SHAPES: tuple[tuple[Form, Form], ...] = ((full, full), (full, short), (short, short))


def fit_summary(counts: Counts, room: int) -> tuple[list[Part], str]:
    """The parts of the line in `room` cells, worst state first, and the total after them."""
    total = counted(sum(counts.values()), "check")
    urgent = [state for state in counts if state in NEEDS_ACTION]
    calm = [state for state in CALM_KEPT if state in counts]
    parts: dict[State, str] = {}
    for urgent_form, calm_form in SHAPES:
        parts = {state: urgent_form(state, counts[state]) for state in urgent}
        used = cell_len(total) + sum(cell_len(p) + len(SEPARATOR) for p in parts.values())
        if used > room and urgent_form is not short:
            continue
        for state in calm:
            part = calm_form(state, counts[state])
            if used + cell_len(part) + len(SEPARATOR) <= room:
                parts[state] = part
                used += cell_len(part) + len(SEPARATOR)
        # Calm words show only if every calm state shows with them.
        if calm_form is short or len(parts) == len(counts):
            break
    return sorted(parts.items(), key=lambda part: STATE_RANK[part[0]]), total


class SummaryLine(Static):
    """The counts of the checks in each state, fitted again when its width or they change."""

    DEFAULT_CSS = """
    SummaryLine {
        height: 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def __init__(self, empty: Text, *, id: str | None = None) -> None:
        """`empty` is what the line says while there are no checks."""
        super().__init__(id=id)
        self._empty = empty
        self._counts: Counts = {}
        self._colours: Colours = {}
        self._text: Text | None = None

    def show(self, counts: Counts, colours: Colours) -> None:
        self._counts = counts
        self._colours = colours
        self._redraw()

    def on_resize(self) -> None:
        self._redraw()

    def _redraw(self) -> None:
        room = self.content_size.width
        if not room:
            return  # not laid out yet: the resize that follows draws it
        text = self._line(room) if self._counts else self._empty
        # Counts change often in a large fleet: an unchanged line is not set again, and a new
        # one is only repainted, never laid out, as its size does not depend on its text.
        if text != self._text:
            self._text = text
            self.update(text, layout=False)

    def _line(self, room: int) -> Text:
        parts, total = fit_summary(self._counts, room)
        line = Text()
        for state, part in parts:
            line.append(part, self._colours[state] + (" bold" if state.is_bad else ""))
            line.append(SEPARATOR)
        line.append(total, "dim")
        return line
