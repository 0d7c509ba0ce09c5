"""Incidents: every bad spell of a check, open ones first, with who was told about it."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from beatwatch.core.model import Incident, Notification
from beatwatch.core.presentation import STATE_RANK, state_label
from beatwatch.core.timefmt import format_relative, when
from beatwatch.ui.screens.live_table import LiveTableScreen, Row
from beatwatch.ui.screens.notifications import NotificationsScreen, delivery_summary
from beatwatch.ui.table_view import ACTION_TOKEN, SortOrder
from beatwatch.ui.themes import state_variable

INCIDENTS_SHOWN = 200


def incident_status(incident: Incident, now: float) -> str:
    """Where an incident stands, in words: resolved, acknowledged, or waiting for someone."""
    if incident.resolved_at is not None:
        how = f" ({incident.resolution})" if incident.resolution else ""
        return f"resolved {format_relative(incident.resolved_at, now)}{how}"
    if incident.acknowledged_at is not None:
        return f"open · acknowledged {format_relative(incident.acknowledged_at, now)}"
    return "open · not acknowledged"


class IncidentsScreen(LiveTableScreen):
    COLUMNS = ("State", "Check", "Opened", "Status", "Notifications")
    # By status: open ones first, newest first within each group.
    DEFAULT_ORDER = SortOrder(3)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "acknowledge", "Acknowledge", id="incidents.acknowledge"),
        # A priority binding, so that it wins over the table's own enter and shows in the footer.
        Binding(
            "enter", "notifications", "Who was told", id="incidents.notifications", priority=True
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._incidents: dict[str, Incident] = {}

    def data_version(self) -> int:
        # The incidents, and the checks that name them: the checks may load after them.
        return self.beatwatch.alerts_version + self.beatwatch.fleet.states_version

    async def load(self) -> tuple[Text | str, list[Row]] | None:
        app = self.beatwatch
        alerts = app.service.alerts
        incidents = await app.attempt("load incidents", alerts.incidents(limit=INCIDENTS_SHOWN))
        if incidents is None:
            return None
        notes_by_incident = await app.attempt(
            "load notifications", alerts.notifications_by_incident(incidents)
        )
        if notes_by_incident is None:
            return None
        now = app.clock()
        self._incidents = {str(i.id): i for i in incidents}
        rows = [self._row(incident, notes_by_incident[incident.id], now) for incident in incidents]
        return self._summary(incidents), rows

    def _row(self, incident: Incident, sent: list[Notification], now: float) -> Row:
        app = self.beatwatch
        check = app.check(incident.check_id)
        colour = app.theme_variables[state_variable(incident.state)]
        is_open = incident.resolved_at is None
        waiting = is_open and incident.acknowledged_at is None
        status_style = f"{app.theme_variables.get('error', '')} bold" if waiting else ""
        return Row(
            str(incident.id),
            (
                Text(state_label(incident.state), style=f"{colour} bold" if is_open else "dim"),
                check.name if check else f"check {incident.check_id} (deleted)",
                when(incident.opened_at, now),
                Text(incident_status(incident, now), style=status_style),
                delivery_summary(sent),
            ),
            sort_keys={
                0: (not is_open, STATE_RANK[incident.state]),
                2: incident.opened_at,
                3: (not is_open, not waiting, -incident.opened_at),
            },
            facts=frozenset({ACTION_TOKEN} if waiting else ()),
        )

    def _summary(self, incidents: list[Incident]) -> Text:
        if not incidents:
            return Text("No incidents: nothing has gone wrong since beatwatch started watching.")
        still_open = [i for i in incidents if i.resolved_at is None]
        waiting = sum(1 for i in still_open if i.acknowledged_at is None)
        summary = Text()
        summary.append(f"{len(still_open)} open", "bold" if still_open else "")
        if waiting:
            summary.append(f", {waiting} not acknowledged", "bold")
        summary.append(f" · {len(incidents) - len(still_open)} resolved", "dim")
        key = self.beatwatch.key_for
        summary.append(
            f"  —  {key('incidents.acknowledge')}: acknowledge · "
            f"{key('incidents.notifications')}: who was told",
            "dim",
        )
        return summary

    def detail(self, key: str) -> Text | str:
        incident = self._incidents.get(key)
        if incident is None:
            return ""
        # The reason is written for a chat message; its code fences add nothing here.
        return "\n".join(line for line in incident.reason.splitlines() if line != "```")

    def _selected(self) -> Incident | None:
        incident = self._incidents.get(self.selected_key() or "")
        if incident is None:
            self.notify("Select an incident first.", severity="warning")
        return incident

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """A click on a row."""
        event.stop()
        self.action_notifications()

    async def action_acknowledge(self) -> None:
        if (incident := self._selected()) is not None:
            await self.beatwatch.acknowledge(incident)
            self.reload()

    def action_notifications(self) -> None:
        if self.focused is self.filter_box:
            # Its enter wins over the box's own: it ends the typing as there.
            self.browse_matches()
            return
        if (incident := self._selected()) is not None:
            check = self.beatwatch.check(incident.check_id)
            name = check.name if check else f"check {incident.check_id}"
            self.app.push_screen(NotificationsScreen(incident, name))
