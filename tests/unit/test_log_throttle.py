"""A few lines a second per cause; the rest counted once, for one summary line."""

from __future__ import annotations

from beatwatch.core.log_throttle import LogThrottle


def test_a_flood_logs_a_few_lines_a_second_and_counts_the_rest() -> None:
    throttle = LogThrottle(lines=3, window=1.0)

    admitted = [throttle.admit("bad method", 100.0 + n / 1000) for n in range(500)]

    assert admitted.count(True) == 3 and admitted[:3] == [True] * 3
    assert throttle.held("bad method") == 497
    assert throttle.window_end("bad method") == 101.0
    assert throttle.take_held("bad method") == 497
    assert throttle.take_held("bad method") == 0


def test_causes_are_counted_apart_and_a_new_second_starts_afresh() -> None:
    throttle = LogThrottle(lines=1, window=1.0)

    assert throttle.admit("bad URL", 0.0)
    assert throttle.admit("bad header", 0.1)
    assert not throttle.admit("bad URL", 0.5)
    assert throttle.admit("bad URL", 1.0)
    assert throttle.held("bad URL") == 1 and throttle.held("bad header") == 0
