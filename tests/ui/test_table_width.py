"""The checks table fits the terminal's width: in a narrow one (a tmux split) it leaves out
its least important columns rather than scrolling sideways, and brings them back as the
terminal widens."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.text import Text

from beatwatch.core.model import PingKind, PingRequest
from beatwatch.demo import FIXED_NOW, build_demo
from beatwatch.service.service import Service
from beatwatch.ui.app import BeatwatchApp
from beatwatch.ui.widgets.checks_table import (
    COLUMN_INDEX,
    COLUMNS,
    NAME_LEAST,
    SCHEDULE_LEAST,
    ChecksTable,
    cell_width,
    fit_columns,
)
from tests.conftest import wait_for

# State, Alerts (empty: no check's alert is held or unheard), Name, Host, Schedule, Pinged,
# Next due, Run, Recent.
WIDTHS = [14, 0, 26, 8, 20, 7, 11, 3, 10]
EVERY_COLUMN = sum(WIDTHS) + 2 * (len(WIDTHS) - 1)
LABELS = [label for _, label in COLUMNS]


def shown(room: int) -> list[str]:
    return [COLUMNS[column][0] for column, _ in fit_columns(WIDTHS, room)]


def test_every_column_shows_when_there_is_room() -> None:
    assert fit_columns(WIDTHS, EVERY_COLUMN) == [(n, w) for n, w in enumerate(WIDTHS) if w]


def test_the_alerts_column_shows_beside_the_state_whenever_it_has_something_to_say() -> None:
    alerts = COLUMN_INDEX["alerts"]
    flagged = [*WIDTHS[:alerts], 13, *WIDTHS[alerts + 1 :]]
    # Only the name gives way to it: it shows wherever State, Name and Next due do.
    assert [COLUMNS[c][0] for c, _ in fit_columns(flagged, 16 + 15 + 28 + 13)] == [
        "state",
        "alerts",
        "name",
        "next_due",
    ]
    assert dict(fit_columns(flagged, 16 + 15 + 20 + 13))[COLUMN_INDEX["name"]] == 18


def test_the_least_important_columns_go_first() -> None:
    assert "last_run" not in shown(EVERY_COLUMN - 1)
    assert len(shown(EVERY_COLUMN - 1)) == len(COLUMNS) - 2
    # Host is too wide for what is left, Run is not.
    assert shown(16 + 28 + 13 + 9 + 12 + 5) == [
        "state",
        "name",
        "last_ping",
        "next_due",
        "last_run",
        "recent",
    ]
    assert shown(16 + 28 + 13) == ["state", "name", "next_due"]


def test_a_schedule_too_wide_for_the_room_left_is_cut_not_left_out() -> None:
    schedule = COLUMN_INDEX["schedule"]
    wide = [*WIDTHS[:schedule], 60, *WIDTHS[schedule + 1 :]]
    # Every other column but Run (the least important) takes 88 cells with its padding.
    assert dict(fit_columns(wide, EVERY_COLUMN))[schedule] == EVERY_COLUMN - 88 - 2
    assert dict(fit_columns(wide, 88 + 2 + SCHEDULE_LEAST))[schedule] == SCHEDULE_LEAST
    # With less than its least width left it goes, as any other column does.
    assert schedule not in dict(fit_columns(wide, 88 + 2 + SCHEDULE_LEAST - 1))


def test_the_name_is_cut_only_when_state_name_and_next_due_do_not_fit() -> None:
    name = COLUMN_INDEX["name"]
    assert dict(fit_columns(WIDTHS, 16 + 28 + 13))[name] == 26
    assert dict(fit_columns(WIDTHS, 16 + 20 + 13))[name] == 18
    assert dict(fit_columns(WIDTHS, 20))[name] == NAME_LEAST


async def demo_fleet(service: Service, tmp_path: Path) -> BeatwatchApp:
    await build_demo(service, FIXED_NOW)
    return BeatwatchApp(service, run_engine=False, clock=lambda: FIXED_NOW, user_theme_dir=tmp_path)


def line(table: ChecksTable, y: int) -> str:
    return table.render_line(y).text


def fits(table: ChecksTable) -> bool:
    return table.virtual_size.width <= table.scrollable_content_region.width


async def test_a_narrow_terminal_shows_what_matters_and_a_wide_one_everything(service, tmp_path):
    app = await demo_fleet(service, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.screen.query_one(ChecksTable)
        await wait_for(lambda: table.row_count == 30 and "Alerts" in line(table, 0))
        narrow = line(table, 0)
        # Some of the demo's alerts are held by maintenance, and say so.
        assert narrow.split() == ["State", "▲", "Alerts", "Name", "Pinged", "Next", "due"]
        assert fits(table) and table.max_scroll_x == 0
        # The worst check first, with how late it is, whole.
        assert line(table, 1).split()[:5] == ["✖", "MISSED", "Borg", "backup", "(mail)"]
        assert "overdue 2h" in line(table, 1)

        # At 120 columns the schedule shows beside the Alerts column, cut if need be.
        await pilot.resize_terminal(120, 40)
        await wait_for(lambda: "Schedule" in line(table, 0))
        assert line(table, 0).split()[:5] == ["State", "▲", "Alerts", "Name", "Host"]

        # Some of the demo's alerts are held: the Alerts column takes its room.
        await pilot.resize_terminal(140, 40)
        await wait_for(lambda: all(label in line(table, 0) for label in LABELS))
        assert fits(table)

        await pilot.resize_terminal(80, 24)
        await wait_for(lambda: line(table, 0) == narrow)
        assert fits(table)


async def test_a_ping_arriving_moves_no_column(service, tmp_path):
    app = await demo_fleet(service, tmp_path)
    async with app.run_test(size=(80, 24)):
        table = app.screen.query_one(ChecksTable)
        await wait_for(lambda: table.row_count == 30 and "Alerts" in line(table, 0))
        header = line(table, 0)
        [check] = [c for c in app.fleet.checks.values() if c.name == "Borg backup (mail)"]
        await service.record_ping(PingRequest(PingKind.SUCCESS, uuid=check.uuid, at=FIXED_NOW))
        await wait_for(lambda: table.get_cell(str(check.id), "last_ping") == "just now")
        assert line(table, 0) == header


@pytest.mark.parametrize(
    "cell", ["nightly backup", "", "a\tb", "db1 \u241b[2J", "備份 nightly", "café", "🔥 hot"]
)
def test_a_cell_is_as_wide_as_the_terminal_draws_it(cell: str):
    assert cell_width(cell) == cell_width(Text(cell)) == cell_len(cell)
