"""The rotations screen, driven by keys on a real service and SQLite file: who is on call,
the next hand-off, and an override in two keys."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from textual.widgets import DataTable, Input, Label, Static

from beatwatch.core.model import PingKind, PingRequest
from beatwatch.core.validation import CheckSpec
from beatwatch.ui.app import BeatwatchApp
from beatwatch.ui.screens.notifications import NotificationsScreen
from beatwatch.ui.screens.rotations import OverrideScreen, RotationsScreen
from tests.conftest import wait_for
from tests.ui.conftest import SIZE


async def rotation_of_two(service) -> None:
    for name in ("alice", "bob"):
        await service.alerts.add_channel(f"{name}-phone", f"json://127.0.0.1:9/{name}")
        await service.oncall.add_person(name, (f"{name}-phone",))
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    await service.oncall.add_rotation("primary", ("alice", "bob"), "1w", "00:00", "UTC", yesterday)


async def open_override_dialog(app: BeatwatchApp, pilot) -> None:
    """The rotations screen, alice on call in primary, then `o` on it."""
    await pilot.press("7")
    await wait_for(lambda: cell(app, "primary", "on call") == "alice")
    await pilot.press("o")
    await wait_for(lambda: isinstance(app.screen, OverrideScreen))


def cell(app: BeatwatchApp, row: str, column: str) -> str:
    table = app.screen.query_one(DataTable)
    return str(table.get_cell(row, column)) if row in table.rows else ""


async def test_the_screen_shows_who_is_on_call_and_follows_changes(service, tmp_path) -> None:
    app = BeatwatchApp(service, run_engine=False, user_theme_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("7")
        await wait_for(lambda: isinstance(app.screen, RotationsScreen))
        summary = app.screen.query_one("#summary", Static)
        await wait_for(lambda: "No rotations yet" in str(summary.render()))
        await rotation_of_two(service)
        await wait_for(lambda: cell(app, "primary", "on call") == "alice")
        assert cell(app, "primary", "next") == "bob"
        assert "(in 5d" in cell(app, "primary", "hand-off")
        assert cell(app, "primary", "rule").startswith("weekly, ")
        detail = str(app.screen.query_one("#row-detail", Static).render())
        assert "In turn: alice, bob." in detail and "alice → bob" in detail


async def test_an_override_in_two_keys_puts_the_next_person_on_until_the_hand_off(
    service, tmp_path
) -> None:
    await rotation_of_two(service)
    [before] = await service.oncall.board()
    app = BeatwatchApp(service, run_engine=False, user_theme_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_override_dialog(app, pilot)
        await pilot.press("enter")
        await wait_for(lambda: isinstance(app.screen, RotationsScreen))
        await wait_for(lambda: cell(app, "primary", "on call").startswith("bob (covers until"))
    [override] = await service.oncall.overrides()
    assert override.person == "bob"
    # The field is written to the minute; the hand-off was at 00:00 UTC.
    assert override.ends_at == before.handoffs[0].at
    assert abs(override.starts_at - time.time()) < 3600


async def test_the_override_dialog_says_what_is_wrong_beside_the_field(service, tmp_path) -> None:
    await rotation_of_two(service)
    app = BeatwatchApp(service, run_engine=False, user_theme_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_override_dialog(app, pilot)
        app.screen.query_one("#person", Input).value = "mallory"
        await pilot.press("enter")
        error = app.screen.query_one("#person-error", Label)
        await wait_for(lambda: "no person is named 'mallory'" in str(error.render()))
        app.screen.query_one("#person", Input).value = "bob"
        app.screen.query_one("#until", Input).value = "2001-01-01T00:00"
        await pilot.press("enter")
        error = app.screen.query_one("#until-error", Label)
        await wait_for(lambda: str(error.render()) != "")
        await pilot.press("escape")
        await wait_for(lambda: isinstance(app.screen, RotationsScreen))
    assert await service.oncall.overrides() == []


async def test_the_incident_popup_lists_whom_each_step_reached(service, tmp_path) -> None:
    await rotation_of_two(service)
    await service.oncall.add_policy("pager", ("rotation:primary",))
    check = await service.add_check(
        CheckSpec(name="pg dump", every_seconds=3600, escalation_policy="pager")
    )
    await service.record_ping(
        PingRequest(PingKind.FAIL, uuid=check.uuid, exit_code=2, at=time.time())
    )
    [incident] = await service.alerts.incidents()
    app = BeatwatchApp(service, run_engine=False, user_theme_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4")
        await wait_for(lambda: "FAILING" in cell(app, str(incident.id), "state"))
        await pilot.press("enter")
        await wait_for(lambda: isinstance(app.screen, NotificationsScreen))
        steps = app.screen.query_one("#steps", DataTable)
        await wait_for(lambda: steps.row_count == 1)
        row = [str(c) for c in steps.get_row_at(0)]
        assert row[:4] == ["1", "rotation:primary", "alice", "alice-phone"]
