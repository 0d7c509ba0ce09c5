"""The filter looks for its words in text it keeps per check: that text follows every change
of the check, its state and its flags."""

from __future__ import annotations

from dataclasses import replace

from beatwatch.core.model import State
from beatwatch.core.reach import Reach
from beatwatch.ui.widgets.checks_table import SearchText, matches_query
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
