"""The footer of every screen: its keys, compact.

Textual docks the command palette's key over the right end of the footer, so in a terminal
too narrow for every key it hides the last ones: help and quit, the app's own, come after the
screen's. There it is left out (the help screen names it), and the keys show instead.

Focus moving into the filter box and out again changes the keys shown. Building a set of keys
mounts a widget per key and lays the screen out again, 10-100 ms that the next key press waits
for, so each set is built once, kept hidden while another shows, and shown again when its keys
come back.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual import events
from textual.app import ComposeResult
from textual.compose import compose
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer

# A width at which every screen's keys fit beside the palette's (the tests make sure).
PALETTE_KEY_WIDTH = 120
# Sets of keys kept per footer: a screen has a few (its table, its filter box, a popup's).
KEPT_SETS = 6
PALETTE_CLASS = "-command-palette"


class KeysFooter(Footer):
    def __init__(self) -> None:
        super().__init__(compact=True)
        # Each set's widgets by what it shows, the most recently shown last.
        self._sets: dict[tuple[object, ...], list[Widget]] = {}
        self._shown: tuple[object, ...] | None = None

    def compose(self) -> ComposeResult:
        self._sets.clear()
        self._shown = None
        if not self._bindings_ready:
            return
        widgets = compose(self, super().compose())
        self._shown = self._keys_shown()
        self._sets[self._shown] = [w for w in widgets if not w.has_class(PALETTE_CLASS)]
        self._fit_palette_key(widgets, self.size.width)
        yield from widgets

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            self.call_after_refresh(self._show_current_keys)

    async def _show_current_keys(self) -> None:
        if not self.is_attached:
            return
        wanted = self._keys_shown()
        if wanted == self._shown:
            return
        if self._shown is None or wanted[-1] != self._shown[-1]:
            await self.recompose()
            return
        keys = self._sets.pop(wanted, None)
        if keys is None:
            built = compose(self, super().compose())
            keys = [w for w in built if not w.has_class(PALETTE_CLASS)]
            await self.mount_all(keys)
        for widget in self._sets[self._shown]:
            widget.display = False
        for widget in keys:
            widget.display = True
        self._sets[wanted] = keys
        self._shown = wanted
        while len(self._sets) > KEPT_SETS:
            oldest = next(iter(self._sets))
            await self.remove_children(self._sets.pop(oldest))

    def _keys_shown(self) -> tuple[object, ...]:
        """What compose draws: each shown binding, whether it is enabled, and its tooltip; last,
        the palette's key (docked apart, so a change to it builds the footer anew)."""
        palette = self.app.COMMAND_PALETTE_BINDING
        active = self.screen.active_bindings
        shown = [
            (key, binding.action, binding.description, enabled, tooltip)
            for key, (_, binding, enabled, tooltip) in active.items()
            if binding.show and key != palette
        ]
        palette_key = active.get(palette)
        return (*shown, palette_key and (palette_key.enabled, palette_key.tooltip))

    def on_resize(self, event: events.Resize) -> None:
        self._fit_palette_key(self.children, event.size.width)

    @staticmethod
    def _fit_palette_key(widgets: Iterable[Widget], width: int) -> None:
        """Show the palette's key only where every key has room beside it. Its own display,
        not a class on the footer: that would restyle every key of every set kept, at each
        resize across the width."""
        for widget in widgets:
            if widget.has_class(PALETTE_CLASS):
                widget.display = width >= PALETTE_KEY_WIDTH
