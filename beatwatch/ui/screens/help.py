"""Every key that works where help was asked for, with what it does."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Label, Static


def binding_lines(screen: Screen[object]) -> list[tuple[str, str, str]]:
    """(keys, description, ids for the keymap) for every binding active on `screen`, one
    line per action."""
    keys: dict[str, list[str]] = {}
    ids: dict[str, list[str]] = {}
    for active in screen.active_bindings.values():
        binding = active.binding
        if not binding.description:
            continue
        display = screen.app.get_key_display(binding)
        if display not in keys.setdefault(binding.description, []):
            keys[binding.description].append(display)
        if binding.id and binding.id not in ids.setdefault(binding.description, []):
            ids[binding.description].append(binding.id)
    return [
        (" / ".join(shown), description, ", ".join(ids.get(description, [])))
        for description, shown in keys.items()
    ]


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "close", "Close", id="help.close"),
    ]

    def __init__(self, origin: Screen[object]) -> None:
        super().__init__()
        self._origin = origin

    def compose(self) -> ComposeResult:
        text = Text()
        for keys, description, ids in binding_lines(self._origin):
            text.append(f"{keys:>14}", style="bold")
            text.append(f"  {description}")
            text.append(f"  {ids}\n" if ids else "\n", style="dim")
        text.append("\n")
        text.append(
            "ctrl+p opens the command palette: every action, and the themes, by name.\n"
            "Keys can be changed with [keymap] in beatwatch.toml (binding id = key).",
            style="dim",
        )
        with Vertical(classes="dialog"):
            yield Label("Keys", classes="dialog-title")
            with VerticalScroll():
                yield Static(text, id="help-keys")

    def action_close(self) -> None:
        self.dismiss()
