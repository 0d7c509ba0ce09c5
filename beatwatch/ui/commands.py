"""The command palette (ctrl+p): beatwatch's own actions, and any check.

Opened without a query it lists, in this order, what can be done to the selected check (the
row under the cursor, or the check whose detail is open), the current screen's actions, the
app's (sections, help, quit) and the themes. A query also finds checks by name, slug, tag or
host: choosing one opens it, and its actions (pause, maintenance for its host, copy its URL,
acknowledge) are offered beside it. Keys Textual gives its widgets are left out."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.markup import escape

from beatwatch.core.model import Check, State
from beatwatch.core.presentation import state_label
from beatwatch.core.reach import Reach
from beatwatch.core.terminal_text import terminal_text
from beatwatch.ui.screens.help import by_owner
from beatwatch.ui.widgets.row_table import CURSOR_BINDINGS

if TYPE_CHECKING:
    from beatwatch.ui.app import BeatwatchApp

# (label, help, action). The palette reads its texts as markup: they are escaped where shown.
Command = tuple[str, str, Callable[[], object]]
# The cursor's keys do nothing from the palette.
CURSOR_ACTIONS = frozenset(b.action for b in CURSOR_BINDINGS if not isinstance(b, tuple))
# Checks a query finds at most, and those whose actions are offered beside them.
CHECKS_FOUND = 30
ACTIONS_FOUND = 5


@runtime_checkable
class ShowsACheck(Protocol):
    """A screen with a check under its cursor, or open."""

    def selected_check_id(self) -> int | None: ...


def check_actions(app: BeatwatchApp, check: Check, opening: bool) -> list[Command]:
    """What can be done to `check`, each named with it; `opening` adds opening its detail."""
    name = terminal_text(check.name)
    paused = app.fleet.state_of(check.id) is State.PAUSED
    commands: list[Command] = []
    if opening:
        commands.append((f"Open {name}", _facts(app, check), partial(app.open_check, check.id)))
    commands += [
        (
            f"{'Resume' if paused else 'Pause'} {name}",
            "its clock starts again" if paused else "it will not alert while paused",
            partial(app.toggle_pause, check.id),
        ),
        (f"Copy the ping URL of {name}", "to the clipboard", partial(app.copy_ping_url, check.id)),
    ]
    if check.host:
        host = terminal_text(check.host)
        if check.host in app.fleet.hosts_held:
            commands.append(
                (
                    f"End maintenance on {host}",
                    "alerts go out again",
                    partial(app.end_maintenance, check.host),
                )
            )
        else:
            commands.append(
                (
                    f"Maintenance on {host}",
                    f"hold the alerts of {host}'s checks for a while",
                    partial(app.start_maintenance, check.host),
                )
            )
    reach = app.fleet.reach_of(check.id)
    if app.fleet.state_of(check.id).is_bad and Reach.ACKNOWLEDGED not in reach:
        commands.append(
            (
                f"Acknowledge {name}",
                "no escalation or reminder will follow",
                partial(app.acknowledge_check, check.id),
            )
        )
    return commands


def _facts(app: BeatwatchApp, check: Check) -> str:
    """ "✖ FAILING · db2 · backup, nightly": what tells namesakes apart."""
    parts = [state_label(app.fleet.state_of(check.id)), check.host or "", ", ".join(check.tags)]
    return terminal_text(" · ".join(p for p in parts if p))


class BeatwatchCommands(Provider):
    """The selected check's actions, the screen's and the app's, and the themes."""

    def _commands(self) -> Iterator[Command]:
        app: BeatwatchApp = self.app  # type: ignore[assignment]
        screen = self.screen
        selected = screen.selected_check_id() if isinstance(screen, ShowsACheck) else None
        check = app.check(selected) if selected is not None else None
        if check is not None:
            yield from check_actions(app, check, opening=False)
        seen: set[str] = set()
        for active in by_owner(screen):
            binding = active.binding
            if (
                (binding.action, binding.description) not in app.own_actions
                or binding.action in CURSOR_ACTIONS
                or binding.description in seen
            ):
                continue
            seen.add(binding.description)
            yield (
                binding.description,
                f"key: {app.get_key_display(binding)}",
                partial(active.node.run_action, binding.action),
            )
        for theme in app.beatwatch_themes:
            yield (
                f"Theme: {theme.name}",
                "switch the colours",
                partial(setattr, app, "theme", theme.name),
            )

    async def discover(self) -> Hits:
        for name, help_text, callback in self._commands():
            yield DiscoveryHit(escape(name), callback, help=escape(help_text))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(escape(name)), callback, help=escape(help_text))


def searched_text(check: Check) -> str:
    return " ".join([check.name, check.slug, check.host or "", *check.tags]).lower()


class CheckCommands(Provider):
    """Checks found by name, slug, tag or host: every word of the query must appear in one of
    them. A check named as the query reads ranks first."""

    async def search(self, query: str) -> Hits:
        app: BeatwatchApp = self.app  # type: ignore[assignment]
        words = query.lower().split()
        if not words:
            return
        matcher = self.matcher(query)
        found = [c for c in app.fleet.checks.values() if all(w in searched_text(c) for w in words)]
        # Closest names first; a check found by its tag or host alone still shows.
        scored = sorted(
            ((max(matcher.match(c.name), 0.1), c) for c in found), key=lambda pair: -pair[0]
        )[:CHECKS_FOUND]
        for rank, (score, check) in enumerate(scored):
            commands = check_actions(app, check, opening=True)
            if rank >= ACTIONS_FOUND:
                commands = commands[:1]
            for n, (name, help_text, callback) in enumerate(commands):
                # Opening the check ranks above what can be done to it.
                yield Hit(score - n * 0.01, escape(name), callback, help=escape(help_text))
