"""Focus and choices read without colour: a box that is on holds a mark and one that is off
is empty, and the focused field's label is drawn reversed, the focused choice underlined."""

from __future__ import annotations

from textual.widgets import Input

from beatwatch.core.validation import CheckSpec
from beatwatch.ui.app import BeatwatchApp
from beatwatch.ui.screens.check_form import CheckFormScreen
from beatwatch.ui.widgets.checks_table import ChecksTable
from tests.conftest import wait_for
from tests.ui.conftest import SIZE


async def test_on_and_off_and_focus_differ_in_shape(service, tmp_path):
    await service.add_check(CheckSpec(name="etl", every_seconds=3600))
    app = BeatwatchApp(service, run_engine=False, user_theme_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(lambda: app.screen.query_one(ChecksTable).shown_ids)
        await pilot.press("e")
        await wait_for(lambda: isinstance(app.screen, CheckFormScreen))
        screen = app.screen
        on, off = screen.query_one("#alert-missed"), screen.query_one("#alert-long")
        assert (on.value, off.value) == (True, False)
        assert str(on.render()).startswith("▐✔▌") and str(off.render()).startswith("▐ ▌")
        assert str(screen.query_one("#kind-every").render()).startswith("▐●▌")
        assert str(screen.query_one("#kind-cron").render()).startswith("▐ ▌")

        label = screen.query_one("#field-name").query_one(".field-label")
        assert screen.focused is screen.query_one("#name", Input)
        assert label.styles.text_style.reverse
        screen.query_one("#host", Input).focus()
        await wait_for(lambda: not label.styles.text_style.reverse)

        on.focus()
        await wait_for(lambda: on.get_component_styles("toggle--label").text_style.underline)
