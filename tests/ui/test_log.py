"""The Log screen reads the store's event log: a window attached to `beatwatch serve` shows what
that process did, as it does it."""

from __future__ import annotations

import aiohttp

from beatwatch.core.validation import CheckSpec
from beatwatch.ui.app import BeatwatchApp
from tests.conftest import wait_for
from tests.ui.conftest import SIZE, serve_process
from tests.ui.test_flows import log_text

UNKNOWN_UUID = "5b0a1c3e-7d2f-4e6a-9b8c-0123456789ab"


async def test_an_attached_window_shows_what_the_serve_process_did(service, tmp_path):
    check = await service.add_check(CheckSpec(name="nightly", every_seconds=3600))
    # Left open to others, so that the serve process warns of it as it starts.
    tmp_path.chmod(0o755)
    async with serve_process(tmp_path):
        app = BeatwatchApp(service, user_theme_dir=tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            assert not service.runs_engine
            await pilot.press("2")
            await wait_for(lambda: "is open to other users" in log_text(app), timeout=10)

            holder = service.engine_holder()
            assert holder is not None
            async with aiohttp.ClientSession() as http:
                for path in (f"{check.uuid}/fail", UNKNOWN_UUID):
                    url = f"http://{holder.listen}/ping/{path}"
                    async with http.get(url) as reply:
                        assert reply.status == 200

            # Each written by the serve process, read here from the store while on screen.
            await wait_for(lambda: f"ping for an unknown check ({UNKNOWN_UUID})" in log_text(app))
            shown = log_text(app)
            assert "nightly: ○ new → ✖ FAILING" in shown
            assert "check nightly: alert not sent: no channel to send it to" in shown
            assert "; or here: on the Channels screen (6)" in shown
            assert shown.count("FAILING") == 1
