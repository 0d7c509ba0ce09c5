"""The summary line over the checks table fits its width: in a narrow terminal the calm states
give way and the words go before anything is cut, while the states that need action and the
total always show."""

from __future__ import annotations

from rich.cells import cell_len

from beatwatch.core.model import State
from beatwatch.core.reach import Reach
from beatwatch.demo import FIXED_NOW, build_demo
from beatwatch.service.service import Service
from beatwatch.ui.app import BeatwatchApp
from beatwatch.ui.widgets.summary_line import (
    NEEDS_ACTION,
    SEPARATOR,
    SummaryLine,
    fit_summary,
    full,
    short,
)
from tests.conftest import wait_for

URGENT = NEEDS_ACTION - {Reach.NOBODY}
# Wide enough for the demo's line in words, its held alerts counted too.
WIDE = (130, 40)
COUNTS = {
    State.MISSED: 1,
    State.FAILING: 2,
    State.STUCK: 1,
    State.RUNNING_LONG: 1,
    State.LATE: 3,
    State.RUNNING: 4,
    State.NEW: 2,
    State.UP: 15,
    State.PAUSED: 1,
}


def line(room: int) -> str:
    parts, total = fit_summary(COUNTS, room)
    return SEPARATOR.join([*(part for _, part in parts), total])


def forms(room: int) -> dict[State, str]:
    """How each state shows in `room`: "full", "short", or left out."""
    parts = dict(fit_summary(COUNTS, room)[0])
    shapes = {full(s, n): "full" for s, n in COUNTS.items()}
    shapes |= {short(s, n): "short" for s, n in COUNTS.items()}
    return {state: shapes[part] for state, part in parts.items()}


def test_everything_in_words_when_there_is_room() -> None:
    assert line(200) == (
        "✖ 1 MISSED  ✖ 2 FAILING  ■ 1 STUCK  ▶ 1 RUNNING LONG  ◐ 3 late  ▶ 4 running  ○ 2 new  "
        "● 15 up  ‖ 1 paused  30 checks"
    )
    assert line(cell_len(line(200))) == line(200)


def test_the_calm_states_lose_their_words_then_give_way() -> None:
    every_word = cell_len(line(200))
    assert forms(every_word - 1) == {
        **dict.fromkeys(URGENT, "full"),
        **dict.fromkeys([State.RUNNING, State.NEW, State.UP, State.PAUSED], "short"),
    }
    # At 80 columns: paused, the calm state kept longest, in the room left.
    assert forms(78) == {**dict.fromkeys(URGENT, "full"), State.PAUSED: "short"}
    assert line(78) == (
        "✖ 1 MISSED  ✖ 2 FAILING  ■ 1 STUCK  ▶ 1 RUNNING LONG  ◐ 3 late  ‖ 1  30 checks"
    )


def test_the_states_that_need_action_lose_their_words_last_and_always_show() -> None:
    urgent_in_words = cell_len(line(78)) - len("‖ 1  ")
    assert forms(urgent_in_words) == dict.fromkeys(URGENT, "full")
    assert forms(urgent_in_words - 1) == {
        **dict.fromkeys(URGENT, "short"),
        **dict.fromkeys([State.RUNNING, State.NEW, State.UP, State.PAUSED], "short"),
    }
    assert line(30) == "✖ 1  ✖ 2  ■ 1  ▶ 1  ◐ 3  30 checks"
    assert line(1) == line(30)


def test_only_the_states_there_are_show() -> None:
    parts, total = fit_summary({State.UP: 3, State.LATE: 1}, 78)
    assert [part for _, part in parts] == ["◐ 1 late", "● 3 up"]
    assert total == "4 checks"


async def demo_reaching_someone(service: Service) -> None:
    """The demo fleet with a default channel that works beside its failing one, so that every
    alert would reach someone and the line counts only the states and the held alerts."""
    await build_demo(service, FIXED_NOW)
    await service.alerts.add_channel("pager", "json://127.0.0.1:9/pager", is_default=True)


def summary_text(app: BeatwatchApp) -> str:
    return str(app.screen.query_one(SummaryLine).render())


async def test_the_line_fits_the_terminal_and_follows_its_width(service, tmp_path):
    await demo_reaching_someone(service)
    app = BeatwatchApp(service, run_engine=False, clock=lambda: FIXED_NOW, user_theme_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(lambda: "30 checks" in summary_text(app))
        narrow = summary_text(app)
        assert cell_len(narrow) <= 78
        for word in ("MISSED", "FAILING", "STUCK", "RUNNING LONG", "late"):
            assert word in narrow

        await pilot.resize_terminal(*WIDE)
        await wait_for(lambda: "paused" in summary_text(app))
        assert all(f" {word}  " in summary_text(app) for word in ("running", "new", "up"))

        await pilot.resize_terminal(80, 24)
        await wait_for(lambda: summary_text(app) == narrow)


async def test_an_unchanged_line_is_not_set_again(service, tmp_path, monkeypatch):
    await demo_reaching_someone(service)
    app = BeatwatchApp(service, run_engine=False, clock=lambda: FIXED_NOW, user_theme_dir=tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        summary = app.screen.query_one(SummaryLine)
        await wait_for(lambda: "paused" in summary_text(app))
        updates: list[object] = []
        monkeypatch.setattr(summary, "update", lambda *args, **kwargs: updates.append(args))
        # Wider: the same whole line. Narrower: a shorter one, set once.
        await pilot.resize_terminal(WIDE[0] + 10, WIDE[1])
        await wait_for(lambda: summary.outer_size.width == WIDE[0] + 10)
        assert updates == []
        await pilot.resize_terminal(80, 24)
        await wait_for(lambda: len(updates) == 1)


def test_alerts_reaching_nobody_always_count_and_give_way_to_the_states_words_last() -> None:
    flags = {Reach.NOBODY: 4, Reach.HELD: 2, Reach.ACKNOWLEDGED: 1}
    parts, total = fit_summary(COUNTS, 200, flags)
    words = [part for _, part in parts]
    assert words[5:8] == ["⊘ 4 reach nobody", "◇ 2 held", "✓ 1 acked"]
    # Short of room the calm counts go first, then the words of the count of nobody...
    urgent_line = SEPARATOR.join([*words[:6], total])
    assert dict(fit_summary(COUNTS, cell_len(urgent_line), flags)[0])[Reach.NOBODY] == (
        "⊘ 4 reach nobody"
    )
    narrower = dict(fit_summary(COUNTS, cell_len(urgent_line) - 1, flags)[0])
    assert narrower[Reach.NOBODY] == "⊘ 4"
    assert narrower[State.MISSED] == "✖ 1 MISSED"
    # ...then the count itself, which the banner over the table says in words, before a
    # state loses its word: "✖" alone could be MISSED or FAILING.
    in_words = SEPARATOR.join([*words[:5], total])
    assert Reach.NOBODY not in dict(fit_summary(COUNTS, cell_len(in_words), flags)[0])
    assert dict(fit_summary(COUNTS, 30, flags)[0])[Reach.NOBODY] == "⊘ 4"
