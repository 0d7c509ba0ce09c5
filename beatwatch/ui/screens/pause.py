"""Pause a check: for a while, until a time, or until resumed by hand."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from beatwatch.core.errors import DurationTooLong, ValidationError
from beatwatch.core.terminal_text import terminal_text
from beatwatch.core.timefmt import example_time, long_time, parse_duration, parse_time
from beatwatch.core.validation import pause_end
from beatwatch.ui.screens.on_app import OnBeatwatch


@dataclass(frozen=True, slots=True)
class Pause:
    """For `duration` seconds, until a time, or (neither) until resumed by hand."""

    duration: int | None = None
    until: float | None = None


def pause_asked(text: str, now: float) -> Pause:
    """The pause the user typed: a duration, a time, or nothing at all."""
    raw = text.strip()
    if not raw:
        return Pause()
    try:
        return Pause(duration=parse_duration(raw))
    except DurationTooLong:
        raise
    except ValueError:
        pass  # not a duration: perhaps a time
    try:
        until = parse_time(raw, now)
    except ValueError:
        raise ValueError(
            f"{raw!r} is neither a duration (30m, 2h, 1d) nor a time "
            f"(06:00, {example_time(now, 1, 6)})"
        ) from None
    if until <= now:
        raise ValueError(f"{raw!r} has passed; a pause must end in the future")
    return Pause(until=until)


class PauseScreen(OnBeatwatch, ModalScreen[Pause | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="pause.cancel"),
    ]

    def __init__(self, check_name: str, clock: Callable[[], float]) -> None:
        super().__init__()
        self._check_name = check_name
        self._clock = clock

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(f"Pause {terminal_text(self._check_name)}"), classes="dialog-title")
            yield Static(
                "A paused check is not evaluated and never alerts. When the pause ends, its "
                "clock starts again from that moment.",
                classes="dialog-text",
            )
            yield Label("For how long, or until when (empty: until you resume it)")
            example = example_time(self._clock(), 1, 6)
            yield Input(placeholder=f"2h · 30m · 1d · 06:00 · {example}", id="until")
            yield Label("", id="until-error", classes="field-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button(Text("Pause [enter]"), variant="primary", id="pause")
                cancel = self.beatwatch.key_for("pause.cancel")
                yield Button(Text(f"Cancel [{cancel}]"), id="cancel")

    def _read(self) -> tuple[Pause, float | None]:
        """The pause typed and when it would end, checked by the service's own rule, so that
        what the service would refuse is said here, beside the field."""
        now = self._clock()
        pause = pause_asked(self.query_one("#until", Input).value, now)
        try:
            return pause, pause_end(now, pause.until, pause.duration)
        except ValidationError as exc:
            raise exc.named({"until": "the pause's end"}) from None

    def on_input_changed(self) -> None:
        error = self.query_one("#until-error", Label)
        try:
            _, until = self._read()
        except ValueError as exc:
            error.update(str(exc))
            return
        error.update("until resumed by hand" if until is None else f"until {long_time(until)}")

    def on_input_submitted(self) -> None:
        self._submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "pause":
            self._submit()
        else:
            self.dismiss(None)

    def _submit(self) -> None:
        try:
            pause, _ = self._read()
        except ValueError as exc:
            self.query_one("#until-error", Label).update(str(exc))
            return
        self.dismiss(pause)

    def action_cancel(self) -> None:
        self.dismiss(None)
