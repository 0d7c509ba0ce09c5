"""Add a notification channel: a name, an Apprise URL, and whether it is a default channel.
The service checks the URL; its complaint is shown beside the field it is about."""

from __future__ import annotations

import logging
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Input, Label, Static

from beatwatch.core.errors import ValidationError
from beatwatch.core.model import Channel
from beatwatch.ui.screens.form import FieldSpec, FormScreen, labelled_input

log = logging.getLogger("beatwatch.ui")
FIELDS = (
    FieldSpec("name", "Name", "ops-mail"),
    FieldSpec("url", "Apprise URL", "mailto://user:pass@mail.example.com?to=ops@example.com"),
    FieldSpec("tags", "Tags", "optional, comma separated: oncall, email"),
)


class ChannelFormScreen(FormScreen[Channel | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="channel-form.save"),
        Binding("escape", "cancel", "Cancel", id="channel-form.cancel"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("New channel", classes="dialog-title")
            yield Static(
                "Any URL Apprise knows: mailto://, ntfys://, slack://, json://… It is kept "
                "as a secret and shown masked from now on.",
                classes="dialog-text",
            )
            for spec in FIELDS:
                yield from labelled_input(spec)
            yield Checkbox(
                "Default: alert here for every check that names no channel", id="default"
            )
            yield Label("", id="form-error", classes="field-error")
            with Horizontal(classes="dialog-buttons"):
                key = self.beatwatch.key_for
                save = Text(f"Add [{key('channel-form.save')}]")
                yield Button(save, variant="primary", id="save")
                yield Button(Text(f"Cancel [{key('channel-form.cancel')}]"), id="cancel")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#name", Input).focus()

    async def action_save(self) -> None:
        self.clear_errors()
        tags = tuple(t for t in self.text("tags").replace(",", " ").split() if t)
        try:
            channel = await self.beatwatch.service.alerts.add_channel(
                self.text("name"),
                self.text("url").strip(),
                is_default=self.query_one("#default", Checkbox).value,
                tags=tags,
            )
        except ValidationError as exc:
            known = exc.field in {spec.key for spec in FIELDS}
            self.show_error(exc.field if known else None, exc.message)
            return
        except Exception as exc:
            # The form stays open with what was typed, so nothing is lost.
            log.exception("could not add a channel")
            self.show_error(None, f"could not save: {exc}")
            return
        self.dismiss(channel)
