"""Whether a check's alert would reach a person: a pure rule over channels, windows and
acknowledged incidents."""

from __future__ import annotations

from beatwatch.core.model import Channel, MaintenanceWindow
from beatwatch.core.presentation import reach_label
from beatwatch.core.reach import AlertFacts, Reach
from tests.unit.factory import make_check

NOW = 1_700_000_000.0


def channel(name: str, *, default: bool = False, failing: bool = False) -> Channel:
    return Channel(0, name, f"json://h/{name}", default, (), 0.0, failing=failing)


def test_no_channel_at_all_reaches_nobody() -> None:
    assert AlertFacts().reach(make_check(), frozenset()) == Reach.NOBODY


def test_a_named_channel_that_fails_reaches_nobody_though_a_default_works() -> None:
    facts = AlertFacts((channel("ops", default=True), channel("pager", failing=True)))
    assert facts.reach(make_check(channels=("pager",)), frozenset()) == Reach.NOBODY
    assert facts.reach(make_check(), frozenset()) == Reach(0)


def test_one_working_channel_of_several_is_enough() -> None:
    facts = AlertFacts((channel("a", default=True, failing=True), channel("b", default=True)))
    assert facts.reach(make_check(), frozenset()) == Reach(0)


def test_held_by_an_open_window_and_acknowledged() -> None:
    window = MaintenanceWindow(1, "db1", "", NOW, starts_at=NOW - 60, ends_at=NOW + 60)
    check = make_check(host="db1")
    facts = AlertFacts((channel("ops", default=True),), (window,), frozenset({check.id}))
    held = facts.hosts_held(NOW)
    assert held == {"db1"}
    assert facts.reach(check, held) == Reach.HELD | Reach.ACKNOWLEDGED
    assert facts.hosts_held(NOW + 60) == frozenset()
    assert reach_label(Reach.HELD | Reach.ACKNOWLEDGED | Reach.NOBODY) == (
        "⊘ nobody ◇ held ✓ acked"
    )
