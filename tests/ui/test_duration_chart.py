"""The run durations chart measures from zero: equal runs look equal, every run shows."""

from __future__ import annotations

from beatwatch.ui.widgets.duration_chart import bar_rows, caption


def test_bars_start_at_zero_so_similar_runs_look_similar() -> None:
    top, middle, bottom = bar_rows([2160.0, 2713.0])  # 36 and 45 minutes
    assert (top, middle, bottom) == ("▃█", "██", "██")


def test_a_run_of_no_time_is_a_tick_not_a_full_bar() -> None:
    assert bar_rows([0.0]) == [" ", " ", "▁"]
    assert bar_rows([0.0, 0.0]) == ["  ", "  ", "▁▁"]
    assert bar_rows([0.0, 600.0]) == [" █", " █", "▁█"]


def test_wider_columns_give_each_run_a_bar_and_a_gap() -> None:
    assert bar_rows([300.0, 600.0], rows=1, column=3) == ["▄▄ ██ "]


def test_the_caption_names_the_latest_and_the_longest_run() -> None:
    assert caption([2713.0, 2348.0], 80) == "latest 39m8s · longest 45m13s · 2 runs shown"
    assert caption([5.0], 80) == "latest 5s · longest 5s · 1 run shown"


def test_a_narrow_caption_drops_the_count_then_the_longest_run() -> None:
    durations = [2713.0, 2348.0]
    assert caption(durations, 44) == "latest 39m8s · longest 45m13s · 2 runs shown"
    assert caption(durations, 43) == "latest 39m8s · longest 45m13s"
    assert caption(durations, 28) == "latest 39m8s"
    assert caption(durations, 5) == "latest 39m8s"
