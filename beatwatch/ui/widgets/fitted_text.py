"""Text laid out for the width it is shown in, and laid out again when that width changes: for
lines that must wrap their own way (under a column) or lose a part rather than wrap."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.widgets import Static

from beatwatch.ui.formatting import safe_text

Layout = Callable[[int], Text]


class FittedText(Static):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._layout: Layout | None = None
        self._text: Text | None = None

    def show(self, layout: Layout) -> None:
        """Show what `layout` makes of the width there is, now and after every resize."""
        self._layout = layout
        self._redraw()

    def on_resize(self) -> None:
        self._redraw()

    def _redraw(self) -> None:
        width = self.content_size.width
        if self._layout is None or not width:
            return  # not laid out yet: the resize that follows draws it
        text = safe_text(self._layout(width))
        # Screens show their text again on every tick: only a changed one is laid out again.
        if text != self._text:
            self._text = text
            self.update(text)
