"""Run durations as bars measured from zero, one column a run, newest on the right.

Bars start at zero rather than at the shortest run, so that runs of 36 and 45 minutes look
alike and one run that took twice as long stands out twice as tall. A run of 0 s still
leaves a tick, so that every run shows. A scale on the left says what the top and the bottom
stand for, and a time axis under the bars when the first and the last run shown began.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from beatwatch.core.presentation import counted
from beatwatch.core.timefmt import format_duration, written
from beatwatch.ui.formatting import SEPARATOR, first_fitting

# Eighths of a row, empty to full.
BARS = " ▁▂▃▄▅▆▇█"
ROWS = 3
# Characters per run at most: a bar of two and a gap.
MAX_COLUMN = 3
# How the time axis writes a run's start.
AXIS_FORM = "%d %b %H:%M"
Run = tuple[float, float]  # when it started, and how long it took (seconds)


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


def scale(longest: float, rows: int = ROWS) -> list[str]:
    """The labels left of the bars, top first: the longest run at the top, zero at the bottom,
    each ending in a tick."""
    top = format_duration(longest)
    width = cell_len(top)
    return [
        f"{top if row == 0 else '0' if row == rows - 1 else '':>{width}} "
        + ("┤" if row in (0, rows - 1) else "│")
        for row in range(rows)
    ]


def time_axis(first: float, last: float, indent: int, bars: int, width: int) -> str:
    """When the first and the last run shown began: under the first and the last bar when
    the `bars` cells have room for both, else as "first → last" in the `width` of the
    widget, else the last alone."""
    start, end = written(first, AXIS_FORM), written(last, AXIS_FORM)
    if first == last:
        forms = [end]
    else:
        gap = bars - cell_len(start) - cell_len(end)
        spread = [start + " " * gap + end] if gap >= 3 else []
        forms = [*spread, f"{start} → {end}", f"→ {end}"]
    return " " * indent + first_fitting(forms, width - indent)


class DurationChart(Widget):
    DEFAULT_CSS = """
    DurationChart {
        height: 5;
        color: $primary;
    }
    """

    runs: reactive[tuple[Run, ...]] = reactive(())

    def render(self) -> Text:
        if not self.runs:
            return Text()
        durations = [duration for _, duration in self.runs]
        labels = scale(max(durations))
        indent = cell_len(labels[0])
        # The newest runs that fit beside the scale, never wrapped; few runs get wider bars.
        width = max(1, self.size.width)
        room = max(1, width - indent)
        shown = self.runs[-room:]
        column = min(MAX_COLUMN, room // len(shown))
        bars = bar_rows([duration for _, duration in shown], column=column)
        chart = Text()
        for label, bar in zip(labels, bars, strict=True):
            chart.append(label, style="dim")
            chart.append(bar + "\n")
        chart.append(time_axis(shown[0][0], shown[-1][0], indent, len(bars[0]), width), "dim")
        chart.append("\n" + caption([d for _, d in shown], width), style="dim")
        return chart
