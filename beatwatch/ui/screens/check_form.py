"""Create or edit a check: one field per setting, each with its own error line, and a live
preview of the next due times. The form saves through the service and closes only on success,
so an error the store finds (a name already taken) is shown beside its field too."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.suggester import SuggestFromList
from textual.widgets import (
    Button,
    Checkbox,
    Collapsible,
    Input,
    Label,
    RadioButton,
    RadioSet,
    Static,
)

from beatwatch.core.errors import ScheduleError, ValidationError
from beatwatch.core.model import AlertType, Check, Schedule
from beatwatch.core.schedule import (
    describe,
    local_zone_name,
    normalize_cron,
    upcoming,
    zone,
    zone_names,
)
from beatwatch.core.timefmt import format_duration_exact, parse_duration, short_time
from beatwatch.core.validation import DEFAULT_ALERTS, CheckSpec, cron_schedule, validate
from beatwatch.engine.check_edits import channel_refs, unknown_channel_error
from beatwatch.ui.formatting import is_local
from beatwatch.ui.screens.form import FORM_ERROR, FieldSpec, FormScreen, labelled_input, names_in
from beatwatch.ui.screens.live_table import plain
from beatwatch.ui.widgets.marks import MarkedCheckbox, MarkedRadioButton

PREVIEW_COUNT = 3
# Which input shows the error of each field the validation can name.
FIELD_INPUT = {
    "name": "name",
    "slug": "name",
    "schedule": "every",
    "every": "every",
    "cron": "cron",
    "tz": "tz",
    "grace": "grace",
    "max_duration": "max-duration",
    "host": "host",
    "tags": "tags",
    "channels": "channels",
    "description": "description",
    "failure_threshold": "failure-threshold",
    "escalate_to": "escalate-to",
    "escalate_after": "escalate-after",
    "remind_every": "remind-every",
    "escalation_policy": "policy",
}


FIELDS = (
    FieldSpec("name", "Name", "Nightly backup (db1)"),
    FieldSpec("description", "Description", "optional, shown in its alerts"),
    FieldSpec("every", "Every", "1h · 30m · 1h30m · 1d"),
    FieldSpec("cron", "Cron expression", "30 2 * * 1-5 · @daily · @hourly"),
    FieldSpec("tz", "Time zone", ""),
    FieldSpec("grace", "Grace", "empty: 5m or half the interval"),
    FieldSpec("max-duration", "Max duration", "optional, e.g. 2h: shows a run as RUNNING LONG"),
    FieldSpec("host", "Host", "optional, e.g. db1"),
    FieldSpec("tags", "Tags", "optional, comma separated: backup, postgres"),
    FieldSpec("channels", "Alert channels", "empty: the default channels"),
)
# Rarely set, so folded away until opened, or until one of them has a value or an error.
ESCALATION_FIELDS = (
    FieldSpec("failure-threshold", "Fails to alert", "1: alert at the first failure"),
    FieldSpec("policy", "Escalation policy", "optional: who is told, step by step"),
    FieldSpec("escalate-to", "Escalate to", "optional: channels for an unacknowledged alert"),
    FieldSpec("escalate-after", "Escalate after", "e.g. 30m without acknowledgement"),
    FieldSpec("remind-every", "Remind every", "optional, e.g. 1h until acknowledged"),
)


def _duration(text: str, field_name: str) -> int | None:
    if not text.strip():
        return None
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise ValidationError(field_name, str(exc)) from None


def schedule_preview(schedule: Schedule, due: list[float]) -> str:
    """The schedule in words and its next due times: a cron check's in its own zone, and in
    local time too where that reads differently."""
    local = ", ".join(map(short_time, due))
    if schedule.tz is None:
        return f"{describe(schedule)}\nnext due: {local} (local time)"
    check_zone = zone(schedule.tz)
    if is_local(check_zone, due):
        return f"{describe(schedule)}\nnext due: {local} ({schedule.tz}, local time)"
    there = ", ".join(short_time(t, check_zone) for t in due)
    return f"{describe(schedule)}\nnext due: {there} ({schedule.tz})\n      in local time: {local}"


# A check every rule accepts, for checking one part of a form's fields on its own.
_SOUND = CheckSpec(name="check", every_seconds=3600)


def _exact(seconds: int | None) -> str:
    """A stored duration as the field shows it: empty when unset."""
    return format_duration_exact(seconds) if seconds else ""


def _threshold(text: str) -> int:
    raw = text.strip()
    if not raw:
        return 1
    if not (raw.isascii() and raw.isdigit()):
        raise ValidationError(
            "failure_threshold", f"{raw!r} is not a count: give how many failures in a row, e.g. 3"
        )
    return int(raw)


class CheckFormScreen(FormScreen[Check | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="form.save"),
        Binding("escape", "cancel", "Cancel", id="form.cancel"),
    ]

    def __init__(
        self, check: Check | None, prefill: Mapping[str, str] | None = None, uuid: str | None = None
    ) -> None:
        """Edit `check`, or make a new one: with its fields as `prefill` gives them (by input
        id), and under `uuid` if given (the one a job already pings)."""
        super().__init__()
        self._check = check
        self._prefill = prefill or {}
        self._uuid = uuid
        # The channel names and tags there are, once loaded: a field naming another is wrong.
        self._channel_refs: set[str] | None = None

    def compose(self) -> ComposeResult:
        title = f"Edit {self._check.name}" if self._check else "New check"
        if self._check is None and self._uuid:
            title = f"New check for {self._uuid}"
        with Vertical(classes="dialog form"):
            yield Label(plain(title), classes="dialog-title")
            with VerticalScroll():
                for spec in FIELDS[:2]:
                    yield from labelled_input(spec)
                yield Label("Schedule", classes="field-label")
                with RadioSet(id="kind"):
                    yield MarkedRadioButton("interval", id="kind-every", value=True)
                    yield MarkedRadioButton("cron", id="kind-cron")
                for spec in FIELDS[2:]:
                    yield from labelled_input(spec)
                    if spec.key == "tz":
                        yield Static("", id="preview")
                    if spec.key == "channels":
                        yield Static("", id="channel-choices")
                yield Label("Alert when", classes="field-label")
                with Horizontal(id="alerts"):
                    for alert in AlertType:
                        yield MarkedCheckbox(alert.value, id=f"alert-{alert.value}")
                with Collapsible(
                    title="Escalation, reminders and failure threshold", id="escalation"
                ):
                    for spec in ESCALATION_FIELDS:
                        yield from labelled_input(spec)
                yield Label("", id="form-error", classes="field-error")
            with Horizontal(classes="dialog-buttons"):
                key = self.beatwatch.key_for
                yield Button(Text(f"Save [{key('form.save')}]"), variant="primary", id="save")
                yield Button(Text(f"Cancel [{key('form.cancel')}]"), id="cancel")

    async def on_mount(self) -> None:
        super().on_mount()
        tz = self.query_one("#tz", Input)
        tz.placeholder = f"empty: {local_zone_name()} · → completes"
        tz.suggester = SuggestFromList(zone_names(), case_sensitive=False)
        check = self._check
        alerts = DEFAULT_ALERTS if check is None else check.alerts
        for alert in AlertType:
            self.query_one(f"#alert-{alert.value}", Checkbox).value = alert in alerts
        if check is not None:
            schedule = check.schedule
            values = {
                "name": check.name,
                "every": _exact(schedule.every_seconds),
                "cron": schedule.cron or "",
                "tz": schedule.tz or "",
                "grace": format_duration_exact(check.grace_seconds),
                "max-duration": _exact(check.max_duration_seconds),
                "host": check.host or "",
                "tags": ", ".join(check.tags),
                "channels": ", ".join(check.channels),
                "description": check.description,
                "failure-threshold": str(check.failure_threshold),
                "escalate-to": ", ".join(check.escalation_channels),
                "escalate-after": _exact(check.escalate_after_seconds),
                "remind-every": _exact(check.remind_every_seconds),
                "policy": check.escalation_policy or "",
            }
            for key, value in values.items():
                self.query_one(f"#{key}", Input).value = value
            self.initial = values
            self.query_one("#escalation", Collapsible).collapsed = (
                check.failure_threshold == 1
                and not check.escalation_channels
                and check.remind_every_seconds is None
                and check.escalation_policy is None
            )
            self.query_one("#kind-cron", RadioButton).value = schedule.is_cron
        for key, value in self._prefill.items():
            self.query_one(f"#{key}", Input).value = value
        self._show_kind()
        self.query_one("#name", Input).focus()
        await self._offer_channels()

    async def _offer_channels(self) -> None:
        """Under the field: what it can name, and who is alerted when it is left empty."""
        channels = await self.beatwatch.attempt(
            "load channels", self.beatwatch.service.alerts.channels()
        )
        if channels is None:
            return
        choices = self.query_one("#channel-choices", Static)
        if not channels:
            choices.update("no channels yet: incidents are recorded, but no one is alerted")
            return
        defaults = ", ".join(c.name for c in channels if c.is_default) or "none"
        self._channel_refs = channel_refs(channels)
        refs = sorted(self._channel_refs)
        choices.update(plain(f"names or tags: {', '.join(refs)}\ndefault channels: {defaults}"))

    @property
    def _is_cron(self) -> bool:
        return self.query_one("#kind-cron", RadioButton).value

    def _show_kind(self) -> None:
        cron = self._is_cron
        self.query_one("#field-every").display = not cron
        for key in ("cron", "tz"):
            self.query_one(f"#field-{key}").display = cron
        self._preview()

    def on_radio_set_changed(self) -> None:
        self._show_kind()

    def input_changed(self, event: Input.Changed) -> None:
        if event.input.id in ("every", "cron", "tz"):
            self._preview()
        if event.input.id == "max-duration" and not self.initial.get("max-duration"):
            # A new max duration is there to be alerted on, unless the user says otherwise.
            self.query_one("#alert-long", Checkbox).value = bool(event.value.strip())

    def _schedule(self) -> Schedule:
        """The schedule the fields describe; ValidationError names the field at fault."""
        if self._is_cron:
            cron = normalize_cron(self.text("cron"))
            tz = self.text("tz").strip() or local_zone_name()
            if not cron:
                raise ValidationError("cron", "give a cron expression, e.g. 0 3 * * *")
            return cron_schedule(cron, tz)
        every = _duration(self.text("every"), "every")
        if every is None:
            raise ValidationError("every", "give an interval, e.g. 1h")
        return Schedule(every_seconds=every)

    def _preview(self) -> None:
        preview = self.query_one("#preview", Static)
        try:
            schedule = self._schedule()
            due = upcoming(schedule, self.beatwatch.clock(), PREVIEW_COUNT)
        except (ValidationError, ScheduleError, OverflowError):
            preview.update("next due: (complete the schedule to see when)")
            return
        preview.update(schedule_preview(schedule, due))

    def _parts(self) -> list[Callable[[], dict[str, Any]]]:
        """The spec in parts that can be checked apart, each read from its own fields: an
        error in one says nothing of the others."""

        def schedule() -> dict[str, Any]:
            read = self._schedule()
            return {"every_seconds": read.every_seconds, "cron": read.cron, "tz": read.tz}

        def grace() -> dict[str, Any]:
            # Whether a grace fits depends on the schedule; until that reads, only whether
            # the grace itself does.
            values: dict[str, Any] = {"grace_seconds": _duration(self.text("grace"), "grace")}
            try:
                return values | schedule()
            except ValidationError:
                return {}

        return [
            lambda: {"name": self.text("name")},
            lambda: {"description": self.text("description").strip()},
            schedule,
            grace,
            lambda: {"max_duration_seconds": _duration(self.text("max-duration"), "max_duration")},
            lambda: {"host": self.text("host").strip() or None},
            lambda: {"tags": names_in(self.text("tags"))},
            lambda: {"channels": names_in(self.text("channels"))},
            lambda: {"failure_threshold": _threshold(self.text("failure-threshold"))},
            lambda: {
                "escalation_channels": names_in(self.text("escalate-to")),
                "escalate_after_seconds": _duration(self.text("escalate-after"), "escalate_after"),
                "remind_every_seconds": _duration(self.text("remind-every"), "remind_every"),
            },
            lambda: {"escalation_policy": self.text("policy").strip() or None},
        ]

    def _spec(self) -> CheckSpec:
        values: dict[str, Any] = {}
        for part in self._parts():
            values |= part()
        alerts = frozenset(
            a for a in AlertType if self.query_one(f"#alert-{a.value}", Checkbox).value
        )
        return CheckSpec(**values, alerts=alerts)

    def field_errors(self) -> dict[str, str]:
        """Each part checked by the service's own rules, on a check that is otherwise fine."""
        errors: dict[str, str] = {}
        for part in self._parts():
            try:
                spec = replace(_SOUND, **part())
                validate(spec)
                if self._channel_refs is not None and (
                    error := unknown_channel_error(spec, self._channel_refs, self._check)
                ):
                    raise error
            except ValidationError as exc:
                errors.setdefault(FIELD_INPUT.get(exc.field, FORM_ERROR), exc.message)
        return errors

    async def action_save(self) -> None:
        await self.save_with(lambda: self._store(self._spec()), FIELD_INPUT, "a check")

    async def _store(self, spec: CheckSpec) -> Check:
        service = self.beatwatch.service
        if self._check is None:
            return await service.add_check(spec, self._uuid)
        changes = {
            "name": spec.name,
            "every_seconds": spec.every_seconds,
            "cron": spec.cron,
            "tz": spec.tz,
            "max_duration_seconds": spec.max_duration_seconds,
            "host": spec.host,
            "tags": spec.tags,
            "channels": spec.channels,
            "alerts": spec.alerts,
            "description": spec.description,
            "failure_threshold": spec.failure_threshold,
            "escalation_channels": spec.escalation_channels,
            "escalate_after_seconds": spec.escalate_after_seconds,
            "remind_every_seconds": spec.remind_every_seconds,
            "escalation_policy": spec.escalation_policy,
        }
        # An untouched grace follows the schedule's default when the schedule changes.
        if self.text("grace") != self.initial.get("grace"):
            changes["grace_seconds"] = spec.grace_seconds
        return await service.update_check(str(self._check.id), **changes)
