"""The checks table draws only what changed: the cursor moving within the page redraws the row
it left and the row it entered, not the page."""

from __future__ import annotations

from beatwatch.demo import FIXED_NOW, build_demo
from beatwatch.ui.app import BeatwatchApp
from beatwatch.ui.widgets.checks_table import ChecksTable
from tests.conftest import wait_for
from tests.ui.conftest import SIZE


async def test_moving_the_cursor_redraws_two_lines(service, tmp_path):
    await build_demo(service, FIXED_NOW)
    app = BeatwatchApp(service, run_engine=False, clock=lambda: FIXED_NOW, user_theme_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        table = app.screen.query_one(ChecksTable)
        await wait_for(lambda: table.row_count == len(app.fleet.checks) > 0)
        for _ in range(3):
            await pilot.pause()
        drawn: list[int] = []
        render_line = table.render_line

        def recording(y: int):
            drawn.append(y)
            return render_line(y)

        table.render_line = recording  # type: ignore[method-assign]
        await pilot.press("down")
        await wait_for(lambda: table.cursor_row == 1)
        await pilot.pause()
        # Line 0 is the header; rows 0 and 1 are lines 1 and 2.
        assert sorted(set(drawn)) == [1, 2]
