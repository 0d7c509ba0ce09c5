"""The banner over the checks table: it stays while a check in trouble would reach nobody or
a channel is failing, names the keys that fix it, and goes when that is no longer true, in a
window that runs the engine and in one attached to `beatwatch serve`."""

from __future__ import annotations

from dataclasses import replace

import aiohttp

from beatwatch.core.model import Channel
from beatwatch.core.validation import CheckSpec
from beatwatch.ui.app import BeatwatchApp
from beatwatch.ui.widgets.checks_table import ChecksTable
from beatwatch.ui.widgets.reach_banner import BannerKeys, ReachBanner, warnings
from tests.conftest import wait_for
from tests.ui.conftest import SIZE, serve_process
from tests.ui.test_alert_screens import fail


def banner(app: BeatwatchApp) -> str:
    widget = app.screen.query_one(ReachBanner)
    return "\n".join(widget.lines) if widget.display else ""


async def test_the_banner_stays_while_a_failing_check_would_reach_nobody(service, tmp_path):
    check = await service.add_check(CheckSpec(name="pg dump", every_seconds=3600))
    app = BeatwatchApp(service, user_theme_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(lambda: check.id in app.screen.query_one(ChecksTable).shown_ids)
        # Nobody would be told, but nothing is wrong yet: no banner.
        assert banner(app) == ""
        await fail(service, check)
        await wait_for(lambda: "1 check in trouble reaches nobody" in banner(app))
        assert "press 6, then a to add a channel or m for a default" in banner(app)
        # It is not a notice: it outlasts every timeout and key press.
        await pilot.press("down", "up")
        await pilot.pause(0.6)
        assert "reaches nobody" in banner(app)
        await service.alerts.add_channel("ops", "json://127.0.0.1:9/ops", is_default=True)
        await wait_for(lambda: "reaches nobody" not in banner(app))


async def test_an_attached_window_shows_a_channel_failing_in_the_serve_process(service, tmp_path):
    await service.alerts.add_channel("ops", "json://127.0.0.1:9/hook", is_default=True)
    check = await service.add_check(CheckSpec(name="nightly", every_seconds=3600))
    async with serve_process(tmp_path):
        app = BeatwatchApp(service, user_theme_dir=tmp_path)
        async with app.run_test(size=SIZE):
            assert not service.runs_engine
            await wait_for(lambda: check.id in app.screen.query_one(ChecksTable).shown_ids)
            assert banner(app) == ""
            holder = service.engine_holder()
            assert holder is not None
            url = f"http://{holder.listen}/ping/{check.uuid}/fail"
            async with aiohttp.ClientSession() as http, http.get(url) as reply:
                assert reply.status == 200
            # The serve process tries the channel, fails, and says so in the store.
            await wait_for(lambda: "channel ops failing since" in banner(app), timeout=15)
            assert "press 6, then t to test it once fixed" in banner(app)
            assert "1 check in trouble reaches nobody" in banner(app)


def test_a_failing_channel_is_named_with_stand_ins_for_its_controls():
    """A channel name stored by an older version, escapes and all, reaches the banner only
    through the terminal-safe rule, like its error."""
    keys = BannerKeys(channels="6", add="a", default="m", test="t")
    channel = Channel(
        id=1,
        name="ops\x1b]52;c;aGk=\x07",
        url="json://127.0.0.1:9/",
        is_default=True,
        tags=(),
        created_at=0.0,
        failing=True,
        last_error="refused \x1b[2J",
    )
    other = replace(channel, id=2, name="pager\x9b31m")
    [line] = warnings(0, [channel, other], keys)
    assert "\x1b" not in line and "\x07" not in line and "\x9b" not in line
    assert "ops␛]52;c;aGk=␇" in line and "pager␛[31m" in line
