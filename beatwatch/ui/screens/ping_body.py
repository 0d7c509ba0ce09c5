"""The whole body of one ping (up to the 10 KiB kept), with invalid UTF-8 replaced."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from beatwatch.core.model import Ping
from beatwatch.core.terminal_text import terminal_text
from beatwatch.core.timefmt import long_time


class PingBodyScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,enter", "close", "Close", id="body.close"),
    ]

    def __init__(self, ping: Ping) -> None:
        super().__init__()
        self._ping = ping

    def compose(self) -> ComposeResult:
        ping = self._ping
        code = f", exit code {ping.exit_code}" if ping.exit_code is not None else ""
        with Vertical(classes="dialog wide"):
            yield Label(
                f"{ping.kind.value} ping at {long_time(ping.at)}{code}", classes="dialog-title"
            )
            with VerticalScroll():
                body = terminal_text(ping.body_text, multiline=True)
                yield Static(Text(body or "(no body)"), classes="code")

    def action_close(self) -> None:
        self.dismiss()
