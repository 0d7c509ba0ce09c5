"""Add a notification channel or change one in place: a name, an Apprise URL, tags and whether
it is a default channel. The service checks the URL; its complaint is shown beside the field it
is about. An edit keeps the channel's queued messages, and never shows its URL: the URL is a
secret, so the field starts empty and an empty field keeps it."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Input, Label, Static

from beatwatch.core.errors import ValidationError
from beatwatch.core.model import Channel
from beatwatch.core.terminal_text import terminal_text
from beatwatch.core.validation import refuse_control_in
from beatwatch.service.alerts import channel_name, channel_url
from beatwatch.ui.screens.form import FieldSpec, FormScreen, labelled_input, names_in
from beatwatch.ui.widgets.marks import MarkedCheckbox

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

    def __init__(self, channel: Channel | None = None) -> None:
        super().__init__()
        self._channel = channel

    def compose(self) -> ComposeResult:
        channel = self._channel
        with Vertical(classes="dialog"):
            yield Label(
                Text(
                    "New channel"
                    if channel is None
                    else f"Edit channel {terminal_text(channel.name)}"
                ),
                classes="dialog-title",
            )
            yield Static(
                "Any URL Apprise knows: mailto://, ntfys://, slack://, json://… It is kept "
                "as a secret and shown masked from now on."
                if channel is None
                else "Messages waiting for this channel stay queued and go out once, to the "
                "URL it has when they are sent.",
                classes="dialog-text",
            )
            for spec in FIELDS:
                yield from labelled_input(spec)
            yield MarkedCheckbox(
                "Default: alert here for every check that names no channel", id="default"
            )
            yield Label("", id="form-error", classes="field-error")
            with Horizontal(classes="dialog-buttons"):
                key = self.beatwatch.key_for
                verb = "Add" if channel is None else "Save"
                save = Text(f"{verb} [{key('channel-form.save')}]")
                yield Button(save, variant="primary", id="save")
                yield Button(Text(f"Cancel [{key('channel-form.cancel')}]"), id="cancel")

    def on_mount(self) -> None:
        super().on_mount()
        if (channel := self._channel) is not None:
            self.initial = {"name": channel.name, "tags": ", ".join(channel.tags)}
            self.query_one("#name", Input).value = channel.name
            kept = terminal_text(channel.masked_url)
            self.query_one("#url", Input).placeholder = f"empty: keep {kept}"
            self.query_one("#tags", Input).value = ", ".join(channel.tags)
            self.query_one("#default", Checkbox).value = channel.is_default
        self.query_one("#name", Input).focus()

    def field_errors(self) -> dict[str, str]:
        errors: dict[str, str] = {}
        url = self.text("url").strip()
        for key, check, value in (
            ("name", channel_name, self.text("name")),
            ("url", channel_url, url),
        ):
            if key == "url" and not url and self._channel is not None:
                continue  # empty keeps the URL it has
            try:
                check(value)
            except ValidationError as exc:
                errors[key] = exc.message
        try:
            refuse_control_in("tags", names_in(self.text("tags")))
        except ValidationError as exc:
            errors["tags"] = exc.message
        return errors

    async def action_save(self) -> None:
        await self.save_with(self._store, {spec.key: spec.key for spec in FIELDS}, "a channel")

    async def _store(self) -> Channel:
        alerts = self.beatwatch.service.alerts
        name, url = self.text("name"), self.text("url").strip()
        tags = names_in(self.text("tags"))
        is_default = self.query_one("#default", Checkbox).value
        if self._channel is None:
            return await alerts.add_channel(name, url, is_default=is_default, tags=tags)
        return await alerts.update_channel(
            self._channel.name, new_name=name, url=url or None, is_default=is_default, tags=tags
        )
