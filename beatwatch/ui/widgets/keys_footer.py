"""The footer of every screen: its keys, compact.

Textual docks the command palette's key over the right end of the footer, so in a terminal
too narrow for every key it hides the last ones: help and quit, the app's own, come after the
screen's. There it is left out (the help screen names it), and the keys show instead.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Footer

# A width at which every screen's keys fit beside the palette's (the tests make sure).
PALETTE_KEY_WIDTH = 120


class KeysFooter(Footer):
    # A class and a rule, not a recompose: a resize stays as quick as it was.
    DEFAULT_CSS = """
    KeysFooter.-narrow FooterKey.-command-palette {
        display: none;
    }
    """

    def __init__(self) -> None:
        super().__init__(compact=True)

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width < PALETTE_KEY_WIDTH, "-narrow")
