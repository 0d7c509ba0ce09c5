"""Every table's cursor moves with the same keys, vim's among them, and they can be remapped."""

from __future__ import annotations

import time
import uuid

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable

from beatwatch.core.model import PingKind, PingRequest
from beatwatch.core.validation import CheckSpec
from beatwatch.service.service import Service
from beatwatch.ui.app import BeatwatchApp
from beatwatch.ui.screens.check_detail import CheckDetailScreen
from beatwatch.ui.screens.help import HelpScreen
from beatwatch.ui.screens.notifications import NotificationsScreen
from beatwatch.ui.widgets.checks_table import ChecksTable
from tests.conftest import wait_for
from tests.ui.conftest import SIZE, log_line

ROWS = 3
Table = ChecksTable | DataTable[object]


async def three_of_everything(service: Service) -> None:
    """Three rows on every table: checks (each on its own host, each failed, so each has an
    incident, alerted to both default channels), pings of the first check, unknown pings."""
    for name in ("hook-a", "hook-b"):
        await service.alerts.add_channel(name, "json://127.0.0.1:9/hook", is_default=True)
    await service.alerts.add_channel("hook-c", "json://127.0.0.1:9/hook")
    for n in range(ROWS):
        check = await service.add_check(
            CheckSpec(name=f"job {n}", every_seconds=3600, host=f"host{n}")
        )
        for kind in (PingKind.SUCCESS, PingKind.SUCCESS, PingKind.FAIL):
            await service.record_ping(PingRequest(kind, uuid=check.uuid, at=time.time()))
        stray = PingRequest(PingKind.SUCCESS, uuid=str(uuid.uuid4()), at=time.time())
        await service.record_ping(stray)


async def opened(app: BeatwatchApp) -> Table:
    """The focused table of the screen on top, once it has all its rows."""
    await wait_for(lambda: isinstance(app.focused, ChecksTable | DataTable))
    table = app.focused
    assert isinstance(table, ChecksTable | DataTable)
    await wait_for(lambda: table.row_count >= ROWS)
    return table


async def moves_with_the_keys(pilot: Pilot[None], table: Table, keys: dict[str, str]) -> None:
    """`keys` (names to keys) and the arrows, home and end take the cursor where they say."""
    last = table.row_count - 1
    moves = [("down", 1), ("down", 2), ("up", 1), ("bottom", last), ("top", 0)]
    arrows = {"down": "down", "up": "up", "top": "home", "bottom": "end"}
    for key_of in (keys, arrows):
        for name, row in moves:
            await pilot.press(key_of[name])
            await wait_for(
                lambda row=row: table.cursor_row == row, what=f"{key_of[name]} to row {row}"
            )


VIM = {"down": "j", "up": "k", "top": "g", "bottom": "G"}


@pytest.mark.parametrize("section", ["1", "2", "3", "4", "5", "6"])
async def test_every_section_table_moves_with_vim_keys(service, tmp_path, section: str):
    await three_of_everything(service)
    app = BeatwatchApp(service, run_engine=False, user_theme_dir=tmp_path)
    for n in range(ROWS):
        await log_line(service, time.time(), "info", f"entry {n}")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(section)
        await moves_with_the_keys(pilot, await opened(app), VIM)


async def test_the_detail_and_notification_tables_move_with_vim_keys(service, tmp_path):
    await three_of_everything(service)
    app = BeatwatchApp(service, run_engine=False, user_theme_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await opened(app)
        await pilot.press("enter")
        await wait_for(lambda: isinstance(app.screen, CheckDetailScreen))
        pings = app.screen.query_one("#pings", DataTable)
        pings.focus()
        await moves_with_the_keys(pilot, await opened(app), VIM)

        await pilot.press("escape", "4")
        await opened(app)
        await pilot.press("enter")
        await wait_for(lambda: isinstance(app.screen, NotificationsScreen))
        await wait_for(lambda: app.screen.query_one(DataTable).row_count == 2)
        notifications = app.screen.query_one(DataTable)
        notifications.focus()
        await pilot.press("j")
        await wait_for(lambda: notifications.cursor_row == 1)
        await pilot.press("k")
        await wait_for(lambda: notifications.cursor_row == 0)


async def test_the_keys_are_in_the_help_and_follow_the_keymap(service, tmp_path):
    await three_of_everything(service)
    keymap = {"table.down": "s", "table.up": "w", "table.top": "t"}
    app = BeatwatchApp(service, run_engine=False, keymap=keymap, user_theme_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        # A table's key counts on each screen that shows the table.
        await wait_for(lambda: len(app._notifications) >= 2)
        said = " ".join(n.message for n in app._notifications)
        assert "'t' is the key of both channels.test and table.top" in said
        assert "'s' is the key of both detail.copy-snippet and table.down" in said
        await pilot.press("6")
        table = await opened(app)
        await moves_with_the_keys(pilot, table, {"down": "s", "up": "w", "top": "t", "bottom": "G"})
        await pilot.press("question_mark")
        await wait_for(lambda: isinstance(app.screen, HelpScreen))
        lines = str(app.screen.query_one("#help-keys").render()).splitlines()
        for key, description, binding_id in [
            ("s", "Down", "table.down"),
            ("w", "Up", "table.up"),
            ("t", "Top", "table.top"),
            ("G", "Bottom", "table.bottom"),
        ]:
            [line] = [line for line in lines if line.endswith(f"  {binding_id}")]
            keys = line.split(f"  {description}  ")[0]
            assert key in keys.strip().split(" / ")
