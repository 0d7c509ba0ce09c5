"""Notification channels: where alerts go, and whether the last message got through.

A channel URL holds secrets, so only its masked form is ever shown."""

from __future__ import annotations

from functools import partial
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType

from beatwatch.core.model import Channel, Check
from beatwatch.core.presentation import counted
from beatwatch.core.timefmt import format_relative
from beatwatch.ui.screens.channel_form import ChannelFormScreen
from beatwatch.ui.screens.confirm import ConfirmScreen
from beatwatch.ui.screens.live_table import LiveTableScreen, Row
from beatwatch.ui.table_view import ACTION_TOKEN


def channel_status(channel: Channel, now: float) -> str:
    if channel.failing:
        if channel.last_error_at is None:
            return "✖ failing"
        return f"✖ failing, last tried {format_relative(channel.last_error_at, now)}"
    if channel.last_success_at is not None:
        return f"● working, last sent {format_relative(channel.last_success_at, now)}"
    return "○ nothing sent yet"


def names_of(checks: list[Check], shown: int = 5) -> str:
    """ "backup, certbot and 3 more": enough names to recognise, never a wall of them."""
    names = ", ".join(check.name for check in checks[:shown])
    return f"{names} and {len(checks) - shown} more" if len(checks) > shown else names


class ChannelsScreen(LiveTableScreen):
    COLUMNS = ("Name", "URL", "Default", "Tags", "Status")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add", "Add", id="channels.add"),
        Binding("e", "edit", "Edit", id="channels.edit"),
        Binding("t", "test", "Test alert", id="channels.test"),
        Binding("m", "toggle_default", "Default on/off", id="channels.default"),
        Binding("d", "remove", "Remove", id="channels.remove"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._channels: dict[str, Channel] = {}

    async def load(self) -> tuple[Text | str, list[Row]] | None:
        app = self.beatwatch
        channels = await app.attempt("load channels", app.service.alerts.channels())
        if channels is None:
            return None
        now = app.clock()
        self._channels = {c.name: c for c in channels}
        error = app.theme_variables.get("error", "")
        rows = [
            Row(
                channel.name,
                (
                    Text(channel.name, style="bold"),
                    channel.masked_url,
                    "yes" if channel.is_default else "",
                    ", ".join(channel.tags),
                    Text(channel_status(channel, now), style=error if channel.failing else ""),
                ),
                # Failing first when sorted by status.
                sort_keys={4: (not channel.failing, channel_status(channel, now))},
                facts=frozenset({ACTION_TOKEN} if channel.failing else ()),
            )
            for channel in channels
        ]
        return self._summary(channels), rows

    def _summary(self, channels: list[Channel]) -> str:
        key = self.beatwatch.key_for
        if not channels:
            return (
                f"No channels yet, so no alert can be sent — press {key('channels.add')} to "
                "add one."
            )
        failing = sum(c.failing for c in channels)
        defaults = sum(c.is_default for c in channels)
        # One line at 120 columns, the keys included.
        return (
            f"{counted(len(channels), 'channel')}, {defaults} default (alerted by checks that "
            f"name none), {failing} failing  —  {key('channels.add')}: add · "
            f"{key('channels.edit')}: edit · {key('channels.test')}: test · "
            f"{key('channels.default')}: default · "
            f"{key('channels.remove')}: remove"
        )

    def detail(self, key: str) -> Text | str:
        channel = self._channels.get(key)
        if channel is None:
            return ""
        text = Text(f"{channel.name}: {channel.masked_url}")
        if channel.failing:
            text.append(f"\nlast error: {channel.last_error or 'no reason given'}")
            key = self.beatwatch.key_for
            text.append(
                f"\nAlerts for it are retried; {key('channels.edit')} fixes the URL (they stay "
                f"queued), {key('channels.test')} sends a test."
            )
        return text

    def _selected(self) -> Channel | None:
        channel = self._channels.get(self.selected_key() or "")
        if channel is None:
            self.notify("Select a channel first.", severity="warning")
        return channel

    def action_add(self) -> None:
        def added(channel: Channel | None) -> None:
            if channel is not None:
                self.notify(f"Channel {channel.name} added.", title="Added")
                self.reload()

        self.app.push_screen(ChannelFormScreen(), added)

    def action_edit(self) -> None:
        if (channel := self._selected()) is None:
            return

        def edited(changed: Channel | None) -> None:
            if changed is not None:
                self.notify(f"Channel {changed.name} changed.", title="Changed")
                self.reload()

        self.app.push_screen(ChannelFormScreen(channel), edited)

    async def action_test(self) -> None:
        if (channel := self._selected()) is not None:
            await self.beatwatch.test_channels([channel.name])
            self.reload()

    async def action_toggle_default(self) -> None:
        if (channel := self._selected()) is None:
            return
        app = self.beatwatch
        changed = await app.attempt(
            "change the channel",
            app.service.alerts.update_channel(channel.name, is_default=not channel.is_default),
        )
        if changed is None:
            return
        self.reload()
        if changed.is_default:
            self.notify(
                f"{changed.name} is now a default channel: checks that name no channel alert it.",
                title="Default",
            )
        else:
            await self._say_unmarked(changed.name)

    async def _say_unmarked(self, name: str) -> None:
        """Unmarking the last default leaves the checks that name no channel alerting no one:
        that is said loudly, naming them, as `channel rm` names the checks it affects."""
        app = self.beatwatch
        stranded = await app.attempt("load checks", app.service.alerts.checks_alerting_no_one())
        if not stranded:
            self.notify(f"{name} is no longer a default channel.", title="Not default")
            return
        self.notify(
            f"{name} is no longer a default channel, and no other channel is: the alerts of "
            f"{counted(len(stranded), 'check')} now reach no one ({names_of(stranded)}). "
            f"{app.key_for('channels.default')} on any channel makes it a default.",
            title="No default channel",
            severity="warning",
            timeout=20,
        )

    def action_remove(self) -> None:
        if (channel := self._selected()) is None:
            return
        self.app.push_screen(
            ConfirmScreen(
                f"Remove the channel {channel.name}?",
                "Alerts still waiting to be sent to it are dropped, along with its delivery "
                "history. Checks that name only this channel alert the default channels "
                "instead.",
                confirm="Remove",
            ),
            partial(self._remove, channel.name),
        )

    async def _remove(self, name: str, yes: bool | None) -> None:
        if yes and await self.beatwatch.attempt(
            "remove the channel", self.beatwatch.service.alerts.remove_channel(name)
        ):
            self.notify(f"Channel {name} removed.", title="Removed")
            self.reload()
