"""Every beatwatch key that works where help was asked for, with what it does: the screen's
own first, then those of every screen. Keys Textual gives its widgets are left out."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Label, Static

from beatwatch.ui.widgets.keys_footer import KeysFooter


def by_owner(screen: Screen[object]) -> list[ActiveBinding]:
    """The bindings active on `screen`: its own first, then its widgets', then the app's."""
    return sorted(
        screen.active_bindings.values(),
        key=lambda active: 0 if active.node is screen else 2 if active.node is screen.app else 1,
    )


def binding_lines(
    screen: Screen[object], own: frozenset[tuple[str, str]]
) -> list[tuple[str, str, str]]:
    """(keys, description, ids for the keymap) for every binding of `own` (action and
    description) active on `screen`, one line per action, in by_owner's order."""
    keys: dict[str, list[str]] = {}
    ids: dict[str, list[str]] = {}
    for active in by_owner(screen):
        binding = active.binding
        if not binding.description or (binding.action, binding.description) not in own:
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
        Binding("j", "scroll('down')", "Scroll down", show=False, id="help.down"),
        Binding("k", "scroll('up')", "Scroll up", show=False, id="help.up"),
        Binding("g", "scroll('home')", "To the top", show=False, id="help.top"),
        Binding("G", "scroll('end')", "To the end", show=False, id="help.bottom"),
    ]

    def __init__(self, lines: list[tuple[str, str, str]]) -> None:
        """`lines` are the binding_lines of the screen help was asked on, read while it was
        on top (under a dialog, its keys read otherwise)."""
        super().__init__()
        self._lines = lines

    def compose(self) -> ComposeResult:
        text = Text()
        for keys, description, ids in self._lines:
            text.append(f"{keys:>14}", style="bold")
            text.append(f"  {description}")
            text.append(f"  {ids}\n" if ids else "\n", style="dim")
        text.append("\n")
        text.append(
            "ctrl+p opens the command palette: every action, the themes, and any check by "
            "name, slug, tag or host.\n"
            "Keys can be changed with [keymap] in beatwatch.toml (binding id = key).",
            style="dim",
        )
        with Vertical(classes="dialog"):
            yield Label("Keys", classes="dialog-title")
            with VerticalScroll(id="help-scroll"):
                yield Static(text, id="help-keys")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#help-scroll").focus()

    def action_scroll(self, where: str) -> None:
        scroll = self.query_one("#help-scroll", VerticalScroll)
        {
            "down": scroll.scroll_down,
            "up": scroll.scroll_up,
            "home": scroll.scroll_home,
            "end": scroll.scroll_end,
        }[where](animate=False)

    def action_close(self) -> None:
        self.dismiss()
