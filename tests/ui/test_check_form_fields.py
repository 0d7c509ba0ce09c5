"""Each setting of the check form, set by keys in the TUI and read back as the command line
reports it (`check show --json`): the form reaches everything the CLI can set."""

from __future__ import annotations

from textual.widgets import Collapsible, Input

from beatwatch.core.validation import CheckSpec
from beatwatch.demo import FIXED_NOW
from beatwatch.ui.app import BeatwatchApp
from beatwatch.ui.screens.check_detail import CheckDetailScreen
from beatwatch.ui.screens.check_form import CheckFormScreen
from beatwatch.ui.widgets.checks_table import ChecksTable
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


def typed_into(app: BeatwatchApp, key: str, text: str) -> None:
    """The value a user would type into the field `key`."""
    app.screen.query_one(f"#{key}", Input).value = text


async def test_every_field_set_in_the_form_reads_back_through_the_cli(service, tmp_path):
    await service.alerts.add_channel("ops", "json://127.0.0.1:9/ops", is_default=True)
    await service.alerts.add_channel("pager", "json://127.0.0.1:9/pager", tags=("oncall",))
    await service.add_check(CheckSpec(name="placeholder", every_seconds=3600))
    app = BeatwatchApp(service, run_engine=False, user_theme_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await wait_for(lambda: isinstance(app.screen, CheckFormScreen))
        # The rarely used settings start folded away.
        folded = app.screen.query_one("#escalation", Collapsible)
        assert folded.collapsed
        await pilot.press(*"db dump")
        await pilot.press("tab")
        await pilot.press(*"pg_dump of main")
        for key, text in {
            "every": "1h30m",
            "grace": "10m",
            "max-duration": "20m",
            "host": "db1",
            "tags": "nightly, postgres",
            "channels": "ops",
        }.items():
            typed_into(app, key, text)
        folded.collapsed = False
        for key, text in {
            "failure-threshold": "3",
            "escalate-to": "oncall",
            "escalate-after": "30m",
            "remind-every": "1h",
        }.items():
            typed_into(app, key, text)
        await pilot.press("ctrl+s")
        # Saved, the new check is selected in the table and opened, its URL on show.
        await wait_for(lambda: isinstance(app.screen, CheckDetailScreen))
        [check] = [c for c in await service.list_checks() if c.name == "db dump"]
        assert service.ping_url(check) in rendered(app, "#ping-url")
        # The snippets fill in once the detail's data is in.
        await wait_for(lambda: "curl -fsS" in rendered(app, "#code-crontab"))
        await pilot.press("escape")
        await wait_for(lambda: not isinstance(app.screen, CheckDetailScreen))
        assert app.screen.query_one(ChecksTable).selected_id() == check.id

    shown = cli_json(tmp_path, "check", "show", "db-dump")
    assert shown["description"] == "pg_dump of main"
    assert (shown["every_seconds"], shown["grace_seconds"]) == (5400, 600)
    assert shown["max_duration_seconds"] == 1200
    assert (shown["host"], shown["tags"], shown["channels"]) == (
        "db1",
        ["nightly", "postgres"],
        ["ops"],
    )
    assert shown["failure_threshold"] == 3
    assert shown["escalate_to"] == ["oncall"]
    assert (shown["escalate_after_seconds"], shown["remind_every_seconds"]) == (1800, 3600)


async def test_an_error_in_a_folded_field_unfolds_it_and_an_edit_keeps_the_rest(service, tmp_path):
    await service.alerts.add_channel("pager", "json://127.0.0.1:9/pager")
    check = await service.add_check(
        CheckSpec(name="etl", every_seconds=3600, failure_threshold=2, description="nightly")
    )
    app = BeatwatchApp(service, run_engine=False, user_theme_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(lambda: app.screen.query_one(ChecksTable).shown_ids)
        await pilot.press("e")
        await wait_for(lambda: isinstance(app.screen, CheckFormScreen))
        # A check with a setting in the fold shows it open, with its values.
        assert not app.screen.query_one("#escalation", Collapsible).collapsed
        assert app.screen.query_one("#failure-threshold", Input).value == "2"
        assert app.screen.query_one("#description", Input).value == "nightly"
        app.screen.query_one("#escalation", Collapsible).collapsed = True
        typed_into(app, "escalate-after", "30m")
        await pilot.press("ctrl+s")
        error = app.screen.query_one("#escalate-to-error")
        await wait_for(lambda: "escalation needs the channels" in str(error.render()))
        assert not app.screen.query_one("#escalation", Collapsible).collapsed
        assert app.screen.focused is app.screen.query_one("#escalate-to", Input)
        await pilot.press(*"pager", "ctrl+s")
        await wait_for(lambda: not isinstance(app.screen, CheckFormScreen))

    shown = cli_json(tmp_path, "check", "show", str(check.id))
    assert (shown["escalate_to"], shown["escalate_after_seconds"]) == (["pager"], 1800)
    assert (shown["failure_threshold"], shown["description"]) == (2, "nightly")
