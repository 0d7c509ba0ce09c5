"""Who was told about one incident: every message queued for it, and what became of each; the
selected message's last error is shown whole under the table, and the footer shows this
window's own keys."""

from __future__ import annotations

from collections import Counter
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Label, Static

from beatwatch.core.escalation import step_rows
from beatwatch.core.model import Incident, Notification
from beatwatch.core.presentation import state_label
from beatwatch.core.terminal_text import terminal_text
from beatwatch.core.timefmt import format_relative, long_time, when
from beatwatch.ui.formatting import one_line
from beatwatch.ui.screens.live_table import LiveRows, Row, fill, plain, selected_key
from beatwatch.ui.screens.on_app import OnBeatwatch
from beatwatch.ui.screens.screen_state import whole
from beatwatch.ui.widgets.keys_footer import KeysFooter
from beatwatch.ui.widgets.row_table import RowTable

# The outbox statuses, as a person would say them.
STATUS_WORDS = {
    "pending": "waiting to send",
    "held": "held for a digest",
    "sent": "sent",
    "expired": "gave up",
    "digested": "sent in a digest",
}
ERROR_SHOWN = 60


def status_word(notification: Notification) -> str:
    if notification.status == "pending" and notification.last_error:
        return "retrying"
    return STATUS_WORDS.get(notification.status, notification.status)


def status_text(notification: Notification) -> str:
    word = status_word(notification)
    return f"{word} (tried {notification.attempts}×)" if notification.attempts > 1 else word


def delivery_summary(notifications: list[Notification]) -> str:
    """ "2 sent · 1 retrying", or "none" when no message went out for it."""
    if not notifications:
        return "none"
    counts = Counter(status_word(n) for n in notifications)
    return " · ".join(f"{count} {status}" for status, count in counts.items())


class NotificationsScreen(OnBeatwatch, ModalScreen[None]):
    # Widgets with keys of their own on this screen, for the keymap's clash check.
    KEYED_WIDGETS: ClassVar[tuple[type[Widget], ...]] = (RowTable,)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="notifications.close"),
    ]

    def __init__(self, incident: Incident, check_name: str) -> None:
        super().__init__()
        self._incident = incident
        self._check_name = check_name
        self._notifications: dict[str, Notification] = {}
        # Reloaded as delivery goes on, and so that its "… ago" stay true while it is open.
        self._live = LiveRows(
            self,
            lambda: self.beatwatch.clock(),
            lambda: self.beatwatch.alerts_version,
            self._load,
        )

    def compose(self) -> ComposeResult:
        incident = self._incident
        with Vertical(classes="dialog wide"):
            yield Label(
                Text(
                    f"{terminal_text(self._check_name)}: {state_label(incident.state)} since "
                    f"{long_time(incident.opened_at)}"
                ),
                classes="dialog-title",
            )
            yield Static(Text(incident.reason), classes="dialog-text")
            yield Label("Messages for this incident", classes="section-title")
            yield RowTable(id="notifications", cursor_type="row")
            yield Static("", id="notification-error", classes="dialog-text")
            yield Static("", id="notifications-empty", classes="dialog-text")
            yield Label("Whom each step reached", id="steps-title", classes="section-title")
            yield RowTable(id="steps", cursor_type="row")
        yield KeysFooter()

    def on_mount(self) -> None:
        table = self.query_one("#notifications", RowTable)
        for label in ("Queued", "Channel", "Kind", "Status", "Sent", "Last error"):
            table.add_column(label, key=label.lower())
        steps = self.query_one("#steps", RowTable)
        for label in ("Step", "Target", "Reached", "Through", "When"):
            steps.add_column(label, key=label.lower())
        self._live.start()

    async def _load(self) -> None:
        app = self.beatwatch
        notifications = await app.attempt(
            "load notifications", app.service.alerts.notifications(self._incident.id)
        )
        if notifications is None:
            return
        steps = await app.attempt(
            "load escalation steps", app.service.alerts.steps_by_incident([self._incident])
        )
        if not whole(self):
            return
        now = app.clock()
        if steps is not None:
            taken = steps[self._incident.id]
            rows = step_rows(taken, lambda t: when(t, now))
            fill(self.query_one("#steps", RowTable), [Row(str(i), r) for i, r in enumerate(rows)])
            self.query_one("#steps", RowTable).display = bool(taken)
            self.query_one("#steps-title", Label).display = bool(taken)
        table = self.query_one("#notifications", RowTable)
        self._notifications = {str(n.id): n for n in notifications}
        rows = [
            Row(
                str(n.id),
                (
                    when(n.created_at, now),
                    n.channel_name,
                    n.kind,
                    status_text(n),
                    format_relative(n.sent_at, now) if n.sent_at else "",
                    one_line(n.last_error or "", ERROR_SHOWN),
                ),
            )
            for n in notifications
        ]
        fill(table, rows)
        self._show_error()
        table.display = bool(notifications)
        self.query_one("#notifications-empty", Static).update(
            ""
            if notifications
            else "No message was sent for it: no channel was set up then, its alert type is "
            "switched off for the check, or its host was in maintenance."
        )

    def on_data_table_row_highlighted(self) -> None:
        self._show_error()

    def _show_error(self) -> None:
        """The selected message's last error, whole: the table's column shows its start."""
        notification = self._notifications.get(
            selected_key(self.query_one("#notifications", RowTable)) or ""
        )
        error = notification.last_error if notification else None
        shown = self.query_one("#notification-error", Static)
        shown.update(
            plain(f"Last error ({notification.channel_name}): {error}")
            if notification and error
            else ""
        )
        shown.display = bool(error)

    def action_close(self) -> None:
        self.dismiss()
