"""The check detail's ping history: every kept ping, a page at a time, filtered by kind, sorted
like any table, fail pings coloured, the body given the room there is; the run durations with
a scale and a time axis; the incident window's last error whole, and its own keys."""

from __future__ import annotations

import time

from rich.text import Text
from textual.widgets import DataTable, Label, Static

from beatwatch.core.model import PINGS_KEPT, PingKind, PingRequest
from beatwatch.core.validation import CheckSpec
from beatwatch.ui.app import BeatwatchApp
from beatwatch.ui.screens.check_detail import PAGE_ROWS, CheckDetailScreen
from beatwatch.ui.screens.notifications import NotificationsScreen
from beatwatch.ui.widgets.checks_table import ChecksTable
from beatwatch.ui.widgets.duration_chart import DurationChart, scale, time_axis
from tests.conftest import wait_for
from tests.ui.conftest import SIZE

LONG_BODY = "rsync: " + " ".join(f"file{n:03}.tar" for n in range(40))


async def open_detail(service, tmp_path, pings: int) -> tuple[BeatwatchApp, int]:
    check = await service.add_check(CheckSpec(name="pg dump", every_seconds=3600))
    start = time.time() - pings * 60
    for n in range(pings):
        kind = PingKind.FAIL if n % 10 == 0 else PingKind.SUCCESS
        body = LONG_BODY.encode() if n == pings - 1 else f"run {n}".encode()
        await service.record_ping(
            PingRequest(
                kind, uuid=check.uuid, at=start + n * 60, body=body, exit_code=int(n % 10 == 0)
            )
        )
    return BeatwatchApp(service, run_engine=False, user_theme_dir=tmp_path), check.id


def pings_table(app: BeatwatchApp) -> DataTable[object]:
    return app.screen.query_one("#pings", DataTable)


def title(app: BeatwatchApp) -> str:
    return str(app.screen.query_one("#pings-title", Label).render())


def column(app: BeatwatchApp, index: int) -> list[str]:
    table = pings_table(app)
    return [str(table.get_row_at(n)[index]) for n in range(table.row_count)]


async def detail(app: BeatwatchApp, pilot) -> None:
    await wait_for(lambda: app.screen.query_one(ChecksTable).row_count == 1)
    await pilot.press("enter")
    await wait_for(lambda: isinstance(app.screen, CheckDetailScreen))
    await wait_for(lambda: pings_table(app).row_count > 0)


async def test_every_kept_ping_is_a_page_away(service, tmp_path):
    app, _ = await open_detail(service, tmp_path, PINGS_KEPT + 5)
    async with app.run_test(size=SIZE) as pilot:
        await detail(app, pilot)
        assert pings_table(app).row_count == PAGE_ROWS
        assert title(app).startswith(f"Pings 1–{PAGE_ROWS} of {PINGS_KEPT}")
        # When the newest ping came, without its age, which ticks while the test runs.
        newest = column(app, 1)[0].split(" (")[0]
        for page in range(1, PINGS_KEPT // PAGE_ROWS):
            await pilot.press("right_square_bracket")
            first = page * PAGE_ROWS + 1
            await wait_for(lambda first=first: title(app).startswith(f"Pings {first}–"))
        # Past the last page it stays there.
        await pilot.press("right_square_bracket")
        assert title(app).startswith(f"Pings {PINGS_KEPT - PAGE_ROWS + 1}–{PINGS_KEPT} of")
        assert not column(app, 1)[0].startswith(newest)
        await pilot.press(*["left_square_bracket"] * 4)
        await wait_for(lambda: column(app, 1)[0].startswith(newest))


async def test_the_history_filters_by_kind_and_sorts(service, tmp_path):
    app, _ = await open_detail(service, tmp_path, 40)
    async with app.run_test(size=SIZE) as pilot:
        await detail(app, pilot)
        await pilot.press("f")
        await wait_for(lambda: set(column(app, 0)) == {"fail"})
        assert pings_table(app).row_count == 4
        assert "kind (fail)" in title(app) and "of 40 kept" in title(app)
        await pilot.press("f")
        await wait_for(lambda: set(column(app, 0)) == {"success"})
        # Sorted by the exit code (the next column after When), then the other way round.
        await pilot.press("escape", "exclamation_mark")
        await wait_for(lambda: set(column(app, 0)) == {"fail"})
        await pilot.press("escape")
        assert isinstance(app.screen, CheckDetailScreen)
        await wait_for(lambda: pings_table(app).row_count == PAGE_ROWS)
        await pilot.press("o")
        await wait_for(lambda: pings_table(app).ordered_columns[2].label.plain == "Exit ▲")
        assert column(app, 2)[0] == "0"
        await pilot.press("O")
        await wait_for(lambda: column(app, 2)[0] == "1")
        # Esc without a filter goes back.
        await pilot.press("escape")
        await wait_for(lambda: not isinstance(app.screen, CheckDetailScreen))


async def test_fail_pings_are_coloured_and_the_body_takes_the_room(service, tmp_path):
    app, _ = await open_detail(service, tmp_path, 11)
    async with app.run_test(size=SIZE) as pilot:
        await detail(app, pilot)
        table = pings_table(app)
        kinds = [table.get_row_at(n)[0] for n in range(table.row_count)]
        fail = next(k for k in kinds if isinstance(k, Text) and k.plain == "fail")
        success = next(k for k in kinds if isinstance(k, Text) and k.plain == "success")
        assert fail.style and not success.style
        body = str(table.get_row_at(0)[6])
        assert body.startswith("rsync: file000.tar") and body.endswith("…")
        # The body takes the width the other columns leave: the table fills its width, and
        # never scrolls sideways.
        await wait_for(lambda: table.size.width - 4 <= table.virtual_size.width <= table.size.width)


def test_the_chart_has_a_scale_and_a_time_axis() -> None:
    assert scale(2713.0) == ["45m13s ┤", "       │", "     0 ┤"]
    at = 1_780_000_000.0
    axis = time_axis(at, at + 86400, 8, 40, 80)
    assert axis.startswith(" " * 8) and axis.strip().split("  ")[0] != axis.strip()
    assert len(axis) == 8 + 40
    # Too few bars for the dates under them: they are written one after the other.
    assert "→" in time_axis(at, at + 86400, 8, 6, 80)


async def test_the_chart_draws_beside_its_scale(service, tmp_path):
    check = await service.add_check(CheckSpec(name="pg dump", every_seconds=3600))
    for n, duration in enumerate([60, 120, 90]):
        start = time.time() - 3600 * (3 - n)
        await service.record_ping(PingRequest(PingKind.START, uuid=check.uuid, at=start))
        await service.record_ping(
            PingRequest(PingKind.SUCCESS, uuid=check.uuid, at=start + duration)
        )
    app = BeatwatchApp(service, run_engine=False, user_theme_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await detail(app, pilot)
        chart = app.screen.query_one(DurationChart)
        await wait_for(lambda: chart.runs and chart.display)
        lines = chart.render().plain.splitlines()
        assert lines[0].startswith("2m ┤") and lines[2].startswith(" 0 ┤")
        assert "→" in lines[3] or len(lines[3].split()) >= 6
        assert lines[4].startswith("latest 1m30s")


async def test_the_incident_window_shows_the_last_error_whole_and_its_own_keys(service, tmp_path):
    await service.alerts.add_channel("hook", "json://127.0.0.1:9/hook", is_default=True)
    check = await service.add_check(CheckSpec(name="pg dump", every_seconds=3600))
    await service.record_ping(PingRequest(PingKind.FAIL, uuid=check.uuid, at=time.time()))
    app = BeatwatchApp(service, user_theme_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4")
        await wait_for(lambda: isinstance(app.focused, DataTable) and app.focused.row_count == 1)
        await pilot.press("enter")
        await wait_for(lambda: isinstance(app.screen, NotificationsScreen))
        error = app.screen.query_one("#notification-error", Static)
        await wait_for(lambda: "Last error (hook)" in str(error.render()), timeout=30)
        notes = await service.alerts.notifications((await service.alerts.incidents())[0].id)
        assert notes[0].last_error and notes[0].last_error in " ".join(str(error.render()).split())
        footer = " ".join(str(k.render()) for k in app.screen.query("FooterKey"))
        assert "Close" in footer and "Filter" not in footer


async def test_filtering_the_pings_brings_them_into_view(service, tmp_path):
    app, _ = await open_detail(service, tmp_path, 40)
    async with app.run_test(size=(80, 24)) as pilot:
        await detail(app, pilot)
        shown = app.screen.query_one("#detail").region
        pings_title = app.screen.query_one("#pings-title", Label)
        # In 24 lines the facts, durations and snippets fill the screen: the pings are below.
        assert not shown.overlaps(pings_title.region)
        await pilot.press("slash", *"fail")
        await wait_for(lambda: shown.overlaps(pings_title.region))
