"""`beatwatch channel edit`: a channel changed in place from the command line."""

from __future__ import annotations

from tests.cli.conftest import Beatwatch, assert_one_line_error


def test_edit_changes_a_channel_in_place_and_the_checks_naming_it_follow(
    beatwatch: Beatwatch,
) -> None:
    beatwatch("channel", "add", "ops", "json://127.0.0.1:9/a", "--tag", "mail")
    beatwatch("check", "add", "backup", "--every", "1h", "--channel", "ops")
    before = beatwatch("channel", "list", "--json").json()

    edited = beatwatch(
        "channel", "edit", "ops", "--name", "pager", "--url", "json://127.0.0.1:9/b",
        "--default", "--tag", "oncall",
    )  # fmt: skip

    assert edited.code == 0, edited.stderr
    assert edited.stdout.splitlines() == [
        "changed channel pager (default): json://127.0.0.1:9/…",
        "checks that named ops now name pager: backup",
    ]
    [after] = beatwatch("channel", "list", "--json").json()
    assert (after["id"], after["name"], after["default"], after["tags"]) == (
        before[0]["id"],
        "pager",
        True,
        ["oncall"],
    )
    assert beatwatch("check", "show", "backup", "--json").json()["channels"] == ["pager"]
    cleared = beatwatch("channel", "edit", "pager", "--no-tags", "--no-default", "--json").json()
    assert (cleared["tags"], cleared["default"]) == ([], False)


def test_edit_mistakes_are_one_line(beatwatch: Beatwatch) -> None:
    beatwatch("channel", "add", "ops", "json://127.0.0.1:9/a")
    beatwatch("channel", "add", "mail", "json://127.0.0.1:9/b")

    assert_one_line_error(beatwatch("channel", "edit", "ops"), 2, "nothing to change")
    assert_one_line_error(
        beatwatch("channel", "edit", "ops", "--name", "mail"), 2, "'mail' already exists"
    )
    assert_one_line_error(beatwatch("channel", "edit", "ops", "--url", "nope"), 2, "scheme://")
    assert_one_line_error(
        beatwatch("channel", "edit", "ops", "--tag", "x", "--no-tags"), 2, "not both"
    )
    assert_one_line_error(
        beatwatch("channel", "edit", "nosuch", "--default"), 1, "no channel is named 'nosuch'"
    )
