"""Each setting of the check form, set by keys in the TUI and read back as the command line
reports it (`check show --json`): the form reaches everything the CLI can set."""

from __future__ import annotations

from beatwatch.demo import FIXED_NOW
from beatwatch.engine.validation import CheckSpec
from beatwatch.ui.app import BeatwatchApp
from beatwatch.ui.screens.check_form import CheckFormScreen
from tests.conftest import wait_for
from tests.ui.conftest import SIZE, cli_json


def rendered(app: BeatwatchApp, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


async def test_a_cron_macro_is_explained_and_previewed_in_its_zone_and_local_time(
    service, tmp_path
):
    await service.add_check(CheckSpec(name="placeholder", every_seconds=3600))
    app = BeatwatchApp(service, run_engine=False, clock=lambda: FIXED_NOW, user_theme_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await wait_for(lambda: isinstance(app.screen, CheckFormScreen))
        await pilot.press(*"nightly")
        await pilot.click("#kind-cron")
        await pilot.click("#cron")
        await pilot.press(*"@daily")
        await pilot.click("#tz")
        await pilot.press(*"America/New_York")
        await wait_for(lambda: "at 00:00 every day, America/New_York" in rendered(app, "#preview"))
        preview = rendered(app, "#preview")
        # FIXED_NOW is in March, after New York went to summer time (UTC-4); local time here
        # is UTC.
        assert "Thu 12 Mar 00:00, Fri 13 Mar 00:00 (America/New_York)" in preview
        assert "in local time: Wed 11 Mar 04:00, Thu 12 Mar 04:00, Fri 13 Mar 04:00" in preview
        await pilot.press("ctrl+s")
        await wait_for(lambda: not isinstance(app.screen, CheckFormScreen))

    shown = cli_json(tmp_path, "check", "show", "nightly")
    assert (shown["cron"], shown["tz"], shown["every_seconds"]) == (
        "@daily",
        "America/New_York",
        None,
    )
