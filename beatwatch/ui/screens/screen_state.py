"""Whether a screen can still be drawn on. The app closing (or a screen being popped) removes
the screen's widgets before it stops the screen's timers and workers: a refresh or a load that
lands in between must drop what it has rather than reach for widgets already gone."""

from __future__ import annotations

from typing import Any

from textual.app import ScreenStackError
from textual.screen import Screen


def whole(screen: Screen[Any]) -> bool:
    """The screen is in the app and Textual has not begun taking it down."""
    # A node's `display` reads false from the moment its removal starts.
    return screen.is_attached and screen.display


def in_front(screen: Screen[Any]) -> bool:
    """The screen is whole and on top: no dialog or other screen covers it."""
    if not whole(screen):
        return False
    try:
        return screen.app.screen is screen
    except ScreenStackError:  # the app is closing: its screens are gone, timers not yet
        return False
