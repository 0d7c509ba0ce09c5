"""A yes/no question before something that cannot be undone."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from beatwatch.core.terminal_text import terminal_text
from beatwatch.ui.screens.on_app import OnBeatwatch


class ConfirmScreen(OnBeatwatch, ModalScreen[bool]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, title: str, explanation: str, confirm: str = "OK") -> None:
        super().__init__()
        self._title = title
        self._explanation = explanation
        self._confirm = confirm

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(terminal_text(self._title)), classes="dialog-title")
            yield Static(
                Text(terminal_text(self._explanation, multiline=True)), classes="dialog-text"
            )
            with Horizontal(classes="dialog-buttons"):
                key = self.beatwatch.key_for
                yield Button(
                    Text(f"{self._confirm} [{key('confirm.yes')}]"), variant="error", id="yes"
                )
                yield Button(Text(f"Cancel [{key('confirm.no')}]"), id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
