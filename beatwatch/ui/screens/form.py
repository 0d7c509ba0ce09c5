"""What the edit dialogs share: labelled inputs with an error line under each, one error
line for the whole form, Enter or Save to save, Escape or Cancel to close unsaved.

Errors show as the user types: a moment after the last key, every field the user has changed
is checked again, so its message appears while it is wrong and goes once it is right. A
refusal from the service on save stays beside its field until that field is changed."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Button, Collapsible, Input, Label

from beatwatch.core.errors import NotFound, ValidationError
from beatwatch.core.terminal_text import terminal_text
from beatwatch.ui.screens.on_app import OnBeatwatch

log = logging.getLogger("beatwatch.ui")
T = TypeVar("T")
FORM_ERROR = "form"
# How long typing must pause before the fields are checked again: long enough not to flash a
# message at every key of a word being typed.
LIVE_CHECK_DELAY = 0.4


@dataclass(frozen=True, slots=True)
class FieldSpec:
    key: str
    label: str
    placeholder: str


def names_in(text: str) -> tuple[str, ...]:
    """Comma- or space-separated names (tags, channels), in the order typed."""
    return tuple(t for t in text.replace(",", " ").split() if t)


def labelled_input(spec: FieldSpec) -> ComposeResult:
    """An input with its label, and the error line under it (hidden until needed)."""
    with Horizontal(classes="field", id=f"field-{spec.key}"):
        yield Label(spec.label, classes="field-label")
        yield Input(placeholder=spec.placeholder, id=spec.key)
    yield Label("", id=f"{spec.key}-error", classes="field-error")


class FormScreen(OnBeatwatch, ModalScreen[T]):
    """A dialog that saves through `action_save` and shows refusals beside their field.

    A form says what is wrong with its fields in `field_errors`; `initial` holds the values
    its inputs opened with, so that a field the user has not changed is not blamed yet."""

    def __init__(self) -> None:
        super().__init__()
        self.initial: dict[str, str] = {}
        self._touched: set[str] = set()
        self._kept: dict[str, str] = {}
        self._live_check: Timer | None = None

    def on_mount(self) -> None:
        self.clear_errors()

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """Mark the field holding the focus, for its label to show it in shape."""
        for field in self.query(".field"):
            field.set_class(event.widget in field.children, "-focused")

    def clear_errors(self) -> None:
        self._kept.clear()
        for label in self.query(".field-error").results(Label):
            label.update("")
            label.display = False

    def field_errors(self) -> dict[str, str]:
        """What is wrong now, as {input id: message}; the whole form's under FORM_ERROR."""
        return {}

    async def action_save(self) -> None:
        raise NotImplementedError

    async def save_with(
        self,
        saving: Callable[[], Awaitable[T]],
        field_inputs: Mapping[str, str],
        what: str,
        passing: tuple[type[Exception], ...] = (),
    ) -> None:
        """Refuse what the fields show wrong, beside them; else run `saving` and close with
        what it returns. The service's refusal is shown beside its field (`field_inputs` maps
        its field names to inputs), anything else under the form, which stays open with what
        was typed, so nothing is lost. Errors of the kinds `passing` are the caller's."""
        if self.refuse_invalid():
            return
        self.clear_errors()
        try:
            result = await saving()
        except passing:
            raise
        except ValidationError as exc:
            self.show_error(field_inputs.get(exc.field), exc.message)
            return
        except NotFound as exc:
            self.show_error(None, str(exc))
            return
        except Exception as exc:
            log.exception("could not save %s", what)
            self.show_error(None, f"could not save: {exc}")
            return
        self.dismiss(result)

    def refuse_invalid(self) -> bool:
        """Before a save: show every field's error beside it, focus the first, and say
        whether there were any."""
        errors = self.field_errors()
        self._touched.update(errors)
        self._show_live(errors)
        for input_id in errors:
            if input_id != FORM_ERROR:
                self.show_error(input_id, errors[input_id])
                break
        return bool(errors)

    def text(self, key: str) -> str:
        return self.query_one(f"#{key}", Input).value

    def show_error(self, input_id: str | None, message: str) -> None:
        """Show `message` under the input `input_id` and focus it; None: the whole form."""
        self._kept[input_id or FORM_ERROR] = message
        self._set_error(input_id or FORM_ERROR, message)
        if input_id:
            field = self.query_one(f"#{input_id}", Input)
            # A field folded away is unfolded to show its error.
            for folded in field.ancestors_with_self:
                if isinstance(folded, Collapsible):
                    folded.collapsed = False
            field.focus()

    def _set_error(self, key: str, message: str | None) -> None:
        label = self.query_one(f"#{key}-error", Label)
        # A refusal may quote what was typed or stored: shown as text, never as markup.
        label.update(Text(f"✖ {terminal_text(message, multiline=True)}") if message else "")
        label.display = bool(message)

    def on_input_changed(self, event: Input.Changed) -> None:
        field = event.input.id or ""
        if event.value != self.initial.get(field, ""):
            self._touched.add(field)
        self._kept.pop(field, None)
        self._kept.pop(FORM_ERROR, None)
        self.input_changed(event)
        self.recheck()

    def input_changed(self, event: Input.Changed) -> None:
        """What a form does at once when an input changes (its live hints)."""

    def recheck(self) -> None:
        """Check the fields again once typing pauses."""
        if self._live_check is not None:
            self._live_check.stop()
        self._live_check = self.set_timer(
            LIVE_CHECK_DELAY, lambda: self._show_live(self.field_errors())
        )

    def _show_live(self, errors: dict[str, str]) -> None:
        for label in self.query(".field-error").results(Label):
            key = (label.id or "").removesuffix("-error")
            message = errors.get(key) if key in self._touched else None
            self._set_error(key, message or self._kept.get(key))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.run_worker(self.action_save(), exclusive=True)
        else:
            self.dismiss(None)

    def on_input_submitted(self) -> None:
        self.run_worker(self.action_save(), exclusive=True)

    def action_cancel(self) -> None:
        self.dismiss(None)
