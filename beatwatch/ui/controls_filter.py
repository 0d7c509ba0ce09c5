"""The TUI's last guard before the terminal: whatever a widget draws (a name in an input, a
label, a tooltip, a notification), no control character reaches the terminal raw.

Screens show stand-ins for the control characters in what they show (terminal_text); this
filter catches any that a widget of Textual's own drew as given. It runs after layout, where
each of those characters took no cell, so it drops them rather than widening the line."""

from __future__ import annotations

from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

from beatwatch.core.terminal_text import has_controls, without_controls


class ControlsDropped(LineFilter):
    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        # Every line drawn comes here: one search for the whole line, and only a line that
        # holds a control character is rebuilt.
        if not has_controls("".join([segment.text for segment in segments])):
            return segments
        # A control segment holds the renderer's own sequences, not text.
        return [
            segment
            if segment.control
            else Segment(without_controls(segment.text), segment.style, segment.control)
            for segment in segments
        ]
