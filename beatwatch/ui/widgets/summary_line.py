"""The line over the checks table: how many checks are in each state, worst first, how many
would reach nobody or are held or acknowledged, and how many there are in all, on one line
that fits its width.

When the whole line does not fit (a tmux split), the calm states give way first: they lose
their words, then the least telling of them go; only then do the states that need action lose
theirs, keeping symbol and number. Those, the count of checks whose alert would reach nobody,
and the total always show, and no word is cut (below
about 35 columns, where even that does not fit, the line ends in "…").

A click on a count says which it was (CountClicked), so that the screen can show just those
checks; a click on the total carries None.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.message import Message
from textual.widgets import Static

from beatwatch.core.model import State
from beatwatch.core.presentation import (
    REACH_COUNTED,
    REACH_SYMBOL,
    STATE_RANK,
    STATE_SYMBOL,
    STATE_WORD,
    counted,
)
from beatwatch.core.reach import Reach
from beatwatch.ui.widgets.checks_table import Colours, reach_colour

# A count on the line is of the checks in a state, or of those carrying an alert flag.
Counted = State | Reach
Counts = Mapping[State, int]
Part = tuple[Counted, str]
Form = Callable[[Counted, int], str]

# What someone has to look at: always on the line.
NEEDS_ACTION: frozenset[Counted] = frozenset(
    {State.MISSED, State.FAILING, State.STUCK, State.RUNNING_LONG, State.LATE, Reach.NOBODY}
)
# The calm counts, the one kept longest first: a held or acknowledged alert is a bad check
# someone is handling; a paused check is not watched at all and a new one has never been
# heard from; how many are up is what the total leaves over.
CALM_KEPT: tuple[Counted, ...] = (
    Reach.HELD,
    Reach.ACKNOWLEDGED,
    State.PAUSED,
    State.NEW,
    State.RUNNING,
    State.UP,
)
# The order on the line: the bad states, then the alert flags, then the calm states.
LINE_ORDER: dict[Counted, float] = {
    **STATE_RANK,
    Reach.NOBODY: STATE_RANK[State.LATE] + 0.1,
    Reach.HELD: STATE_RANK[State.LATE] + 0.2,
    Reach.ACKNOWLEDGED: STATE_RANK[State.LATE] + 0.3,
}
SEPARATOR = "  "


def symbol(key: Counted) -> str:
    return STATE_SYMBOL[key] if isinstance(key, State) else REACH_SYMBOL[key]


def full(key: Counted, count: int) -> str:
    word = STATE_WORD[key] if isinstance(key, State) else REACH_COUNTED[key]
    return f"{symbol(key)} {count} {word}"


def short(key: Counted, count: int) -> str:
    return f"{symbol(key)} {count}"


# From the fullest line to the shortest: how the states that need action read, how the count
# of alerts reaching nobody does (None: left to the banner over the table, which says it in
# words), and how the calm ones do. The first that fits is used; the last whatever the width.
SHAPES: tuple[tuple[Form, Form | None, Form], ...] = (
    (full, full, full),
    (full, full, short),
    (full, short, short),
    (full, None, short),
    (short, short, short),
)


def fit_summary(
    counts: Counts, room: int, reach_counts: Mapping[Reach, int] | None = None
) -> tuple[list[Part], str]:
    """The parts of the line in `room` cells, worst first, and the total after them."""
    total = counted(sum(counts.values()), "check")
    every: dict[Counted, int] = {**counts, **(reach_counts or {})}
    urgent = [key for key in every if key in NEEDS_ACTION]
    calm = [key for key in CALM_KEPT if key in every]
    parts: dict[Counted, str] = {}
    for shape in SHAPES:
        urgent_form, nobody_form, calm_form = shape
        parts = {key: urgent_form(key, every[key]) for key in urgent if key is not Reach.NOBODY}
        if nobody_form is not None and Reach.NOBODY in urgent:
            parts[Reach.NOBODY] = nobody_form(Reach.NOBODY, every[Reach.NOBODY])
        used = cell_len(total) + sum(cell_len(p) + len(SEPARATOR) for p in parts.values())
        if used > room and shape is not SHAPES[-1]:
            continue
        for key in calm:
            part = calm_form(key, every[key])
            if used + cell_len(part) + len(SEPARATOR) <= room:
                parts[key] = part
                used += cell_len(part) + len(SEPARATOR)
        # Calm words show only if every calm count shows with them.
        if calm_form is short or len(parts) == len(every):
            break
    return sorted(parts.items(), key=lambda part: LINE_ORDER[part[0]]), total


class SummaryLine(Static):
    """The counts of the checks in each state, fitted again when its width or they change."""

    DEFAULT_CSS = """
    SummaryLine {
        height: 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    class CountClicked(Message):
        def __init__(self, counted: Counted | None) -> None:
            super().__init__()
            self.counted = counted

    def __init__(self, empty: Text, *, id: str | None = None) -> None:
        """`empty` is what the line says while there are no checks."""
        super().__init__(id=id)
        self._empty = empty
        self._counts: Counts = {}
        self._reach_counts: Mapping[Reach, int] = {}
        self._colours: Colours = {}
        self._text: Text | None = None
        # Where each count is on the line, as (first cell, past the last, what it counts).
        self._places: list[tuple[int, int, Counted | None]] = []

    def show(self, counts: Counts, reach_counts: Mapping[Reach, int], colours: Colours) -> None:
        self._counts = counts
        self._reach_counts = reach_counts
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
        parts, total = fit_summary(self._counts, room, self._reach_counts)
        line = Text()
        places: list[tuple[int, int, Counted | None]] = []
        for key, part in parts:
            places.append((line.cell_len, line.cell_len + cell_len(part), key))
            if isinstance(key, State):
                line.append(part, self._colours[key] + (" bold" if key.is_bad else ""))
            else:
                line.append(part, reach_colour(key, self._colours))
            line.append(SEPARATOR)
        places.append((line.cell_len, line.cell_len + cell_len(total), None))
        line.append(total, "dim")
        self._places = places
        return line

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or not self._counts:
            return
        for start, end, key in self._places:
            if start <= offset.x < end:
                self.post_message(self.CountClicked(key))
                return
