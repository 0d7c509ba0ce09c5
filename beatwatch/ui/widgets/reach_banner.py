"""The banner over the checks table while an alert would go astray: checks in trouble whose
alert would reach nobody, and channels that are failing. It stays until that is no longer
true, unlike a notice, and names the keys that fix it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.widgets import Static

from beatwatch.core.counting import agreeing
from beatwatch.core.model import Channel
from beatwatch.core.presentation import REACH_SYMBOL, counted
from beatwatch.core.reach import Reach
from beatwatch.core.terminal_text import terminal_text
from beatwatch.core.timefmt import short_time
from beatwatch.ui.formatting import one_line

# How much of a channel's last error the banner quotes; the Channels screen shows it whole.
ERROR_SHOWN = 40


@dataclass(frozen=True, slots=True)
class BannerKeys:
    """The keys the banner names, as bound."""

    channels: str  # the Channels screen
    add: str  # add a channel there
    default: str  # make the selected one a default
    test: str  # send a test through the selected one


def warnings(unheard_in_trouble: int, failing: Sequence[Channel], keys: BannerKeys) -> list[str]:
    """What the banner says, one line per thing gone astray; none while every alert would
    reach someone."""
    lines = []
    if unheard_in_trouble:
        lines.append(
            f"{REACH_SYMBOL[Reach.NOBODY]} {counted(unheard_in_trouble, 'check')} in trouble "
            f"{agreeing(unheard_in_trouble, 'reaches', 'reach')} nobody (no working channel) — "
            f"press {keys.channels}, then {keys.add} to add a channel or {keys.default} for a "
            "default"
        )
    if failing:
        first = failing[0]
        since = f" since {short_time(first.last_error_at)}" if first.last_error_at else ""
        error = f": {one_line(first.last_error, ERROR_SHOWN)}" if first.last_error else ""
        names = [terminal_text(c.name) for c in failing]
        others = f" (and {', '.join(names[1:])})" if names[1:] else ""
        lines.append(
            f"✖ channel {names[0]} failing{since}{error}{others} — press {keys.channels}, "
            f"then {keys.test} to test it once fixed"
        )
    return lines


class ReachBanner(Static):
    """Hidden while it has nothing to say."""

    DEFAULT_CSS = """
    ReachBanner {
        height: auto;
        padding: 0 1;
        background: $error 25%;
        color: $text;
        text-style: bold;
        display: none;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._lines: list[str] = []

    @property
    def lines(self) -> list[str]:
        return list(self._lines)

    def say(self, lines: list[str]) -> None:
        if lines == self._lines:
            return
        self._lines = lines
        self.update(Text("\n".join(lines)))
        self.display = bool(lines)
