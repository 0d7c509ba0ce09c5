"""Marking checks in the table and acting on all of them in one step, after one question that
says how many."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from textual.pilot import Pilot
from textual.widgets import Label, Static

from beatwatch.core.model import Check, State
from beatwatch.core.validation import CheckSpec
from beatwatch.service.service import Service
from beatwatch.ui.app import BeatwatchApp
from beatwatch.ui.screens.confirm import ConfirmScreen
from beatwatch.ui.screens.maintenance import MaintenanceScreen
from beatwatch.ui.screens.pause import PauseScreen
from beatwatch.ui.widgets.checks_table import ChecksTable
from tests.conftest import wait_for
from tests.ui.conftest import SIZE

FLEET = (
    ("pg-dump", "db1", ("backup",)),
    ("mysql-dump", "db2", ("backup",)),
    ("etc-snapshot", "web1", ("backup",)),
    ("certbot", "web1", ("tls",)),
    ("logrotate", "db1", ()),
)


@asynccontextmanager
async def fleet_shown(
    service: Service, tmp_path
) -> AsyncIterator[tuple[BeatwatchApp, Pilot[None], dict[str, Check]]]:
    checks = {
        name: await service.add_check(
            CheckSpec(name=name, every_seconds=3600, host=host, tags=tags)
        )
        for name, host, tags in FLEET
    }
    app = BeatwatchApp(service, run_engine=False, user_theme_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(lambda: len(table(app).shown_ids) == len(FLEET))
        yield app, pilot, checks


def table(app: BeatwatchApp) -> ChecksTable:
    return app.screen.query_one(ChecksTable)


def title(app: BeatwatchApp) -> str:
    return str(app.screen.query_one(".dialog-title", Label).render())


async def mark_the_backups(app: BeatwatchApp, pilot: Pilot[None]) -> None:
    await pilot.press("slash", *"backup", "enter")
    await wait_for(lambda: len(table(app).shown_ids) == 3)
    await pilot.press("asterisk")
    assert "3 marked" in str(app.screen.query_one("#marks", Static).render())


async def test_pausing_every_check_the_filter_shows(service, tmp_path):
    async with fleet_shown(service, tmp_path) as (app, pilot, checks):
        await mark_the_backups(app, pilot)

        await pilot.press("p")
        await wait_for(lambda: isinstance(app.screen, PauseScreen))
        assert title(app) == "Pause 3 checks"
        await pilot.press("enter")

        paused = {"pg-dump", "mysql-dump", "etc-snapshot"}
        for name, check in checks.items():
            want = State.PAUSED if name in paused else State.NEW
            await wait_for(lambda c=check, w=want: app.fleet.state_of(c.id) is w)
            assert ((await service.get_check(name)).paused_at is not None) is (name in paused)
        # The marks have served: the next key acts on the selected check alone.
        await wait_for(lambda: not table(app).marked)
        assert not app.screen.query_one("#marks", Static).display


async def test_marking_by_hand_then_deleting_asks_once_naming_how_many(service, tmp_path):
    async with fleet_shown(service, tmp_path) as (app, pilot, checks):
        # Worst first, then by name: certbot, etc-snapshot, logrotate, mysql-dump, pg-dump.
        await pilot.press("space", "space", "j", "space")
        assert table(app).marked == {
            checks[n].id for n in ("certbot", "etc-snapshot", "mysql-dump")
        }
        await pilot.press("space")  # on pg-dump
        await pilot.press("k", "space")  # mysql-dump again: unmarked
        assert len(table(app).marked) == 3

        await pilot.press("d")
        await wait_for(lambda: isinstance(app.screen, ConfirmScreen))
        assert title(app) == "Delete 3 checks?"
        await pilot.press("y")
        await wait_for(
            lambda: (
                {c.name for c in app.fleet.checks.values()}
                == {
                    "logrotate",
                    "mysql-dump",
                }
            )
        )
        assert {c.name for c in await service.list_checks()} == {"logrotate", "mysql-dump"}


async def test_maintenance_on_the_hosts_of_the_marked_checks(service, tmp_path):
    async with fleet_shown(service, tmp_path) as (app, pilot, _):
        await mark_the_backups(app, pilot)

        await pilot.press("m")
        await wait_for(lambda: isinstance(app.screen, MaintenanceScreen))
        assert title(app) == "Maintenance on db1, db2, web1"
        await pilot.press("ctrl+s")
        await wait_for(lambda: not isinstance(app.screen, MaintenanceScreen))
        windows = await service.store.windows()
        assert sorted(w.host for w in windows) == ["db1", "db2", "web1"]

        await pilot.press("asterisk", "x")
        await wait_for(lambda: isinstance(app.screen, ConfirmScreen))
        assert title(app) == "End maintenance on 3 hosts?"
        await pilot.press("y")
        await wait_for(lambda: "Maintenance ended on 3 hosts of 3" in said(app))


def said(app: BeatwatchApp) -> str:
    return " ".join(n.message for n in app._notifications)
