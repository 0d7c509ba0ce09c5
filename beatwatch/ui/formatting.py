"""How the UI fits text into a cell: shared by every screen, so that a cut name reads the same
wherever it is shown. Moments are written by core.timefmt, as everywhere else."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import TypeVar

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual.content import Content

from beatwatch.core.terminal_text import terminal_text

Form = TypeVar("Form", str, Text)

# Between the parts of a line of facts, as in "✖ MISSED since 2h ago · not acknowledged".
SEPARATOR = " · "


def is_local(zone: tzinfo, moments: Sequence[float]) -> bool:
    """Whether `zone` reads as local time at every one of `moments`."""
    return all(
        datetime.fromtimestamp(t, zone).utcoffset()
        == datetime.fromtimestamp(t).astimezone().utcoffset()
        for t in moments
    )


def shortened(text: str, width: int) -> str:
    """`text` on one line in at most `width` cells, its end replaced by … when cut; its
    control characters shown by stand-ins (see terminal_text)."""
    text = terminal_text(text)
    return text if cell_len(text) <= width else set_cell_size(text, width - 1) + "…"


def one_line(text: str, width: int) -> str:
    """`text` on one line (its runs of whitespace made single spaces), cut to `width`."""
    return shortened(" ".join(text.split()), width)


def hanging(text: str, indent: int, width: int) -> str:
    """`text` wrapped to the `width` cells of a line less an `indent`, its later lines indented
    to start under its first. It breaks at a " · " sooner than inside the part after one, and
    the line break then stands for the "·"."""
    room = max(1, width - indent)
    lines: list[str] = []
    for part in terminal_text(text).split(SEPARATOR):
        if lines and cell_len(lines[-1] + SEPARATOR + part) <= room:
            lines[-1] += SEPARATOR + part
        else:
            lines.extend(str(line) for line in Content(part).wrap(room))
    return ("\n" + " " * indent).join(lines)


def safe_text(text: Text) -> Text:
    """`text` with its control characters shown by stand-ins, its lines and styles kept: for
    a Text built from names, hosts or job output."""
    plain = text.plain
    if terminal_text(plain, multiline=True) == plain:
        return text
    cuts = sorted({edge for span in text.spans for edge in (span.start, span.end)})
    safe = Text(style=text.style, justify=text.justify, no_wrap=text.no_wrap, end=text.end)
    for piece in text.divide(cuts):
        # Cut at every span's edges, each span covers its piece whole.
        shown = Text(terminal_text(piece.plain, multiline=True))
        for span in piece.spans:
            shown.stylize(span.style)
        safe.append_text(shown)
    return safe


def first_fitting(forms: Sequence[Form], width: int) -> Form:
    """The first of `forms`, fullest first, whose every line fits in `width` cells; the last,
    the shortest, when none does."""
    return next(
        (form for form in forms if all(cell_len(line) <= width for line in str(form).split("\n"))),
        forms[-1],
    )
