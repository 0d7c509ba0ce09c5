"""The Unknown pings screen shows each request and makes the check it asked for, under its own
uuid, so the job's next ping lands on it."""

from __future__ import annotations

import aiohttp
from textual.widgets import Input, Static

from beatwatch.core.model import State
from beatwatch.ui.app import BeatwatchApp
from beatwatch.ui.screens.check_detail import CheckDetailScreen
from beatwatch.ui.screens.check_form import CheckFormScreen
from beatwatch.ui.screens.unknown_pings import UnknownPingsScreen
from tests.conftest import wait_for
from tests.ui.conftest import SIZE

STRAY_UUID = "5b0a1c3e-7d2f-4e6a-9b8c-0123456789ab"


async def test_a_check_made_from_an_unknown_ping_keeps_its_uuid_and_gets_the_next_ping(
    service, tmp_path
):
    app = BeatwatchApp(service, user_theme_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot, aiohttp.ClientSession() as http:
        url = f"http://127.0.0.1:{service.bound_port}/ping/{STRAY_UUID}/fail"
        async with http.post(url, data=b"rsync: connection refused\nexit 12") as reply:
            assert reply.status == 200
        await pilot.press("3")
        screen = app.screen
        assert isinstance(screen, UnknownPingsScreen)
        await wait_for(lambda: screen.table.row_count == 1)
        row = [str(cell) for cell in screen.table.get_row_at(0)]
        assert row[1:4] == [STRAY_UUID, f"POST /ping/{STRAY_UUID}/fail", "127.0.0.1"]
        detail = str(screen.query_one("#row-detail", Static).render())
        assert "c makes one that does" in detail
        assert "body: rsync: connection refused\nexit 12" in detail

        await pilot.press("c")
        await wait_for(lambda: isinstance(app.screen, CheckFormScreen))
        form = app.screen
        assert form.query_one("#name", Input).value == "check 5b0a1c3e"
        assert form.query_one("#every", Input).value == "1d"
        await pilot.press("ctrl+s")
        await wait_for(lambda: isinstance(app.screen, CheckDetailScreen))
        made = await service.get_check(STRAY_UUID)
        assert made.name == "check 5b0a1c3e"

        # The job's next ping, to the URL it already had, lands on the new check.
        async with http.post(url, data=b"exit 12") as reply:
            assert reply.status == 200
        await wait_for(lambda: app.fleet.state_of(made.id) is State.FAILING)
        assert [p.body for p in await service.pings(STRAY_UUID)] == [b"exit 12"]
        assert await service.unknown_ping_count() == 1


async def test_a_wrong_ping_key_makes_no_check(service, tmp_path):
    app = BeatwatchApp(service, user_theme_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot, aiohttp.ClientSession() as http:
        url = f"http://127.0.0.1:{service.bound_port}/ping/not-the-key/nightly-dump"
        async with http.get(url) as reply:
            assert reply.status == 200
        await pilot.press("3")
        screen = app.screen
        assert isinstance(screen, UnknownPingsScreen)
        await wait_for(lambda: screen.table.row_count == 1)
        assert str(screen.table.get_row_at(0)[2]) == "GET /ping/<ping-key>/nightly-dump"

        await pilot.press("c")
        await wait_for(lambda: "the ping key in the job's URL is wrong" in _said(app))
        assert not isinstance(app.screen, CheckFormScreen)
        assert await service.list_checks() == []


def _said(app: BeatwatchApp) -> str:
    return " ".join(n.message for n in app._notifications)
