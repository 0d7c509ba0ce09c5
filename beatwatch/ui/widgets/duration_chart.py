"""Run durations as bars measured from zero, one column a run, newest on the right.

Bars start at zero rather than at the shortest run, so that runs of 36 and 45 minutes look
alike and one run that took twice as long stands out twice as tall. A run of 0 s still
leaves a tick, so that every run shows.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from beatwatch.core.presentation import counted
from beatwatch.core.timefmt import format_duration
from beatwatch.ui.formatting import SEPARATOR, first_fitting

# Eighths of a row, empty to full.
BARS = " ▁▂▃▄▅▆▇█"
ROWS = 3
# Characters per run at most: a bar of two and a gap.
MAX_COLUMN = 3


def bar_rows(durations: Sequence[float], rows: int = ROWS, column: int = 1) -> list[str]:
    """The chart's text lines, top first, scaled to the longest run. Each run takes `column`
    characters: its bar, and a gap after it when there is room for one."""
    longest = max(durations, default=0.0)
    eighths = [max(1, round(d / longest * rows * 8)) if longest > 0 else 1 for d in durations]
    bar, gap = (column - 1, " ") if column > 1 else (1, "")
    return [
        "".join(BARS[min(8, max(0, e - row * 8))] * bar + gap for e in eighths)
        for row in reversed(range(rows))
    ]


def caption(durations: Sequence[float], width: int) -> str:
    """The latest run, the longest and how many are shown, in `width` cells: when they do not
    fit, the count goes first, then the longest."""
    parts = (
        f"latest {format_duration(durations[-1])}",
        f"longest {format_duration(max(durations))}",
        f"{counted(len(durations), 'run')} shown",
    )
    return first_fitting([SEPARATOR.join(parts[:n]) for n in (3, 2, 1)], width)


class DurationChart(Widget):
    DEFAULT_CSS = """
    DurationChart {
        height: 4;
        color: $primary;
    }
    """

    durations: reactive[tuple[float, ...]] = reactive(())

    def render(self) -> Text:
        if not self.durations:
            return Text()
        # The newest runs that fit, never wrapped; few runs get wider bars.
        width = max(1, self.size.width)
        shown = self.durations[-width:]
        column = min(MAX_COLUMN, width // len(shown))
        chart = Text("\n".join(bar_rows(shown, column=column)))
        chart.append("\n" + caption(shown, width), style="dim")
        return chart
