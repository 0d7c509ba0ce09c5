"""The app takes a screen's widgets down before it stops the screen's timers and workers: a
refresh or a load that lands in between must drop what it has, not reach for widgets already
removed (which would crash the app on its way out)."""

from __future__ import annotations

import asyncio
import time

from textual.screen import Screen
from textual.widget import Widget

from beatwatch.core.model import PingKind, PingRequest
from beatwatch.core.validation import CheckSpec
from beatwatch.ui.app import BeatwatchApp
from beatwatch.ui.screens.check_detail import CheckDetailScreen
from beatwatch.ui.widgets.checks_table import ChecksTable
from beatwatch.ui.widgets.row_table import RowTable
from tests.conftest import wait_for
from tests.ui.conftest import SIZE


def tick_once_gone(screen: Screen, widget: Widget, errors: list[Exception]) -> asyncio.Task:
    """Once `widget` is removed, what the screen's refresh timer calls, had it fired then."""

    async def tick() -> None:
        while widget.is_attached:
            await asyncio.sleep(0)
        try:
            screen._tick()
        except Exception as exc:
            errors.append(exc)

    return asyncio.create_task(tick())


async def test_a_detail_closing_with_the_app_mid_refresh_drops_it(service, tmp_path, monkeypatch):
    check = await service.add_check(CheckSpec(name="pg dump", every_seconds=86400))
    await service.record_ping(PingRequest(PingKind.SUCCESS, uuid=check.uuid, at=time.time()))
    # The history read is held until the app is closing, then let go.
    reading, closing = asyncio.Event(), asyncio.Event()
    read_pings = service.pings

    async def held_pings(*args, **kwargs):
        reading.set()
        await closing.wait()
        return await read_pings(*args, **kwargs)

    monkeypatch.setattr(service, "pings", held_pings)
    errors: list[Exception] = []
    app = BeatwatchApp(service, run_engine=False, user_theme_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(lambda: check.id in app.screen.query_one(ChecksTable).shown_ids)
        await pilot.press("enter")
        await wait_for(lambda: isinstance(app.screen, CheckDetailScreen))
        await asyncio.wait_for(reading.wait(), 5)
        ticked = tick_once_gone(app.screen, app.screen.query_one("#pings", RowTable), errors)
        ticked.add_done_callback(lambda _: closing.set())
    await ticked
    assert errors == []


async def test_the_checks_table_closing_with_the_app_mid_refresh_drops_it(service, tmp_path):
    check = await service.add_check(CheckSpec(name="pg dump", every_seconds=86400))
    errors: list[Exception] = []
    app = BeatwatchApp(service, run_engine=False, user_theme_dir=tmp_path)
    async with app.run_test(size=SIZE):
        table = app.screen.query_one(ChecksTable)
        await wait_for(lambda: check.id in table.shown_ids)
        ticked = tick_once_gone(app.screen, table, errors)
    await ticked
    assert errors == []
