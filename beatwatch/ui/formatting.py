"""How the UI writes a moment and fits text into a cell: shared by every screen, so a time or
a cut name reads the same wherever it is shown."""

from __future__ import annotations

from datetime import datetime

from rich.cells import cell_len, set_cell_size

from beatwatch.engine.timefmt import format_relative


def local_time(t: float) -> str:
    return f"{datetime.fromtimestamp(t).astimezone():%a %d %b %H:%M:%S}"


def short_time(t: float) -> str:
    """To the minute, for times set by hand (a pause's or a maintenance window's end)."""
    return f"{datetime.fromtimestamp(t).astimezone():%a %d %b %H:%M}"


def when(t: float, now: float) -> str:
    """The local time and how long ago (or how soon) that is: "Tue 04 Jun 03:12:09 (5m ago)"."""
    return f"{local_time(t)} ({format_relative(t, now)})"


def shortened(text: str, width: int) -> str:
    """`text` in at most `width` cells, its end replaced by … when cut."""
    return text if cell_len(text) <= width else set_cell_size(text, width - 1) + "…"


def one_line(text: str, width: int) -> str:
    """`text` on one line (its runs of whitespace made single spaces), cut to `width`."""
    return shortened(" ".join(text.split()), width)
