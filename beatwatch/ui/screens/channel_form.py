"""Add a notification channel: a name, an Apprise URL, and whether it is a default channel.
The service checks the URL; its complaint is shown beside the field it is about."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Static

from beatwatch.engine.model import Channel
from beatwatch.engine.validation import ValidationError
from beatwatch.ui.screens.check_form import FieldSpec

if TYPE_CHECKING:
    from beatwatch.ui.app import BeatwatchApp

log = logging.getLogger("beatwatch.ui")
FIELDS = (
    FieldSpec("name", "Name", "ops-mail"),
    FieldSpec("url", "Apprise URL", "mailto://user:pass@mail.example.com?to=ops@example.com"),
    FieldSpec("tags", "Tags", "optional, comma separated: oncall, email"),
)


class ChannelFormScreen(ModalScreen[Channel | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="channel-form.save"),
        Binding("escape", "cancel", "Cancel", id="channel-form.cancel"),
    ]

    @property
    def beatwatch(self) -> BeatwatchApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("New channel", classes="dialog-title")
            yield Static(
                "Any URL Apprise knows: mailto://, ntfys://, slack://, json://… It is kept "
                "as a secret and shown masked from now on.",
                classes="dialog-text",
            )
            for spec in FIELDS:
                with Horizontal(classes="field"):
                    yield Label(spec.label, classes="field-label")
                    yield Input(placeholder=spec.placeholder, id=spec.key)
                yield Label("", id=f"{spec.key}-error", classes="field-error")
            yield Checkbox(
                "Default: alert here for every check that names no channel", id="default"
            )
            yield Label("", id="form-error", classes="field-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button(Text("Add [ctrl+s]"), variant="primary", id="save")
                yield Button(Text("Cancel [esc]"), id="cancel")

    def on_mount(self) -> None:
        for label in self.query(".field-error"):
            label.display = False
        self.query_one("#name", Input).focus()

    def _text(self, key: str) -> str:
        return self.query_one(f"#{key}", Input).value

    async def action_save(self) -> None:
        for label in self.query(".field-error").results(Label):
            label.display = False
        tags = tuple(t for t in self._text("tags").replace(",", " ").split() if t)
        try:
            channel = await self.beatwatch.service.alerts.add_channel(
                self._text("name"),
                self._text("url").strip(),
                is_default=self.query_one("#default", Checkbox).value,
                tags=tags,
            )
        except ValidationError as exc:
            self._show_error(exc.field, exc.message)
            return
        except Exception as exc:
            # The form stays open with what was typed, so nothing is lost.
            log.exception("could not add a channel")
            self._show_error("form", f"could not save: {exc}")
            return
        self.dismiss(channel)

    def _show_error(self, field_name: str, message: str) -> None:
        known = field_name in {spec.key for spec in FIELDS}
        label = self.query_one(f"#{field_name}-error" if known else "#form-error", Label)
        label.update(f"✖ {message}")
        label.display = True
        if known:
            self.query_one(f"#{field_name}", Input).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.run_worker(self.action_save(), exclusive=True)
        else:
            self.dismiss(None)

    def on_input_submitted(self) -> None:
        self.run_worker(self.action_save(), exclusive=True)

    def action_cancel(self) -> None:
        self.dismiss(None)
