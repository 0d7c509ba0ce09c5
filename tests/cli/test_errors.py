"""What a script sees when a command names something that is not there, or is used wrongly:
exit 1 for "no such thing", exit 2 for a usage mistake, one `beatwatch:` line either way."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import Beatwatch, assert_one_line_error

NOT_FOUND = [
    (("ping", "nosuch"), "no check matches 'nosuch'"),
    (("host", "end", "nosuch"), "no host is named 'nosuch'"),
    (("host", "rm-window", "99"), "no maintenance window has the id 99"),
    (("host", "rm-window", "9" * 25), "no maintenance window has the id"),
    (("channel", "test", "nosuch"), "no channel is named 'nosuch'"),
    (("channel", "rm", "nosuch"), "no channel is named 'nosuch'"),
    (("incident", "show", "99"), "no incident has the id 99"),
    (("incident", "ack", "99"), "no incident has the id 99"),
    (("token", "revoke", "nosuch"), "no API token has the id or name 'nosuch'"),
]


def test_naming_something_that_does_not_exist_is_one_line_and_exit_1(
    beatwatch: Beatwatch,
) -> None:
    beatwatch("check", "add", "backup", "--every", "1h", "--host", "db1")

    results = beatwatch.all_at_once(*(args for args, _ in NOT_FOUND))

    for (args, message), result in zip(NOT_FOUND, results, strict=True):
        assert_one_line_error(result, 1, message)
        assert "--help" not in result.stderr, args


def test_ending_maintenance_on_a_host_that_has_none_changes_nothing(beatwatch: Beatwatch) -> None:
    beatwatch("check", "add", "backup", "--every", "1h", "--host", "db1")

    ended = beatwatch("host", "end", "db1")

    assert (ended.code, ended.stdout, ended.stderr) == (0, "db1 was not in maintenance\n", "")


LATER = "2099-01-01T00:00:00Z"
FLAGS_THAT_DO_NOT_GO_TOGETHER = [
    pytest.param(("--for", "1h", "--tz", "Europe/Berlin"), "--tz goes with --weekly", id="for-tz"),
    pytest.param(("--until", LATER, "--tz", "UTC"), "--tz goes with --weekly", id="until-tz"),
    pytest.param(("--from", LATER, "--for", "1h"), "--from goes with --until", id="from-for"),
    pytest.param(
        ("--weekly", "sun 02:00-04:00", "--from", LATER),
        "--from goes with --until",
        id="from-weekly",
    ),
    pytest.param(
        ("--for", "1h", "--weekly", "sun 02:00-04:00"),
        "give --for or --weekly, not both",
        id="for-weekly",
    ),
    pytest.param(
        ("--weekly", "sun 02:00-04:00", "--until", LATER),
        "give --until or --weekly, not both",
        id="until-weekly",
    ),
]


def test_maintenance_flags_that_would_be_ignored_are_refused(beatwatch: Beatwatch) -> None:
    beatwatch("check", "add", "backup", "--every", "1h", "--host", "db1")
    commands = [("host", "maint", "db1", *p.values[0]) for p in FLAGS_THAT_DO_NOT_GO_TOGETHER]

    results = beatwatch.all_at_once(*commands)

    for param, result in zip(FLAGS_THAT_DO_NOT_GO_TOGETHER, results, strict=True):
        assert_one_line_error(result, 2, param.values[1])
    [host] = beatwatch("host", "list", "--json").json()
    assert host["windows"] == []


def test_a_setup_file_refuses_window_fields_that_do_not_go_together(
    beatwatch: Beatwatch, tmp_path: Path
) -> None:
    beatwatch("check", "add", "backup", "--every", "1h", "--host", "db1")
    setup = tmp_path / "setup.toml"
    setup.write_text(
        '[[host]]\nname = "db1"\n\n[[host.window]]\n'
        'starts_at = "2099-01-01T00:00:00Z"\nends_at = "2099-01-01T02:00:00Z"\n'
        'tz = "Europe/Berlin"\n\n'
        '[[check]]\nname = "nightly"\nevery = "1d"\n'
    )

    result = beatwatch("import", str(setup))

    assert_one_line_error(result, 2, "host 'db1': tz goes with weekly, not with ends_at")
    assert [check["slug"] for check in beatwatch("check", "list", "--json").json()] == ["backup"]
    [host] = beatwatch("host", "list", "--json").json()
    assert host["windows"] == []


PAUSES_THAT_ARE_REFUSED = [
    pytest.param(("--for", "1h", "--until", LATER), "give --for or --until, not both", id="both"),
    pytest.param(("--for", "0s"), "the pause must end in the future", id="for-0"),
    pytest.param(
        ("--until", "2000-01-01T00:00:00Z"), "the pause must end in the future", id="past"
    ),
]


def test_a_pause_that_cannot_be_made_is_a_usage_error(beatwatch: Beatwatch) -> None:
    beatwatch("check", "add", "backup", "--every", "1h")
    commands = [("check", "pause", "backup", *p.values[0]) for p in PAUSES_THAT_ARE_REFUSED]

    results = beatwatch.all_at_once(*commands)

    for param, result in zip(PAUSES_THAT_ARE_REFUSED, results, strict=True):
        assert_one_line_error(result, 2, param.values[1], "beatwatch check pause --help")
    [check] = beatwatch("check", "list", "--json").json()
    assert check["state"] == "new"


@pytest.mark.parametrize(
    "args",
    [
        ("check", "edit", "backup"),
        ("check", "pause", "backup", "--for", "1h", "--until", "10:00"),
        ("host", "maint", "db1"),
        ("check", "add", "x"),
    ],
    ids=["edit-nothing", "pause-twice", "maint-no-time", "add-no-schedule"],
)
def test_a_usage_error_points_to_help_once(beatwatch: Beatwatch, args: tuple[str, ...]) -> None:
    beatwatch("check", "add", "backup", "--every", "1h", "--host", "db1")

    result = beatwatch(*args)

    assert_one_line_error(result, 2)
    assert result.stderr.count("--help") == 1, result.stderr
