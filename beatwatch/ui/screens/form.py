"""What the edit dialogs share: labelled inputs with an error line under each, one error
line for the whole form, Enter or Save to save, Escape or Cancel to close unsaved."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.screen import ModalScreen
from textual.widgets import Button, Collapsible, Input, Label

from beatwatch.ui.screens.on_app import OnBeatwatch

T = TypeVar("T")
FORM_ERROR = "form"


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
    """A dialog that saves through `action_save` and shows refusals beside their field."""

    def on_mount(self) -> None:
        self.clear_errors()

    def clear_errors(self) -> None:
        for label in self.query(".field-error").results(Label):
            label.update("")
            label.display = False

    async def action_save(self) -> None:
        raise NotImplementedError

    def text(self, key: str) -> str:
        return self.query_one(f"#{key}", Input).value

    def show_error(self, input_id: str | None, message: str) -> None:
        """Show `message` under the input `input_id` and focus it; None: the whole form."""
        label = self.query_one(f"#{input_id or FORM_ERROR}-error", Label)
        label.update(f"✖ {message}")
        label.display = True
        if input_id:
            field = self.query_one(f"#{input_id}", Input)
            # A field folded away is unfolded to show its error.
            for folded in field.ancestors_with_self:
                if isinstance(folded, Collapsible):
                    folded.collapsed = False
            field.focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.run_worker(self.action_save(), exclusive=True)
        else:
            self.dismiss(None)

    def on_input_submitted(self) -> None:
        self.run_worker(self.action_save(), exclusive=True)

    def action_cancel(self) -> None:
        self.dismiss(None)
