"""The forms refuse control characters where a field has no business holding them, beside
the field, keeping the dialog open with what was typed."""

from __future__ import annotations

from textual.widgets import Input, Label

from beatwatch.ui.screens.channel_form import ChannelFormScreen
from beatwatch.ui.screens.channels import ChannelsScreen
from beatwatch.ui.screens.check_form import CheckFormScreen
from tests.conftest import wait_for
from tests.ui.test_flows import one_check_shown

ESC = "\x1b"


async def test_the_check_form_shows_the_refusal_beside_the_field(service, tmp_path):
    async with one_check_shown(service, tmp_path, "nightly-backup") as (app, pilot, check):
        await pilot.press("e")
        await wait_for(lambda: isinstance(app.screen, CheckFormScreen))
        for field, value in (("host", f"db1{ESC}]0;owned\x07"), ("tags", f"ok nightly{ESC}[2J")):
            app.screen.query_one(f"#{field}", Input).value = value
            await pilot.press("ctrl+s")
            error = app.screen.query_one(f"#{field}-error", Label)
            await wait_for(lambda error=error: "holds an escape (U+001B)" in str(error.render()))
            assert isinstance(app.screen, CheckFormScreen)
            app.screen.query_one(f"#{field}", Input).value = ""
        stored = await service.get_check(str(check.id))
        assert (stored.host, stored.tags) == (None, ())


async def test_the_channel_form_shows_the_refusal_beside_the_field(service, tmp_path):
    async with one_check_shown(service, tmp_path, "nightly-backup") as (app, pilot, _):
        await pilot.press("6")
        await wait_for(lambda: isinstance(app.screen, ChannelsScreen))
        await pilot.press("a")
        await wait_for(lambda: isinstance(app.screen, ChannelFormScreen))
        app.screen.query_one("#name", Input).value = f"ops{ESC}[2J"
        app.screen.query_one("#url", Input).value = "json://127.0.0.1:9/ops"
        await pilot.press("ctrl+s")
        error = app.screen.query_one("#name-error", Label)
        await wait_for(lambda: "name holds an escape (U+001B)" in str(error.render()))
        assert isinstance(app.screen, ChannelFormScreen)
        assert await service.alerts.channels() == []
