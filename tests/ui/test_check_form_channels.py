"""Routing a check's alerts from the check form: the channels field offers what exists and
refuses, beside the field, a name that matches no channel."""

from __future__ import annotations

from collections.abc import Callable

from textual.pilot import Pilot
from textual.widgets import Input

from beatwatch.ui.app import BeatwatchApp
from beatwatch.ui.screens.check_form import CheckFormScreen
from tests.conftest import wait_for
from tests.ui.test_flows import one_check_shown


async def edit_form_text(app: BeatwatchApp, pilot: Pilot[None], selector: str) -> Callable[[], str]:
    """Open the selected check's edit form; what the widget at `selector` shows, read anew
    at each call."""
    await pilot.press("e")
    await wait_for(lambda: isinstance(app.screen, CheckFormScreen))
    widget = app.screen.query_one(selector)
    return lambda: str(widget.render())


async def test_route_a_check_to_a_channel_tag_from_the_form(service, tmp_path):
    await service.alerts.add_channel("ops", "json://127.0.0.1:9/ops", is_default=True)
    await service.alerts.add_channel("pager", "json://127.0.0.1:9/pager", tags=("oncall",))
    async with one_check_shown(service, tmp_path, "nightly-backup") as (app, pilot, check):
        choices = await edit_form_text(app, pilot, "#channel-choices")
        await wait_for(lambda: "names or tags: oncall, ops, pager" in choices())
        assert "default channels: ops" in choices()

        await pilot.click("#channels")
        await pilot.press(*"oncal", "ctrl+s")
        error = app.screen.query_one("#channels-error")
        await wait_for(lambda: "no channel is named or tagged 'oncal'" in str(error.render()))
        assert "known: oncall, ops, pager" in str(error.render())
        assert (await service.get_check(str(check.id))).channels == ()

        await pilot.press("l", "ctrl+s")
        await wait_for(lambda: not isinstance(app.screen, CheckFormScreen))
        assert (await service.get_check(str(check.id))).channels == ("oncall",)

        # The form shows what is stored, and emptying the field goes back to the defaults.
        await pilot.press("e")
        await wait_for(lambda: isinstance(app.screen, CheckFormScreen))
        field = app.screen.query_one("#channels", Input)
        assert field.value == "oncall"
        field.value = ""
        await pilot.press("ctrl+s")
        await wait_for(lambda: not isinstance(app.screen, CheckFormScreen))
        assert (await service.get_check(str(check.id))).channels == ()


async def test_the_form_says_so_when_no_channel_would_alert_anyone(service, tmp_path):
    async with one_check_shown(service, tmp_path, "nightly-backup") as (app, pilot, _):
        choices = await edit_form_text(app, pilot, "#channel-choices")
        await wait_for(lambda: "no one is alerted" in choices())


async def test_channel_names_are_offered_as_typed_never_as_markup(service, tmp_path):
    await service.alerts.add_channel("ops [bold]room[/bold]", "json://127.0.0.1:9/ops")
    async with one_check_shown(service, tmp_path, "nightly-backup") as (app, pilot, _):
        choices = await edit_form_text(app, pilot, "#channel-choices")
        await wait_for(lambda: "names or tags: ops [bold]room[/bold]" in choices())


async def test_the_form_names_the_check_as_typed_never_as_markup(service, tmp_path):
    async with one_check_shown(service, tmp_path, "dump [/x] db") as (app, pilot, _):
        title = await edit_form_text(app, pilot, ".dialog-title")
        await wait_for(lambda: "Edit dump [/x] db" in title())
