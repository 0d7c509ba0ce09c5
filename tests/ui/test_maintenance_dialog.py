"""The maintenance dialog reaches what `host maint` can do: a reason, and a window for a while,
until a time, or weekly with days, start, length and zone. Each is set by keys here and read
back as `host list --json` reports it."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from textual.widgets import DataTable, Input

from beatwatch.core.validation import CheckSpec
from beatwatch.ui.app import BeatwatchApp
from beatwatch.ui.screens.hosts import HostsScreen
from beatwatch.ui.screens.maintenance import MaintenanceScreen
from tests.conftest import wait_for
from tests.ui.conftest import SIZE, cli_json

# A day to come, within the ten years from now that a time given to beatwatch may reach.
NEXT_YEAR = datetime.now().year + 1


def error_of(app: BeatwatchApp, field: str) -> str:
    label = app.screen.query_one(f"#{field}-error")
    return str(label.render()) if label.display else ""


def dates_in(text: str) -> list[float]:
    return [
        datetime.fromisoformat(d).timestamp()
        for d in re.findall(r"\d{4}-\d\d-\d\dT\d\d:\d\d", text)
    ]


async def type_into(app: BeatwatchApp, pilot, field: str, text: str) -> None:
    app.screen.query_one(f"#{field}", Input).focus()
    await pilot.press(*text)


async def open_dialog(service, tmp_path, pilot, app: BeatwatchApp) -> None:
    await pilot.press("5")
    await wait_for(lambda: isinstance(app.screen, HostsScreen))
    await wait_for(lambda: "host:db1" in app.screen.query_one(DataTable).rows)
    await pilot.press("m")
    await wait_for(lambda: isinstance(app.screen, MaintenanceScreen))


async def test_a_weekly_window_with_its_days_start_length_zone_and_reason(service, tmp_path):
    await service.add_check(CheckSpec(name="pg dump", every_seconds=3600, host="db1"))
    app = BeatwatchApp(service, run_engine=False, user_theme_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_dialog(service, tmp_path, pilot, app)
        await pilot.click("#kind-weekly")
        await wait_for(lambda: app.screen.query_one("#field-days").display)
        assert not app.screen.query_one("#field-duration").display
        await type_into(app, pilot, "days", "funday")
        await wait_for(lambda: "'funday' is not a list of weekdays" in error_of(app, "days"))
        await pilot.press(*["backspace"] * 6, *"sat,sun")
        await wait_for(lambda: error_of(app, "days") == "")
        await type_into(app, pilot, "start", "01:00")
        await type_into(app, pilot, "length", "25h")
        await wait_for(lambda: "between 1m and 24h" in error_of(app, "length"))
        await pilot.press("backspace", "backspace", "backspace", *"4h")
        await type_into(app, pilot, "tz", "Europe/Berlin")
        await type_into(app, pilot, "reason", "patching")
        preview = app.screen.query_one("#window-preview")
        await wait_for(lambda: "every sat,sun 01:00-05:00 Europe/Berlin" in str(preview.render()))
        assert "next opens" in str(preview.render())
        await pilot.press("ctrl+s")
        await wait_for(lambda: isinstance(app.screen, HostsScreen))

    [host] = cli_json(tmp_path, "host", "list")
    [window] = host["windows"]
    assert window["weekly"] and window["reason"] == "patching"
    assert window["description"] == "weekly sat,sun 01:00-05:00 Europe/Berlin"
    opens = datetime.fromisoformat(window["next_start"]).astimezone(ZoneInfo("Europe/Berlin"))
    assert opens.strftime("%a %H:%M") in ("Sat 01:00", "Sun 01:00")


async def test_a_window_until_a_time_from_a_later_start(service, tmp_path):
    await service.add_check(CheckSpec(name="pg dump", every_seconds=3600, host="db1"))
    app = BeatwatchApp(service, run_engine=False, user_theme_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_dialog(service, tmp_path, pilot, app)
        await pilot.click("#kind-until")
        await wait_for(lambda: app.screen.query_one("#field-ends-at").display)
        await type_into(app, pilot, "starts-at", f"{NEXT_YEAR}-01-01T02:00")
        await type_into(app, pilot, "ends-at", f"{NEXT_YEAR}-01-01T01:00")
        await wait_for(lambda: "must end after it starts" in error_of(app, "ends-at"))
        await pilot.press("backspace", "backspace", "backspace", "backspace", "backspace")
        await pilot.press(*"04:30")
        await wait_for(lambda: error_of(app, "ends-at") == "")
        await type_into(app, pilot, "reason", "disk swap")
        await pilot.press("enter")
        await wait_for(lambda: isinstance(app.screen, HostsScreen))

    [host] = cli_json(tmp_path, "host", "list")
    [window] = host["windows"]
    # Local time here is UTC.
    assert (window["starts_at"], window["ends_at"]) == (
        f"{NEXT_YEAR}-01-01T02:00:00Z",
        f"{NEXT_YEAR}-01-01T04:30:00Z",
    )
    assert (window["reason"], window["weekly"], window["open"]) == ("disk swap", False, False)


async def test_an_empty_end_is_refused_beside_it_on_save(service, tmp_path):
    await service.add_check(CheckSpec(name="pg dump", every_seconds=3600, host="db1"))
    app = BeatwatchApp(service, run_engine=False, user_theme_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_dialog(service, tmp_path, pilot, app)
        await pilot.click("#kind-until")
        # The examples in the empty fields are dated from now, never in the past.
        examples = [
            app.screen.query_one(f"#{f}", Input).placeholder for f in ("starts-at", "ends-at")
        ]
        start, end = (dates_in(text) for text in examples)
        assert len(start) == len(end) == 1, examples
        assert app.clock() < start[0] < end[0]
        await pilot.press("ctrl+s")
        await wait_for(lambda: "is not a time" in error_of(app, "ends-at"))
        assert isinstance(app.screen, MaintenanceScreen)
        assert list(app._notifications) == []
    assert (await service.alerts.hosts())[0].windows == []
