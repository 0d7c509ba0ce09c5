"""`beatwatch demo`: drawn before its fleet is written, its alerts delivered to its own inbox
(none retried against an address nobody listens on), and quit without a question."""

from __future__ import annotations

from beatwatch.core.model import EventKind
from beatwatch.demo import INBOX_CHANNEL, JOBS, DemoInbox, build_demo
from beatwatch.ui.app import BeatwatchApp, SetUp
from tests.conftest import wait_for
from tests.ui.conftest import SIZE


async def test_the_demo_delivers_to_its_inbox_and_quits_without_asking(service, tmp_path):
    inbox = DemoInbox()
    await inbox.start()

    async def write_fleet() -> None:
        await build_demo(service, inbox_url=inbox.url)

    app = BeatwatchApp(
        service,
        user_theme_dir=tmp_path,
        ask_before_quit=False,
        set_up=SetUp("Writing the demo fleet…", write_fleet),
    )
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(lambda: len(app.fleet.checks) == len(JOBS), timeout=30)
            assert service.runs_engine

            async def delivered() -> bool:
                lines = await service.log_events()
                return any(e.kind is EventKind.DELIVERY for e in lines)

            await wait_for(delivered, timeout=30)
            lines = await service.log_events()
            assert all(INBOX_CHANNEL in e.text for e in lines if e.kind is EventKind.DELIVERY)
            assert not [e for e in lines if e.kind is EventKind.DELIVERY_FAILED]
            assert app.sub_title.startswith("watching")

            await pilot.press("q")
            await wait_for(lambda: not app.is_running)
    finally:
        await inbox.stop()
