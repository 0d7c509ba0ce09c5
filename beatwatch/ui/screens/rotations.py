"""Rotations: who is on call now in each, who is next and when the hand-off is; `o` then
enter puts the next person on call until that hand-off (or whoever is typed, until when)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from beatwatch.core.errors import ValidationError
from beatwatch.core.oncall import describe
from beatwatch.core.terminal_text import terminal_text
from beatwatch.core.timefmt import parse_time, short_time, when
from beatwatch.service.oncall import RotationStatus
from beatwatch.ui.screens.live_table import LiveTableScreen, Row
from beatwatch.ui.screens.on_app import OnBeatwatch

# What the override dialog's fields are called in the service's errors.
_FIELDS = {"person": "person", "ends_at": "until", "starts_at": "until"}
SaveOverride = Callable[[str, float], Awaitable[None]]


def typed_time(t: float) -> str:
    """`t` as the override dialog's field shows it and `parse_time` reads it back: local."""
    return datetime.fromtimestamp(t).astimezone().strftime("%Y-%m-%dT%H:%M")


class OverrideScreen(OnBeatwatch, ModalScreen[bool]):
    """Who covers the rotation from now, until when; opens filled in, so enter saves."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="override.cancel"),
    ]

    def __init__(
        self,
        rotation: str,
        person: str,
        until: float,
        clock: Callable[[], float],
        save: SaveOverride,
    ) -> None:
        super().__init__()
        self._rotation = rotation
        self._person = person
        self._until = until
        self._clock = clock
        self._save = save

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(
                Text(f"Cover {terminal_text(self._rotation)} from now"), classes="dialog-title"
            )
            yield Static(
                "Whoever covers is on call instead of the rotation's own person, and is told of "
                "open incidents nobody has acknowledged.",
                classes="dialog-text",
            )
            yield Label("Who covers")
            yield Input(terminal_text(self._person), id="person")
            yield Label("", id="person-error", classes="field-error")
            yield Label("Until (local time)")
            yield Input(typed_time(self._until), placeholder="2026-12-07T09:00", id="until")
            yield Label("", id="until-error", classes="field-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button(Text("Save [enter]"), variant="primary", id="save")
                cancel = self.beatwatch.key_for("override.cancel")
                yield Button(Text(f"Cancel [{cancel}]"), id="cancel")

    def on_mount(self) -> None:
        self.query_one("#until", Input).focus()

    async def on_input_submitted(self) -> None:
        await self._submit()

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            await self._submit()
        else:
            self.dismiss(False)

    def _error(self, field: str, message: str) -> None:
        for key in ("person", "until"):
            self.query_one(f"#{key}-error", Label).update(message if key == field else "")

    async def _submit(self) -> None:
        person = self.query_one("#person", Input).value
        try:
            until = parse_time(self.query_one("#until", Input).value, self._clock())
        except ValueError as exc:
            self._error("until", str(exc))
            return
        try:
            await self._save(person, until)
        except ValidationError as exc:
            self._error(_FIELDS.get(exc.field, "until"), exc.message)
            return
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)


class RotationsScreen(LiveTableScreen):
    COLUMNS = ("Rotation", "On call", "Next", "Hand-off", "Rule")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("o", "override", "Cover (override)", id="rotations.override"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._board: dict[str, RotationStatus] = {}

    async def load(self) -> tuple[Text | str, list[Row]] | None:
        app = self.beatwatch
        now = app.clock()
        board = await app.attempt("load rotations", app.service.oncall.board(now))
        if board is None:
            return None
        self._board = {s.rotation.name: s for s in board}
        rows = [self._row(status, now) for status in board]
        return self._summary(board), rows

    def _row(self, status: RotationStatus, now: float) -> Row:
        on_call = Text()
        on_call.append(status.on_call or "nobody", "bold")
        if status.override is not None:
            on_call.append(f" (covers until {short_time(status.override.ends_at)})", "dim")
        coming = status.handoffs[0] if status.handoffs else None
        return Row(
            status.rotation.name,
            (
                status.rotation.name,
                on_call,
                status.next_person or "-",
                when(coming.at, now) if coming else "-",
                describe(status.rotation, terse=True),
            ),
        )

    def _summary(self, board: list[RotationStatus]) -> Text:
        if not board:
            return Text(
                "No rotations yet: add people and a rotation from the command line "
                "(beatwatch person add, beatwatch rotation add)."
            )
        key = self.beatwatch.key_for("rotations.override")
        summary = Text(f"{len(board)} rotation{'s' if len(board) != 1 else ''}", "bold")
        summary.append(f"  —  {key}: someone covers from now (enter saves)", "dim")
        return summary

    def detail(self, key: str) -> Text | str:
        status = self._board.get(key)
        if status is None:
            return ""
        people = ", ".join(status.rotation.people)
        coming = "; ".join(
            f"{short_time(h.at)} {h.previous or 'nobody'} → {h.person or 'nobody'}"
            for h in status.handoffs
        )
        return f"In turn: {people}. Coming hand-offs: {coming or 'none'}."

    def action_override(self) -> None:
        status = self._board.get(self.selected_key() or "")
        if status is None:
            self.notify("Select a rotation first.", severity="warning")
            return
        app = self.beatwatch
        coming = status.handoffs[0] if status.handoffs else None
        person = status.next_person or status.on_call or ""
        until = coming.at if coming else app.clock() + 86400
        name = status.rotation.name

        async def save(who: str, ends_at: float) -> None:
            await app.service.oncall.add_override(name, who, None, ends_at, now=app.clock())

        def saved(done: bool | None) -> None:
            if done:
                self.notify(f"Override saved for {terminal_text(name)}.")
                self.reload()

        app.push_screen(OverrideScreen(name, person, until, app.clock, save), saved)
