"""The check detail fits an 80-column terminal (a tmux split): a long fact wraps under its
value column, the States rows and the chart's caption give up parts rather than wrap, and all
are laid out again when the terminal is resized."""

from __future__ import annotations

import re

from textual.geometry import Region
from textual.widget import Widget

from beatwatch.core.validation import CheckSpec
from beatwatch.demo import FIXED_NOW, build_demo
from beatwatch.ui.app import BeatwatchApp
from beatwatch.ui.formatting import hanging
from beatwatch.ui.screens.check_detail import (
    TRANSITIONS_SHOWN,
    VALUE_COLUMN,
    CheckDetailScreen,
)
from beatwatch.ui.widgets.checks_table import ChecksTable
from tests.conftest import wait_for
from tests.ui.test_alert_screens import app_for, fail

NARROW = (80, 24)
WIDE = (160, 40)
SECONDS = re.compile(r"\d\d:\d\d:\d\d")
WEEKDAY = re.compile(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d\d ")
AGE = re.compile(r"just now|\d+s ago")


def drawn(widget: Widget) -> list[str]:
    """The widget's lines as they are on screen, without the blanks at their ends."""
    return [strip.text.rstrip() for strip in widget.render_lines(Region(0, 0, *widget.size))]


def rows(widget: Widget) -> list[str]:
    """The widget's lines with something on them."""
    return [line for line in drawn(widget) if line]


def aged(lines: list[str]) -> str:
    """The fact's text with its age blanked: the clock runs on while the test resizes, and
    "just now" becoming "12s ago" may move a word to the other line."""
    return AGE.sub("AGE", " ".join(line[VALUE_COLUMN:] for line in lines))


def fact(lines: list[str], label: str) -> list[str]:
    """The lines of one fact: its label's line and the continuations under its value."""
    start = next(n for n, line in enumerate(lines) if line.lstrip().startswith(f"{label}  "))
    rest = lines[start + 1 :]
    more = next((n for n, line in enumerate(rest) if line[:VALUE_COLUMN].strip()), len(rest))
    return lines[start : start + 1 + more]


def test_a_long_value_breaks_at_a_separator_and_hangs_under_its_first_line() -> None:
    value = "✖ MISSED since 2h ago · not acknowledged (a: acknowledge)"
    indent = " " * VALUE_COLUMN
    assert hanging(value, VALUE_COLUMN, 100) == value
    assert hanging(value, VALUE_COLUMN, 50) == (
        f"✖ MISSED since 2h ago\n{indent}not acknowledged (a: acknowledge)"
    )
    assert hanging(value, VALUE_COLUMN, 37) == (
        f"✖ MISSED since 2h ago\n{indent}not acknowledged (a:\n{indent}acknowledge)"
    )


async def test_the_incident_wraps_under_the_value_column_and_follows_the_width(service, tmp_path):
    check = await service.add_check(CheckSpec(name="pg dump", every_seconds=86400))
    await fail(service, check)
    app = app_for(service, tmp_path)
    async with app.run_test(size=NARROW) as pilot:
        await wait_for(lambda: check.id in app.screen.query_one(ChecksTable).shown_ids)
        await pilot.press("enter")
        await wait_for(lambda: isinstance(app.screen, CheckDetailScreen))
        info = app.screen.query_one("#info")
        await wait_for(lambda: "(a:" in "".join(drawn(info)))

        incident = fact(drawn(info), "incident")
        assert len(incident) > 1
        for line in incident[1:]:
            assert line.startswith(" " * VALUE_COLUMN) and line[VALUE_COLUMN] != " "
        # The incident opened a moment ago: on a busy machine that can read "1s ago".
        assert re.fullmatch(
            r"✖ FAILING since (just now|\d+s ago) not acknowledged \(a: acknowledge\)",
            " ".join(line[VALUE_COLUMN:] for line in incident),
        )
        # Nothing runs to the edge of the column, into the history beside it.
        assert all(len(line) < info.size.width for line in drawn(info))

        await pilot.resize_terminal(*WIDE)
        await wait_for(lambda: len(fact(drawn(info), "incident")) == 1)
        await pilot.resize_terminal(*NARROW)
        await wait_for(
            lambda: (
                len(wrapped := fact(drawn(info), "incident")) > 1
                and aged(wrapped) == aged(incident)
            )
        )


async def test_the_states_and_the_caption_give_up_parts_rather_than_wrap(service, tmp_path):
    await build_demo(service, FIXED_NOW)
    app = BeatwatchApp(service, run_engine=False, clock=lambda: FIXED_NOW, user_theme_dir=tmp_path)
    async with app.run_test(size=NARROW) as pilot:
        await wait_for(lambda: app.screen.query_one(ChecksTable).shown_ids)
        await pilot.press("enter")  # the missed backup, with a run every day
        await wait_for(lambda: isinstance(app.screen, CheckDetailScreen))
        timeline, chart = app.screen.query_one("#timeline"), app.screen.query_one("#durations")
        await wait_for(lambda: drawn(chart)[-1].startswith("latest"))
        await wait_for(lambda: "running" in "".join(rows(timeline)))

        # A row a state, each with how long ago and to the minute, never wrapped.
        narrow = rows(timeline)
        assert len(narrow) == TRANSITIONS_SHOWN
        assert all(line.endswith(" ago") and not SECONDS.search(line) for line in narrow)
        assert drawn(chart)[-1] == "latest 39m8s · longest 45m13s"

        await pilot.resize_terminal(*WIDE)
        await wait_for(lambda: drawn(chart)[-1].endswith("· 10 runs shown"))
        # Wide, each row has the table's short form of its moment, weekday first.
        await wait_for(lambda: all(WEEKDAY.match(line) for line in rows(timeline)))
        await pilot.resize_terminal(*NARROW)
        await wait_for(lambda: rows(timeline) == narrow)
