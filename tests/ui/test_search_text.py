"""The filter looks for its words in text it keeps per check: that text follows every change
of the check, its state and its flags, and is made with the check's row."""

from __future__ import annotations

from dataclasses import replace

from beatwatch.core.model import State
from beatwatch.core.reach import Reach
from beatwatch.demo import FIXED_NOW, build_demo
from beatwatch.ui.app import BeatwatchApp
from beatwatch.ui.widgets.checks_table import ChecksTable, SearchText, matches_query
from tests.conftest import wait_for
from tests.unit.factory import make_check


def test_the_filter_sees_a_rename_a_new_state_and_a_new_flag_at_once():
    texts = SearchText()
    check = replace(make_check(), name="db dump", slug="db-dump", host="db1")
    assert matches_query("dump", texts)(check, State.UP, Reach(0))

    renamed = replace(check, name="mail queue", slug="mail-queue")
    assert not matches_query("dump", texts)(renamed, State.UP, Reach(0))
    assert matches_query("queue", texts)(renamed, State.UP, Reach(0))

    assert not matches_query("queue failing", texts)(renamed, State.UP, Reach(0))
    assert matches_query("queue failing", texts)(renamed, State.FAILING, Reach(0))
    assert not matches_query("queue held", texts)(renamed, State.FAILING, Reach(0))
    assert matches_query("queue held", texts)(renamed, State.FAILING, Reach.HELD)


async def test_the_text_of_every_row_is_ready_before_the_first_letter_is_typed(service, tmp_path):
    await build_demo(service, FIXED_NOW)
    app = BeatwatchApp(service, run_engine=False, clock=lambda: FIXED_NOW, user_theme_dir=tmp_path)
    async with app.run_test():
        table = app.screen.query_one(ChecksTable)
        await wait_for(lambda: table.row_count == len(app.fleet.checks) > 0)
        assert len(table.search_text) == table.row_count
