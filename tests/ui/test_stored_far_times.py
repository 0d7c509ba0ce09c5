"""A database an older version wrote, holding a pause and a maintenance window that end
past year 9999 in UTC: the UI running the engine shows them instead of exiting."""

from __future__ import annotations

import sqlite3
from contextlib import closing

from textual.widgets import DataTable

from beatwatch.core.validation import CheckSpec
from beatwatch.ui.app import BeatwatchApp
from beatwatch.ui.screens.hosts import HostsScreen
from beatwatch.ui.widgets.checks_table import ChecksTable
from tests.conftest import wait_for
from tests.ui.conftest import SIZE

BEYOND_EPOCH = 253402304399.0  # 9999-12-31T23:59:59-01:00


def cell(app: BeatwatchApp, row: str, column: str) -> str:
    table = app.screen.query_one(DataTable)
    return str(table.get_cell(row, column)) if row in table.rows else ""


async def test_hosts_screen_shows_a_window_stored_beyond_year_9999(service, tmp_path):
    check = await service.add_check(CheckSpec(name="pg dump", every_seconds=3600, host="db1"))
    await service.pause_check(check.slug, duration=3600)
    window = await service.alerts.start_maintenance("db1", duration=3600)
    with closing(sqlite3.connect(service.store.path)) as conn, conn:
        conn.execute("UPDATE checks SET paused_until = ?", (BEYOND_EPOCH,))
        conn.execute("UPDATE maintenance_windows SET ends_at = ?", (BEYOND_EPOCH,))
    app = BeatwatchApp(service, run_engine=True, user_theme_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(lambda: check.id in app.screen.query_one(ChecksTable).shown_ids)
        await pilot.press("5")
        await wait_for(lambda: isinstance(app.screen, HostsScreen))
        await wait_for(lambda: "30 Dec 00:00" in cell(app, f"window:{window.id}", "windows"))
        assert "in maintenance" in cell(app, "host:db1", "maintenance")
        assert app.is_running
