"""Forms say what is wrong while the user types: a field's message appears a moment after the
last key and goes once the value is right; a save is refused beside the field, never by a
toast; a mistyped time zone gets a "did you mean", and completes as it is typed."""

from __future__ import annotations

from textual.widgets import Input

from beatwatch.core.validation import CheckSpec
from beatwatch.ui.app import BeatwatchApp
from beatwatch.ui.screens.channel_form import ChannelFormScreen
from beatwatch.ui.screens.channels import ChannelsScreen
from beatwatch.ui.screens.check_form import CheckFormScreen
from tests.conftest import wait_for
from tests.ui.conftest import SIZE


def error_of(app: BeatwatchApp, field: str) -> str:
    label = app.screen.query_one(f"#{field}-error")
    return str(label.render()) if label.display else ""


async def open_new_form(service, tmp_path) -> BeatwatchApp:
    await service.add_check(CheckSpec(name="placeholder", every_seconds=3600))
    return BeatwatchApp(service, run_engine=False, user_theme_dir=tmp_path)


async def type_cron(app: BeatwatchApp, pilot, expr: str) -> None:
    """In a new check's form: choose a cron schedule and type `expr`."""
    await pilot.press("n")
    await wait_for(lambda: isinstance(app.screen, CheckFormScreen))
    await pilot.click("#kind-cron")
    await pilot.click("#cron")
    await pilot.press(*expr)


async def test_a_bad_cron_is_explained_as_it_is_typed_and_the_message_goes_when_fixed(
    service, tmp_path
):
    app = await open_new_form(service, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await type_cron(app, pilot, "0 3 * * 9")
        await wait_for(lambda: "Bad day-of-week" in error_of(app, "cron"))
        # Only what the user has changed is blamed: the empty name is not, yet.
        assert error_of(app, "name") == ""
        await pilot.press("backspace", "1")
        await wait_for(lambda: error_of(app, "cron") == "")
        assert "at 03:00 on Monday" in str(app.screen.query_one("#preview").render())


async def test_a_corrected_time_zone_clears_its_message_and_a_close_one_is_suggested(
    service, tmp_path
):
    app = await open_new_form(service, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await type_cron(app, pilot, "30 2 * * 1-5")
        await pilot.click("#tz")
        await pilot.press(*"Europe/Berlnr")
        await wait_for(lambda: "did you mean Europe/Berlin?" in error_of(app, "tz"))
        await pilot.press(*["backspace"] * 2, *"in")
        await wait_for(lambda: error_of(app, "tz") == "")
        preview = str(app.screen.query_one("#preview").render())
        assert "at 02:30 on weekdays, Europe/Berlin" in preview

        # The zone completes as it is typed: → takes the suggestion.
        tz = app.screen.query_one("#tz", Input)
        tz.value = ""
        await pilot.press(*"america/new_y", "right")
        await wait_for(lambda: tz.value == "America/New_York")


async def test_a_save_is_refused_beside_each_wrong_field_and_never_by_a_toast(service, tmp_path):
    app = await open_new_form(service, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await wait_for(lambda: isinstance(app.screen, CheckFormScreen))
        await pilot.click("#every")
        await pilot.press(*"1h")
        await pilot.click("#grace")
        await pilot.press(*"45m")
        await pilot.press("ctrl+s")
        # Both at once, each beside its field; the first is focused.
        await wait_for(lambda: "the name must not be empty" in error_of(app, "name"))
        assert "may be at most half the interval" in error_of(app, "grace")
        assert app.screen.focused is app.screen.query_one("#name", Input)
        assert list(app._notifications) == []
        assert await service.get_check("placeholder") is not None
        assert len(await service.list_checks()) == 1

        await pilot.press(*"etl")
        await wait_for(lambda: error_of(app, "name") == "")
        app.screen.query_one("#grace", Input).focus()
        await pilot.press("end", "backspace", "backspace", "backspace", *"5m")
        await wait_for(lambda: error_of(app, "grace") == "")
        await pilot.press("ctrl+s")
        await wait_for(lambda: not isinstance(app.screen, CheckFormScreen))
        assert (await service.get_check("etl")).grace_seconds == 300


async def test_a_name_taken_stays_beside_the_field_until_it_is_changed(service, tmp_path):
    app = await open_new_form(service, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await wait_for(lambda: isinstance(app.screen, CheckFormScreen))
        await pilot.press(*"placeholder")
        await pilot.click("#every")
        await pilot.press(*"1h", "ctrl+s")
        await wait_for(lambda: "already" in error_of(app, "name"))
        # Typing elsewhere leaves the service's refusal where it is...
        await pilot.click("#host")
        await pilot.press(*"db1")
        await pilot.pause(0.6)
        assert "already" in error_of(app, "name")
        # ...changing the name takes it away.
        await pilot.click("#name")
        await pilot.press("2")
        await wait_for(lambda: error_of(app, "name") == "")


async def test_a_channel_url_is_judged_as_it_is_typed(service, tmp_path):
    app = BeatwatchApp(service, run_engine=False, user_theme_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("6")
        await wait_for(lambda: isinstance(app.screen, ChannelsScreen))
        await pilot.press("a")
        await wait_for(lambda: isinstance(app.screen, ChannelFormScreen))
        await pilot.press(*"ops")
        await pilot.click("#url")
        await pilot.press(*"nosuch://x")
        await wait_for(lambda: "does not know the scheme nosuch://" in error_of(app, "url"))
        app.screen.query_one("#url", Input).value = ""
        await pilot.press(*"json://127.0.0.1:9/hook")
        await wait_for(lambda: error_of(app, "url") == "")


async def test_a_bad_grace_shows_while_the_schedule_is_wrong_too(service, tmp_path):
    app = await open_new_form(service, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await wait_for(lambda: isinstance(app.screen, CheckFormScreen))
        for field, text in (("every", "soon"), ("grace", "later")):
            app.screen.query_one(f"#{field}", Input).focus()
            await pilot.press(*text)
        await wait_for(lambda: "'later' is not a duration" in error_of(app, "grace"))
        assert "'soon' is not a duration" in error_of(app, "every")
