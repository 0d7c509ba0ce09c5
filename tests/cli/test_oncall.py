"""`beatwatch oncall`, `person`, `rotation`, `override` and `policy` as a sysadmin types
them: what they print, their JSON, and one-line refusals with exit code 2."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.cli.conftest import Beatwatch, assert_one_line_error


def set_up_team(beatwatch: Beatwatch) -> None:
    for name in ("alice", "bob"):
        assert beatwatch("channel", "add", f"{name}-phone", f"json://127.0.0.1:9/{name}").code == 0
        assert beatwatch("person", "add", name, "--channel", f"{name}-phone").code == 0
    start = (datetime.now(UTC).date() - timedelta(days=1)).isoformat()
    added = beatwatch(
        "rotation", "add", "primary", "--people", "alice,bob", "--every", "1w", "--at", "00:00",
        "--start", start,
    )  # fmt: skip
    assert added.code == 0, added.stderr


def test_who_is_on_call_now_and_next(beatwatch: Beatwatch) -> None:
    set_up_team(beatwatch)
    shown = beatwatch("oncall")
    assert shown.code == 0, shown.stderr
    header, row, *_ = shown.stdout.splitlines()
    assert header.split() == ["ROTATION", "ON", "CALL", "NEXT", "HAND-OFF"]
    assert row.split()[:3] == ["primary", "alice", "bob"]
    [board] = beatwatch("oncall", "--json").json()
    assert (board["on_call"], board["next"], board["override"]) == ("alice", "bob", None)
    assert [h["person"] for h in board["handoffs"]] == ["bob", "alice", "bob"]

    until = (datetime.now(UTC) + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%MZ")
    covered = beatwatch("override", "add", "primary", "bob", "--until", until)
    assert covered.code == 0, covered.stderr
    assert covered.stdout.startswith("override #1: bob covers primary from ")
    [board] = beatwatch("oncall", "--json").json()
    assert board["on_call"] == "bob" and board["override"]["id"] == 1
    assert "bob (covering until" in beatwatch("oncall").stdout
    assert beatwatch("override", "remove", "1").stdout == "removed override #1\n"


def test_a_policy_a_check_names_and_who_was_told(beatwatch: Beatwatch) -> None:
    set_up_team(beatwatch)
    added = beatwatch(
        "policy", "add", "night", "--step", "rotation:primary", "--step", "15m next:primary"
    )
    assert added.stdout == "added policy night: rotation:primary; 15m next:primary\n"
    assert beatwatch("check", "add", "backup", "--every", "1h", "--policy", "night").code == 0
    [check] = beatwatch("check", "list", "--json").json()
    assert check["escalation_policy"] == "night"
    assert "escalation policy  night" in beatwatch("check", "show", "backup").stdout
    assert beatwatch("check", "edit", "backup", "--policy", "").code == 0
    assert beatwatch("check", "list", "--json").json()[0]["escalation_policy"] is None
    listed = beatwatch("policy", "list").stdout.splitlines()
    assert listed[1].split() == ["night", "rotation:primary;", "15m", "next:primary"]


def test_mistakes_are_one_line_and_exit_2(beatwatch: Beatwatch) -> None:
    set_up_team(beatwatch)
    assert_one_line_error(
        beatwatch("person", "add", "carol", "--channel", "nowhere"),
        2,
        "no channel is named or tagged 'nowhere'",
    )
    assert_one_line_error(
        beatwatch("rotation", "add", "night", "--people", "alice", "--every", "3h"),
        2,
        "'3h' is not a hand-off period",
    )
    assert_one_line_error(
        beatwatch("rotation", "add", "night", "--people", "alice", "--tz", "Europe/Berln"),
        2,
        "did you mean Europe/Berlin?",
    )
    assert_one_line_error(
        beatwatch("policy", "add", "p", "--step", "15m rotation:primary"), 2, "give it no delay"
    )
    assert_one_line_error(
        beatwatch("policy", "add", "p", "--step", "pager:x"), 2, "'pager' is not a kind of step"
    )
    assert_one_line_error(
        beatwatch("check", "add", "job", "--every", "1h", "--policy", "nope"),
        2,
        "no escalation policy is named 'nope'",
    )
    assert_one_line_error(
        beatwatch("person", "remove", "alice"), 2, "alice is still named by rotation primary"
    )
    assert_one_line_error(beatwatch("override", "remove", "9"), 1, "no override has the id 9")
    assert_one_line_error(beatwatch("rotation", "edit", "primary"), 2, "nothing to change")
