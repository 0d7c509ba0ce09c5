"""Full garbage collections wait until nobody is typing: while the app runs Python starts
none itself, the app runs one after a still moment, or past the longest wait."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from beatwatch.ui.app import BeatwatchApp
from beatwatch.ui.quiet_collector import (
    EVERY_SECONDS,
    IDLE_SECONDS,
    LATEST_SECONDS,
    NEVER,
    QuietCollector,
)
from tests.conftest import wait_for


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def full_collections() -> Iterator[list[int]]:
    """Each full collection that runs, by any hand, while the test does."""
    seen: list[int] = []

    def watch(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and info["generation"] == 2:
            seen.append(info["generation"])

    gc.callbacks.append(watch)
    yield seen
    gc.callbacks.remove(watch)


def test_python_starts_no_full_collection_while_the_collector_runs(full_collections) -> None:
    before = gc.get_threshold()
    collector = QuietCollector()
    collector.start()
    try:
        assert gc.get_threshold() == (*before[:2], NEVER)
        # Far more long-lived objects than would set off a full collection on their own.
        kept = [[n] for n in range(300_000)]
        assert not full_collections
        assert kept
    finally:
        collector.stop()
    assert gc.get_threshold() == before


def test_a_full_collection_runs_once_the_keyboard_is_still(full_collections) -> None:
    clock = Clock()
    collector = QuietCollector(clock)
    clock.now += EVERY_SECONDS
    collector.input_seen()
    clock.now += IDLE_SECONDS / 2
    assert not collector.tick()
    clock.now += IDLE_SECONDS
    assert collector.tick()
    assert full_collections == [2]
    # Not again until EVERY_SECONDS have passed, however still the keyboard stays.
    clock.now += EVERY_SECONDS / 2
    assert not collector.tick()
    clock.now += EVERY_SECONDS
    assert collector.tick()


def test_typing_without_pause_puts_a_full_collection_off_only_so_long(full_collections) -> None:
    clock = Clock()
    collector = QuietCollector(clock)
    while clock.now < 1000.0 + LATEST_SECONDS - 1:
        clock.now += 0.2
        collector.input_seen()
        assert not collector.tick()
    clock.now += 1
    collector.input_seen()
    assert collector.tick()
    assert full_collections == [2]


async def test_the_app_takes_full_collections_over_while_it_runs(service, tmp_path) -> None:
    before = gc.get_threshold()
    app = BeatwatchApp(service, run_engine=False, user_theme_dir=tmp_path)
    async with app.run_test() as pilot:
        await wait_for(lambda: gc.get_threshold()[2] == NEVER)
        await pilot.press("down")
    assert gc.get_threshold() == before
