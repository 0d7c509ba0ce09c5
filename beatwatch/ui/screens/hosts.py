"""Hosts and their maintenance windows: while a window is open, alerts for the host's checks
are held. Each host is a row, with a row under it for each of its windows."""

from __future__ import annotations

import math
from functools import partial
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType

from beatwatch.core.maintenance import describe, next_start, occurrence
from beatwatch.core.model import MaintenanceWindow, State
from beatwatch.core.presentation import STATE_RANK, STATE_SYMBOL, STATE_WORD, counted
from beatwatch.core.timefmt import format_relative, short_time
from beatwatch.service.alerts import HostStatus
from beatwatch.ui.screens.confirm import ConfirmScreen
from beatwatch.ui.screens.live_table import LiveTableScreen, Row
from beatwatch.ui.table_view import ACTION_TOKEN
from beatwatch.ui.themes import state_variable
from beatwatch.ui.widgets.checks_table import HOST_PREFIX, state_text

HOST_KEY = "host:"
WINDOW_KEY = "window:"


def span_text(start: float, end: float) -> str:
    """ "Tue 10 Mar 09:05 → 11:05", with the end's day only when it differs."""
    end_text = short_time(end)
    if end_text[:10] == short_time(start)[:10]:
        end_text = end_text[11:]
    return f"{short_time(start)} → {end_text}"


def maintenance_until(windows: list[MaintenanceWindow], now: float) -> float | None:
    """When the maintenance open at `now` ends (the latest end of the open windows), or None."""
    ends = [span[1] for w in windows if (span := occurrence(w, now)) is not None]
    return max(ends, default=None)


def window_text(window: MaintenanceWindow) -> str:
    """The window in words, in local time for a one-off one."""
    if window.is_weekly:
        text = f"every {describe(window).removeprefix('weekly ')}"
    else:
        assert window.starts_at is not None and window.ends_at is not None
        text = f"once, {span_text(window.starts_at, window.ends_at)}"
    return f"{text} · {window.reason}" if window.reason else text


def window_state(window: MaintenanceWindow, now: float) -> str:
    if (span := occurrence(window, now)) is not None:
        return f"open, ends {format_relative(span[1], now)}"
    if (start := next_start(window, now)) is not None:
        return f"next opens {format_relative(start, now)}"
    return "over"


def states_text(counts: dict[State, int], colours: dict[State, str]) -> Text:
    """ "✖ 1 FAILING  ● 2 up": a host's checks by state, worst first, each in its colour."""
    text = Text()
    for state in sorted(counts, key=STATE_RANK.__getitem__):
        text.append("  " if text else "")
        text.append(
            f"{STATE_SYMBOL[state]} {counts[state]} {STATE_WORD[state]}",
            colours[state] + (" bold" if state.is_bad else ""),
        )
    return text or Text("no checks", style="dim")


class HostsScreen(LiveTableScreen):
    COLUMNS = ("Host", "State", "Checks", "Maintenance", "Windows")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("m", "start_maintenance", "Maintenance", id="hosts.start-maintenance"),
        Binding("x", "end_maintenance", "End maintenance", id="hosts.end-maintenance"),
        Binding("r", "remove_window", "Remove window", id="hosts.remove-window"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._hosts: dict[str, HostStatus] = {}
        self._windows: dict[str, MaintenanceWindow] = {}

    async def load(self) -> tuple[Text | str, list[Row]] | None:
        app = self.beatwatch
        hosts = await app.attempt("load hosts", app.service.alerts.hosts())
        if hosts is None:
            return None
        now = app.clock()
        self._hosts = {f"{HOST_KEY}{h.name}": h for h in hosts}
        self._windows = {f"{WINDOW_KEY}{w.id}": w for h in hosts for w in h.windows}
        warning = app.theme_variables.get("warning", "")
        colours = {state: app.theme_variables[state_variable(state)] for state in State}
        fleet = app.fleet
        by_host = fleet.counts_by_host()
        acting = {
            fleet.checks[i].host
            for i in fleet.checks
            if fleet.needs_action(i) and fleet.checks[i].host
        }
        rows: list[Row] = []
        in_maintenance = 0
        for host in hosts:
            until = maintenance_until(host.windows, now)
            in_maintenance += until is not None
            status = (
                Text(f"in maintenance, ends {format_relative(until, now)}", style=f"{warning} bold")
                if until is not None
                else Text("—", style="dim")
            )
            count = len(host.windows)
            states = by_host.get(host.name, {})
            worst = min(states, key=STATE_RANK.__getitem__, default=None)
            windows = [
                Row(
                    f"{WINDOW_KEY}{window.id}",
                    (
                        Text("  └ window", style="dim"),
                        "",
                        "",
                        Text(window_state(window, now), style="dim"),
                        window_text(window),
                    ),
                )
                for window in host.windows
            ]
            rows.append(
                Row(
                    f"{HOST_KEY}{host.name}",
                    (
                        Text(host.name, style="bold"),
                        state_text(worst, colours) if worst else Text("—", style="dim"),
                        states_text(states, colours),
                        status,
                        counted(count, "window") if count else "none",
                    ),
                    sort_keys={
                        1: STATE_RANK[worst] if worst else len(STATE_RANK),
                        2: -sum(states.values()),
                        3: until if until is not None else math.inf,
                        4: -count,
                    },
                    facts=frozenset({ACTION_TOKEN} if host.name in acting else ()),
                    children=windows,
                )
            )
        return self._summary(len(hosts), in_maintenance), rows

    def detail(self, key: str) -> Text | str:
        now = self.beatwatch.clock()
        if (window := self._windows.get(key)) is not None:
            return f"{window.host}: {window_text(window)} — {window_state(window, now)}"
        host = self._hosts.get(key)
        if host is None:
            return ""
        until = maintenance_until(host.windows, now)
        if until is not None:
            return (
                f"{host.name} is in maintenance until {short_time(until)}: the alerts of its "
                f"{counted(host.checks, 'check')} are held (their states are still watched). "
                f"{self.beatwatch.key_for('hosts.end-maintenance')} ends it now."
            )
        checks = counted(host.checks, "check")
        start = self.beatwatch.key_for("hosts.start-maintenance")
        return (
            f"{host.name}: {checks}, alerting as usual. {start} starts maintenance; enter lists "
            "its checks."
        )

    def _summary(self, hosts: int, in_maintenance: int) -> str:
        if not hosts:
            return "No hosts yet: a host appears when a check names the machine it runs on."
        key = self.beatwatch.key_for
        return (
            f"{counted(hosts, 'host')}, {in_maintenance} in maintenance (their checks are "
            f"watched, alerts are held)  —  {key('hosts.start-maintenance')}: start · "
            f"{key('hosts.end-maintenance')}: end now · {key('hosts.remove-window')}: remove "
            "a window"
        )

    def data_version(self) -> int:
        # The states of the hosts' checks, as well as their windows.
        return self.beatwatch.alerts_version + self.beatwatch.fleet.states_version

    async def on_data_table_row_selected(self) -> None:
        """Enter on a host: the checks table, filtered to that host's checks."""
        if (host := self._selected_host()) is None:
            return
        await self.beatwatch.show_checks(f"{HOST_PREFIX}{host}")

    def _selected_host(self) -> str | None:
        key = self.selected_key() or ""
        if (host := self._hosts.get(key)) is not None:
            return host.name
        if (window := self._windows.get(key)) is not None:
            return window.host
        self.notify("Select a host first.", severity="warning")
        return None

    def action_start_maintenance(self) -> None:
        if (host := self._selected_host()) is not None:
            self.beatwatch.start_maintenance(host)

    async def action_end_maintenance(self) -> None:
        if (host := self._selected_host()) is not None:
            await self.beatwatch.end_maintenance(host)
            self.reload()

    def action_remove_window(self) -> None:
        key = self.selected_key() or ""
        window = self._windows.get(key)
        host = self._hosts.get(key)
        if window is None and host is not None and len(host.windows) == 1:
            window = host.windows[0]
        if window is None:
            self.notify(
                "Select the window to remove: the rows under a host are its windows.",
                severity="warning",
            )
            return
        self.app.push_screen(
            ConfirmScreen(
                f"Remove this maintenance window of {window.host}?",
                f"{window_text(window)}\n\nIf it is open now, alerts for {window.host} go out "
                "again from now on.",
                confirm="Remove",
            ),
            partial(self._remove, window.id),
        )

    async def _remove(self, window_id: int, yes: bool | None) -> None:
        async def remove() -> bool:
            await self.beatwatch.service.alerts.remove_window(window_id)
            return True

        if yes and await self.beatwatch.attempt("remove the window", remove()):
            self.notify("Maintenance window removed.", title="Removed")
            self.reload()
