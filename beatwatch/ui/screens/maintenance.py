"""Put a host in maintenance now, for a while: alerts for its checks are held meanwhile."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from beatwatch.core.terminal_text import terminal_text
from beatwatch.core.timefmt import parse_duration
from beatwatch.ui.formatting import short_time
from beatwatch.ui.screens.on_app import OnBeatwatch

DEFAULT_DURATION = "1h"


def maintenance_seconds(text: str) -> int:
    """How long the maintenance lasts, from what the user typed; ValueError says what is wrong."""
    seconds = parse_duration(text or DEFAULT_DURATION)
    if seconds <= 0:
        raise ValueError("a maintenance window lasts at least a second")
    return seconds


class MaintenanceScreen(OnBeatwatch, ModalScreen[int | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="maintenance.cancel"),
    ]

    def __init__(self, host: str, clock: Callable[[], float]) -> None:
        super().__init__()
        self._host = host
        self._clock = clock

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(f"Maintenance on {terminal_text(self._host)}"), classes="dialog-title")
            yield Static(
                "While it lasts, the checks on this host are still watched and shown, but no "
                "alert or recovery is sent for them. Nothing piles up to be sent afterwards.",
                classes="dialog-text",
            )
            yield Label(f"For how long (empty: {DEFAULT_DURATION})")
            yield Input(placeholder="30m · 2h · 1d", id="duration")
            yield Label(id="duration-hint", classes="hint")
            with Horizontal(classes="dialog-buttons"):
                yield Button(Text("Start [enter]"), variant="primary", id="start")
                cancel = self.beatwatch.key_for("maintenance.cancel")
                yield Button(Text(f"Cancel [{cancel}]"), id="cancel")

    def on_mount(self) -> None:
        self._show_end("")

    def _show_end(self, text: str) -> int | None:
        """Say when the maintenance would end, or why the duration cannot be used."""
        hint = self.query_one("#duration-hint", Label)
        try:
            seconds = maintenance_seconds(text.strip())
        except ValueError as exc:
            hint.update(f"✖ {exc}")
            hint.add_class("invalid")
            return None
        hint.update(f"until {short_time(self._clock() + seconds)}")
        hint.remove_class("invalid")
        return seconds

    def on_input_changed(self, event: Input.Changed) -> None:
        self._show_end(event.value)

    def on_input_submitted(self) -> None:
        self._submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "start":
            self._submit()
        else:
            self.dismiss(None)

    def _submit(self) -> None:
        seconds = self._show_end(self.query_one("#duration", Input).value)
        if seconds is not None:
            self.dismiss(seconds)

    def action_cancel(self) -> None:
        self.dismiss(None)
