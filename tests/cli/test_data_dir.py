"""A data dir with no database: commands that add something create one there, the others
say that there is none and leave the disk alone, so a mistyped --data-dir never reads as
"every check is gone"."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import Beatwatch, assert_one_line_error

FINDS_NOTHING_TO_WORK_ON = [
    ("check", "list"),
    ("check", "show", "backup"),
    ("check", "edit", "backup", "--every", "1h"),
    ("check", "pause", "backup"),
    ("check", "resume", "backup"),
    ("check", "rm", "backup"),
    ("pings", "backup"),
    ("unknown",),
    ("export",),
    ("incidents",),
    ("incident", "show", "1"),
    ("incident", "ack", "1"),
    ("channel", "list"),
    ("channel", "test", "ops"),
    ("channel", "rm", "ops"),
    ("host", "list"),
    ("host", "end", "db1"),
    ("host", "rm-window", "1"),
    ("token", "list"),
    ("token", "revoke", "ansible"),
]


def test_a_command_on_a_data_dir_without_a_database_says_so_and_creates_nothing(
    beatwatch: Beatwatch, data_dir: Path
) -> None:
    results = beatwatch.all_at_once(*FINDS_NOTHING_TO_WORK_ON)

    for command, result in zip(FINDS_NOTHING_TO_WORK_ON, results, strict=True):
        assert_one_line_error(result, 1, f"no beatwatch database in {data_dir} ")
        assert result.stdout == "", command
    assert not data_dir.exists()


def test_an_existing_empty_dir_is_left_empty(beatwatch: Beatwatch, data_dir: Path) -> None:
    data_dir.mkdir()

    listed = beatwatch("check", "list", "--json")

    assert_one_line_error(listed, 1, "no beatwatch database")
    assert list(data_dir.iterdir()) == []


def test_a_dry_run_import_finds_no_database_and_creates_none(
    beatwatch: Beatwatch, data_dir: Path, tmp_path: Path
) -> None:
    setup = tmp_path / "setup.toml"
    setup.write_text('[[check]]\nname = "backup"\nevery = "1h"\n')

    result = beatwatch("import", str(setup), "--dry-run")

    assert_one_line_error(result, 1, f"no beatwatch database in {data_dir} ")
    assert result.stdout == ""
    assert not data_dir.exists()


REFUSED_BEFORE_OPENING = [
    ("check", "pause", "backup", "--for", "1h", "--until", "10:00"),
    ("host", "maint", "db1"),
    ("host", "maint", "db1", "--for", "1h", "--tz", "UTC"),
]


def test_flags_that_do_not_go_together_are_refused_before_any_database_is_opened(
    beatwatch: Beatwatch, data_dir: Path
) -> None:
    results = beatwatch.all_at_once(*REFUSED_BEFORE_OPENING)

    for command, result in zip(REFUSED_BEFORE_OPENING, results, strict=True):
        assert_one_line_error(result, 2, f"beatwatch {' '.join(command[:2])} --help")
        assert "no beatwatch database" not in result.stderr, command
    assert not data_dir.exists()


# `run` still runs its command, unreported, and exits with its code (true: 0).
@pytest.mark.parametrize(
    ("command", "code"), [(("ping", "backup"), 1), (("run", "backup", "--", "true"), 0)]
)
def test_ping_and_run_by_name_say_to_give_the_ping_url_instead(
    beatwatch: Beatwatch, data_dir: Path, command: tuple[str, ...], code: int
) -> None:
    result = beatwatch(*command)

    assert_one_line_error(
        result,
        code,
        f"no check matches 'backup': there is no beatwatch database in {data_dir}; "
        "on this machine give the check's ping URL (http://…) instead",
    )
    assert not data_dir.exists()


ADDS_SOMETHING = [
    ("check", "add", "backup", "--every", "1h"),
    ("channel", "add", "ops", "json://127.0.0.1:9/hook"),
    ("host", "maint", "db1", "--for", "1h", "--force"),
    ("token", "create", "--name", "ansible"),
]


def test_a_command_that_adds_something_creates_the_database(
    clean_env: dict[str, str], tmp_path: Path
) -> None:
    setup = tmp_path / "setup.toml"
    setup.write_text('[[check]]\nname = "backup"\nevery = "1h"\n')
    commands = [*ADDS_SOMETHING, ("import", str(setup))]
    data_dirs = [tmp_path / f"fresh-{n}" for n in range(len(commands))]

    for command, data_dir in zip(commands, data_dirs, strict=True):
        result = Beatwatch(data_dir, clean_env)(*command)
        assert result.code == 0, (command, result.stderr)
        assert (data_dir / "beatwatch.db").is_file(), command
