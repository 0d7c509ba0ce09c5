"""The command palette (ctrl+p): every action of the current screen by name, the sections,
and the themes."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from beatwatch.ui.app import BeatwatchApp

Command = tuple[str, str, Callable[[], object]]


class BeatwatchCommands(Provider):
    def _commands(self) -> list[Command]:
        app: BeatwatchApp = self.app  # type: ignore[assignment]
        commands: list[Command] = []
        seen: set[str] = set()
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if not binding.description or binding.description in seen:
                continue
            seen.add(binding.description)
            commands.append(
                (
                    binding.description,
                    f"key: {app.get_key_display(binding)}",
                    partial(active.node.run_action, binding.action),
                )
            )
        for theme in app.beatwatch_themes:
            commands.append(
                (
                    f"Theme: {theme.name}",
                    "switch the colours",
                    partial(setattr, app, "theme", theme.name),
                )
            )
        return commands

    async def discover(self) -> Hits:
        for name, help_text, callback in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
