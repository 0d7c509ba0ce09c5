"""The TUI's last guard: a control character a widget still draws is dropped after layout,
where it took no cell, so the line keeps its width."""

from __future__ import annotations

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.color import Color

from beatwatch.ui.controls_filter import ControlsDropped


def test_controls_are_dropped_and_the_width_kept() -> None:
    drawn = [Segment("name\x1b]52;c;aGVsbG8=\x07 \x9b2J", Style(bold=True)), Segment("\u202eok")]
    kept = ControlsDropped().apply(drawn, Color(0, 0, 0))
    assert [s.text for s in kept] == ["name]52;c;aGVsbG8= 2J", "ok"]
    assert [s.style for s in kept] == [s.style for s in drawn]
    assert sum(cell_len(s.text) for s in kept) == sum(cell_len(s.text) for s in drawn)
