"""Every table sorts by any column (o, O, a click on its header) and filters (/, !, a click on a
count of the summary line); the order is kept for the session."""

from __future__ import annotations

import time

import pytest
from textual import events
from textual.widgets import DataTable

from beatwatch.core.model import PingKind, PingRequest
from beatwatch.core.validation import CheckSpec
from beatwatch.service.service import Service
from beatwatch.ui.app import BeatwatchApp
from beatwatch.ui.widgets.checks_table import ChecksTable
from beatwatch.ui.widgets.summary_line import SummaryLine
from tests.conftest import wait_for
from tests.ui.conftest import SIZE, log_line
from tests.ui.test_table_keys import opened, three_of_everything


def names(app: BeatwatchApp) -> list[str]:
    table = app.screen.query_one(ChecksTable)
    return [str(table.get_cell(str(i), "name")) for i in table._order]


def header(app: BeatwatchApp) -> str:
    return app.screen.query_one(ChecksTable).render_line(0).text


async def fleet_in_every_shape(service: Service) -> dict[str, int]:
    """Four checks on four hosts: failing and nobody handling it, failing and acknowledged,
    failing on a host in maintenance, and up."""
    await service.alerts.add_channel("ops", "json://127.0.0.1:9/hook", is_default=True)
    ids: dict[str, int] = {}
    for name, host, kind in [
        ("delta", "d1", PingKind.FAIL),
        ("alpha", "c1", PingKind.FAIL),
        ("charlie", "b1", PingKind.FAIL),
        ("bravo", "a1", PingKind.SUCCESS),
    ]:
        check = await service.add_check(CheckSpec(name=name, every_seconds=3600, host=host))
        await service.record_ping(PingRequest(kind, uuid=check.uuid, at=time.time()))
        ids[name] = check.id
    [acked] = [i for i in await service.alerts.incidents(True) if i.check_id == ids["alpha"]]
    await service.alerts.acknowledge(acked.id)
    await service.alerts.start_maintenance("b1", duration=3600)
    return ids


def app_for(service: Service, tmp_path) -> BeatwatchApp:
    return BeatwatchApp(service, run_engine=False, user_theme_dir=tmp_path)


async def test_the_checks_table_sorts_by_each_column_and_keeps_its_order(service, tmp_path):
    await fleet_in_every_shape(service)
    app = app_for(service, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(lambda: len(names(app)) == 4)
        # Worst first, then by name.
        assert names(app) == ["alpha", "charlie", "delta", "bravo"]
        assert "State ▲" in header(app)
        await pilot.press("o", "o")
        await wait_for(lambda: names(app) == ["alpha", "bravo", "charlie", "delta"])
        assert "Name ▲" in header(app) and "State ▲" not in header(app)
        await pilot.press("O")
        await wait_for(lambda: names(app) == ["delta", "charlie", "bravo", "alpha"])
        assert "Name ▼" in header(app)
        # A click on the Host header sorts by host; a second one the other way round.
        table = app.screen.query_one(ChecksTable)
        x = header(app).index("Host")
        await pilot.click(ChecksTable, offset=(x, 0))
        await wait_for(lambda: names(app) == ["bravo", "charlie", "alpha", "delta"])
        await pilot.click(ChecksTable, offset=(x, 0))
        await wait_for(lambda: names(app) == ["delta", "alpha", "charlie", "bravo"])
        # The cursor stays on its check through a re-sort.
        table.move_cursor(0)
        await pilot.press("O")
        await wait_for(lambda: names(app)[-1] == "delta")
        assert table.selected_id() == table._order[-1]
        # Kept while the app runs, whichever screen was shown meanwhile.
        await pilot.press("2", "1")
        await wait_for(lambda: "Host ▲" in header(app))


async def test_needs_action_keeps_bad_checks_nobody_is_handling(service, tmp_path):
    await fleet_in_every_shape(service)
    app = app_for(service, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(lambda: len(names(app)) == 4 and app.fleet.facts is not None)
        await pilot.press("exclamation_mark")
        await wait_for(lambda: names(app) == ["delta"])
        assert app.screen.query_one("#filter").value == "is:action"
        await pilot.press("exclamation_mark")
        await wait_for(lambda: len(names(app)) == 4)


async def test_a_click_on_a_count_shows_the_checks_it_counts(service, tmp_path):
    await fleet_in_every_shape(service)
    app = app_for(service, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        line = app.screen.query_one(SummaryLine)
        await wait_for(lambda: "held" in str(line.render()) and len(names(app)) == 4)

        def place(word: str) -> int:
            return str(line.render()).index(word) + line.styles.padding.left

        await pilot.click(SummaryLine, offset=(place("held"), 0))
        await wait_for(lambda: names(app) == ["charlie"])
        await pilot.click(SummaryLine, offset=(place("FAILING"), 0))
        await wait_for(lambda: names(app) == ["alpha", "charlie", "delta"])
        # The same count again shows every check.
        await pilot.click(SummaryLine, offset=(place("FAILING"), 0))
        await wait_for(lambda: len(names(app)) == 4)
        await pilot.click(SummaryLine, offset=(place("FAILING"), 0))
        await wait_for(lambda: len(names(app)) == 3)
        await pilot.click(SummaryLine, offset=(place("4 checks"), 0))
        await wait_for(lambda: len(names(app)) == 4)
        assert not app.screen.query_one("#filter").display


def column(table: DataTable[object], index: int) -> list[str]:
    return [str(table.get_row_at(n)[index]) for n in range(table.row_count)]


# For each section: a word that leaves one of its three rows, and a column sorted by its text.
SECTION_FILTERS = {"2": "second", "3": "", "4": "zulu", "5": "host2", "6": "hook-b"}
TEXT_COLUMN = {"2": 2, "3": 1, "4": 1, "5": 0, "6": 0}


@pytest.mark.parametrize("section", sorted(SECTION_FILTERS))
async def test_every_section_table_filters_and_sorts(service, tmp_path, section: str):
    await three_of_everything(service)
    if section == "4":
        # The checks' names differ by a digit, which every time shows too.
        await service.update_check("job-1", name="zulu")
    app = app_for(service, tmp_path)
    for n, word in enumerate(["first", "second", "third"]):
        await log_line(service, time.time() + n, "warning" if n else "info", f"{word} entry")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(section)
        table = await opened(app)
        assert isinstance(table, DataTable)
        # The Log also holds what making the fleet wrote (unknown pings, say).
        await wait_for(lambda: table.row_count >= 3)
        shown = table.row_count
        word = SECTION_FILTERS[section]
        if section == "3":
            # Unknown pings differ in their keys alone: filter by one of them.
            word = column(table, 1)[1]
        await pilot.press("slash", *word, "enter")
        await wait_for(lambda: table.row_count == 1, what=f"only {word!r}")
        assert word.lower() in " ".join(str(c) for c in table.get_row_at(0)).lower()
        await pilot.press("escape")
        await wait_for(lambda: table.row_count == shown)
        # `o` moves the sort to each column in turn; O turns it round.
        index = TEXT_COLUMN[section]
        for _ in range(len(table.ordered_columns)):
            if table.ordered_columns[index].label.plain.endswith("▲"):
                break
            await pilot.press("o")
            await pilot.pause()
        ascending = column(table, index)
        assert ascending == sorted(ascending, key=str.casefold)
        await pilot.press("O")
        await wait_for(lambda: column(table, index) == ascending[::-1])
        assert table.ordered_columns[index].label.plain.endswith("▼")


async def test_a_header_click_sorts_a_section_table(service, tmp_path):
    await three_of_everything(service)
    app = app_for(service, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("6")
        table = await opened(app)
        assert isinstance(table, DataTable)
        names_now = column(table, 0)
        assert names_now == sorted(names_now)
        await pilot.click(DataTable, offset=(2, 0))
        await wait_for(lambda: column(table, 0) == sorted(names_now, reverse=True))
        assert table.ordered_columns[0].label.plain == "Name ▼"


async def test_needs_action_on_the_log_keeps_warnings_and_errors(service, tmp_path):
    app = app_for(service, tmp_path)
    await log_line(service, time.time(), "info", "backup: ○ new → ● up")
    await log_line(service, time.time(), "error", "backup: ● up → ✖ FAILING")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        await wait_for(lambda: isinstance(app.focused, DataTable) and app.focused.row_count == 2)
        table = app.focused
        await pilot.press("exclamation_mark")
        await wait_for(lambda: table.row_count == 1)
        assert "FAILING" in str(table.get_row_at(0)[2])


async def test_words_typed_right_after_the_slash_go_into_the_filter(service, tmp_path):
    # A terminal hands over "/dump" typed quickly as one read: the letters must not reach
    # the table's own keys ("d" deletes) before the filter box has the focus.
    for name in ("db dump", "mail queue", "zone europe/berlin"):
        await service.add_check(CheckSpec(name=name, every_seconds=3600))
    app = BeatwatchApp(service, run_engine=False, user_theme_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(lambda: len(names(app)) == 3)
        for key, character in [("slash", "/"), *((c, c) for c in "dump")]:
            app.post_message(events.Key(key, character))
        await wait_for(lambda: app.screen.filter_box.value == "dump")
        await wait_for(lambda: names(app) == ["db dump"])

        # In the box, a slash is part of what is typed.
        await pilot.press("ctrl+u", *"europe", "slash", *"berlin")
        await wait_for(lambda: app.screen.filter_box.value == "europe/berlin")
        await wait_for(lambda: names(app) == ["zone europe/berlin"])
