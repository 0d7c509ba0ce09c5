"""Keymap mistakes are found before Textual ignores them."""

from __future__ import annotations

from beatwatch.ui.app import BeatwatchApp
from beatwatch.ui.keymap import as_bound, binding_owners, keymap_problems

OWNERS = binding_owners(BeatwatchApp)


def test_a_good_keymap_has_no_problems() -> None:
    assert keymap_problems({"checks.new": "a", "app.quit": "ctrl+q"}, OWNERS, "?") == []


def test_an_unknown_id_and_a_clash_with_the_app_are_named() -> None:
    problems = keymap_problems({"check.new": "a", "checks.pause": "q"}, OWNERS, "?")

    assert problems == [
        "no key binding has the id 'check.new', so it was ignored (? lists each screen's "
        "keys with their ids)",
        "'q' is the key of both app.quit and checks.pause: only one of them works",
    ]


def test_a_table_key_is_checked_on_every_screen_that_shows_a_table() -> None:
    problems = keymap_problems({"table.down": "a", "checks.open": "t"}, OWNERS, "?")

    assert problems == [
        "'a' is the key of both channels.add and table.down: only one of them works",
        "'a' is the key of both detail.acknowledge and table.down: only one of them works",
        "'a' is the key of both incidents.acknowledge and table.down: only one of them works",
    ]


def test_a_binding_is_told_by_its_first_key_under_the_keymap() -> None:
    assert as_bound({}, OWNERS, "channels.default").key == "m"
    assert as_bound({"channels.default": "D,ctrl+d"}, OWNERS, "channels.default").key == "D"
    assert as_bound({"table.down": "s"}, OWNERS, "table.down").key == "s"
