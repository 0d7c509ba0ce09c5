"""Put a host in maintenance: for a while from now, until a time, or every week on some days.
Alerts for its checks are held while a window is open.

Every field is checked as it is typed by the service's own rule for windows (`window_asked`),
and the dialog saves through the service itself, so a refusal is shown beside its field."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, ClassVar, TypeVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, Label, RadioSet, Static

from beatwatch.core.errors import HostUnwatched, ValidationError
from beatwatch.core.maintenance import (
    next_start,
    parse_days,
    parse_time_of_day,
    weekly_pattern,
    weekly_text,
)
from beatwatch.core.model import MaintenanceWindow
from beatwatch.core.schedule import local_zone_name, zone_names
from beatwatch.core.terminal_text import terminal_text
from beatwatch.core.timefmt import example_time, parse_duration, parse_time, short_time
from beatwatch.service.alerts import window_asked
from beatwatch.ui.screens.confirm import ConfirmScreen
from beatwatch.ui.screens.form import FORM_ERROR, FieldSpec, FormScreen, labelled_input
from beatwatch.ui.widgets.marks import MarkedRadioButton

T = TypeVar("T")
DEFAULT_DURATION = "1h"
KINDS = ("for", "until", "weekly")
# Which inputs each kind of window shows.
KIND_FIELDS = {
    "for": ("duration",),
    "until": ("starts-at", "ends-at"),
    "weekly": ("days", "start", "length", "tz"),
}
FIELDS = (
    FieldSpec("duration", "For", f"empty: {DEFAULT_DURATION} · 30m · 1h30m · 1d"),
    # Their examples are dated from now when the dialog opens, never in the past.
    FieldSpec("starts-at", "From", "empty: now · 22:00 · {tomorrow_evening}"),
    FieldSpec("ends-at", "Until", "06:00 · {the_morning_after} (local time)"),
    FieldSpec("days", "Days", "sun · mon-fri · sat,sun"),
    FieldSpec("start", "Start", "02:00"),
    FieldSpec("length", "Length", "2h · 90m (at most 24h)"),
    FieldSpec("tz", "Time zone", ""),
)
# The service's field -> the input its errors show beside.
FIELD_INPUT = {
    "duration": "duration",
    "starts_at": "starts-at",
    "ends_at": "ends-at",
    "weekly": "days",
    "tz": "tz",
    "reason": "reason",
}


class MaintenanceScreen(FormScreen[MaintenanceWindow | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Start", id="maintenance.save", show=False),
        Binding("escape", "cancel", "Cancel", id="maintenance.cancel"),
    ]

    def __init__(
        self, host: str, clock: Callable[[], float], more_hosts: Sequence[str] = ()
    ) -> None:
        """A window on `host`, and the same window on each of `more_hosts` (checks marked in
        the table name them)."""
        super().__init__()
        self._host = host
        self._more_hosts = tuple(more_hosts)
        self._clock = clock

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog form"):
            hosts = ", ".join(terminal_text(h) for h in (self._host, *self._more_hosts))
            yield Label(Text(f"Maintenance on {hosts}"), classes="dialog-title")
            yield Static(
                "While it lasts, the checks on this host are still watched and shown, but no "
                "alert or recovery is sent for them. Nothing piles up to be sent afterwards.",
                classes="dialog-text",
            )
            yield Label("Window", classes="field-label")
            with RadioSet(id="kind"):
                yield MarkedRadioButton("for a while", id="kind-for", value=True)
                yield MarkedRadioButton("until a time", id="kind-until")
                yield MarkedRadioButton("weekly", id="kind-weekly")
            now = self._clock()
            examples = {
                "tomorrow_evening": example_time(now, 1, 22),
                "the_morning_after": example_time(now, 2, 6),
            }
            for spec in FIELDS:
                yield from labelled_input(
                    replace(spec, placeholder=spec.placeholder.format(**examples))
                )
            yield Static("", id="window-preview")
            yield from labelled_input(FieldSpec("reason", "Reason", "optional: kernel upgrade"))
            yield Label("", id="form-error", classes="field-error")
            with Horizontal(classes="dialog-buttons"):
                save = self.beatwatch.key_for("maintenance.save")
                yield Button(Text(f"Start [enter · {save}]"), variant="primary", id="save")
                cancel = self.beatwatch.key_for("maintenance.cancel")
                yield Button(Text(f"Cancel [{cancel}]"), id="cancel")

    def on_mount(self) -> None:
        super().on_mount()
        tz = self.query_one("#tz", Input)
        tz.placeholder = f"empty: {local_zone_name()} · → completes"
        tz.suggester = SuggestFromList(zone_names(), case_sensitive=False)
        self._show_kind()
        self.query_one("#duration", Input).focus()

    @property
    def _kind(self) -> str:
        pressed = self.query_one("#kind", RadioSet).pressed_button
        return (pressed.id or "kind-for").removeprefix("kind-") if pressed else "for"

    def _show_kind(self) -> None:
        shown = KIND_FIELDS[self._kind]
        for spec in FIELDS:
            self.query_one(f"#field-{spec.key}").display = spec.key in shown
        self._preview()

    def on_radio_set_changed(self) -> None:
        self._show_kind()
        self.recheck()

    def input_changed(self, event: Input.Changed) -> None:
        self._preview()

    def _request(self) -> dict[str, Any]:
        """What the fields ask the service for; a ValidationError names the input at fault."""
        now = self._clock()
        request: dict[str, Any] = {"reason": self.text("reason").strip()}
        kind = self._kind
        if kind == "for":
            text = self.text("duration") or DEFAULT_DURATION
            request["duration"] = _read(parse_duration, "duration", text)
        elif kind == "until":
            starts = self.text("starts-at").strip()
            if starts:
                request["starts_at"] = _read(parse_time, "starts-at", starts, now)
            request["ends_at"] = _read(parse_time, "ends-at", self.text("ends-at"), now)
        else:
            days = _read(parse_days, "days", self.text("days"))
            start_minute = _read(parse_time_of_day, "start", self.text("start"))
            length = _read(parse_duration, "length", self.text("length"))
            try:
                request["weekly"] = weekly_text(days, start_minute, length)
            except ValueError as exc:
                raise ValidationError("length", str(exc)) from None
            request["tz"] = self.text("tz").strip() or local_zone_name()
        return request

    def _asked(self) -> MaintenanceWindow:
        """The window the fields ask for, by the service's own rule for windows."""
        request = self._request()
        try:
            return window_asked(self._host, **request, now=self._clock())
        except ValidationError as exc:
            raise ValidationError(FIELD_INPUT.get(exc.field, FORM_ERROR), exc.message) from None

    def field_errors(self) -> dict[str, str]:
        try:
            self._asked()
        except ValidationError as exc:
            return {exc.field: exc.message}
        return {}

    def _preview(self) -> None:
        preview = self.query_one("#window-preview", Static)
        try:
            window = self._asked()
        except ValidationError:
            preview.update("")
            return
        preview.update(window_preview(window, self._clock()))

    async def action_save(self) -> None:
        try:
            await self._open(force=False)
        except HostUnwatched as exc:
            # Most likely a typo, which would leave the host meant unsilenced: ask first.
            self.app.push_screen(
                ConfirmScreen(
                    f"No check names host {self._host!r}",
                    f"{str(exc).capitalize()}. A window on it holds no alert; if you meant "
                    "another host, answer no. Open it anyway?",
                    confirm="Open it",
                ),
                self._confirmed,
            )

    async def _confirmed(self, yes: bool | None) -> None:
        if yes:
            await self._open(force=True)
        else:
            self.dismiss(None)

    async def _open(self, force: bool) -> None:
        await self.save_with(
            lambda: self._open_each(force),
            FIELD_INPUT,
            "a maintenance window",
            passing=(HostUnwatched,),
        )

    async def _open_each(self, force: bool) -> MaintenanceWindow:
        """The window on the host, then on each of the others; returns the first."""
        alerts = self.beatwatch.service.alerts
        request = self._request()
        first = await alerts.start_maintenance(self._host, force=force, **request)
        for host in self._more_hosts:
            await alerts.start_maintenance(host, **request)
        return first


def _read(parse: Callable[..., T], field: str, text: str, *args: float) -> T:
    """`parse(text, *args)`, its ValueError told as a ValidationError of `field`."""
    try:
        return parse(text, *args)
    except ValueError as exc:
        raise ValidationError(field, str(exc)) from None


def window_preview(window: MaintenanceWindow, now: float) -> str:
    """When the window asked for is open, in local time."""
    if not window.is_weekly:
        assert window.starts_at is not None and window.ends_at is not None
        start = "now" if window.starts_at <= now else short_time(window.starts_at)
        return f"from {start} until {short_time(window.ends_at)}"
    opens = next_start(window, now)
    when = f"; next opens {short_time(opens)} (local time)" if opens else ""
    return f"every {weekly_pattern(window)} {window.tz}{when}"
