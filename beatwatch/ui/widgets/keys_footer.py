"""The footer of every screen: its keys, compact.

Textual docks the command palette's key over the right end of the footer, so in a terminal
too narrow for every key it hides the last ones: help and quit, the app's own, come after the
screen's. There it is left out (the help screen names it), and the keys show instead.
"""

from __future__ import annotations

from collections.abc import Hashable

from textual import events
from textual.app import ComposeResult
from textual.screen import Screen
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
        self._composed_for: Hashable = None

    def compose(self) -> ComposeResult:
        if self._bindings_ready:
            self._composed_for = self._keys_shown()
        return super().compose()

    def bindings_changed(self, screen: Screen) -> None:
        # Focus moving into the filter box and out again changes the screen's bindings but
        # seldom the keys shown; building the footer anew costs a key press 50-100 ms.
        if (
            self._bindings_ready
            and screen is self.screen
            and self._keys_shown() == self._composed_for
        ):
            return
        super().bindings_changed(screen)

    def _keys_shown(self) -> Hashable:
        """What compose draws: each shown binding, whether it is enabled, and its tooltip."""
        palette = self.app.COMMAND_PALETTE_BINDING
        return tuple(
            (key, binding.action, binding.description, enabled, tooltip)
            for key, (_, binding, enabled, tooltip) in self.screen.active_bindings.items()
            if binding.show or key == palette
        )

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width < PALETTE_KEY_WIDTH, "-narrow")
