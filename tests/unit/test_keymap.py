"""Keymap mistakes are found before Textual ignores them."""

from __future__ import annotations

from beatwatch.ui.app import BeatwatchApp
from beatwatch.ui.keymap import binding_owners, keymap_problems

OWNERS = binding_owners(BeatwatchApp)


def test_a_good_keymap_has_no_problems() -> None:
    assert keymap_problems({"checks.new": "a", "app.quit": "ctrl+q"}, OWNERS) == []


def test_an_unknown_id_and_a_clash_with_the_app_are_named() -> None:
    problems = keymap_problems({"check.new": "a", "checks.pause": "q"}, OWNERS)

    assert problems == [
        "no key binding has the id 'check.new', so it was ignored (? lists each screen's "
        "keys with their ids)",
        "'q' is the key of both app.quit and checks.pause: only one of them works",
    ]
