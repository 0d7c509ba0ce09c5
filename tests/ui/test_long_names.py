"""A long name or host is cut short in the checks table, so the columns after it stay on
screen; the filter still matches the whole name."""

from __future__ import annotations

from beatwatch.ui.formatting import shortened
from beatwatch.ui.widgets.checks_table import NAME_SHOWN
from tests.ui.test_flows import cell, one_check_shown, shown

LONG_NAME = "Nightly PostgreSQL base backup of the customer database cluster to the offsite store"


def test_shortening_keeps_short_text_and_counts_wide_characters() -> None:
    assert shortened("db1", 16) == "db1"
    assert shortened("abcdef", 4) == "abc…"
    assert shortened("バックアップ", 5) == "バッ…"


async def test_a_long_name_is_cut_short_and_still_found_by_the_filter(service, tmp_path):
    async with one_check_shown(service, tmp_path, LONG_NAME) as (app, pilot, check):
        name = cell(app, check.id, "name")
        assert len(name) == NAME_SHOWN and name.endswith("…")
        assert LONG_NAME.startswith(name[:-1])
        await pilot.press("/", *"offsite", "enter")
        assert shown(app) == {check.id}
