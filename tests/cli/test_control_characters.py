"""The command line refuses control characters where a field has no business holding them:
exit 2, one line naming the option, nothing stored."""

from __future__ import annotations

import pytest

from tests.cli.conftest import Beatwatch, assert_one_line_error

ESC = "\x1b"


@pytest.mark.parametrize(
    ("options", "flag"),
    [
        (("--host", f"db1{ESC}]52;c;aGk={ESC}\\"), "--host"),
        (("--tag", "ok", "--tag", f"nightly{ESC}[2J"), "--tag"),
        (("--description", "one\ntwo\x9b"), "--description"),
    ],
)
def test_check_add_names_the_option_at_fault(
    beatwatch: Beatwatch, options: tuple[str, ...], flag: str
) -> None:
    result = beatwatch("check", "add", "nightly-backup", "--every", "1h", *options)
    assert_one_line_error(result, 2, f"{flag} holds", "U+00")
    assert ESC not in result.stderr
    assert beatwatch("check", "list", "--json").json() == []


def test_check_add_and_edit_name_the_name_as_they_take_it(beatwatch: Beatwatch) -> None:
    result = beatwatch("check", "add", f"backup{ESC}[2J", "--every", "1h")
    assert_one_line_error(result, 2, "NAME holds an escape (U+001B) at character 7")
    assert beatwatch("check", "add", "backup", "--every", "1h").code == 0
    result = beatwatch("check", "edit", "backup", "--name", "back\tup")
    assert_one_line_error(result, 2, "--name holds a tab (U+0009) at character 5")
    [check] = beatwatch("check", "list", "--json").json()
    assert check["name"] == "backup"


def test_channels_windows_and_tokens_refuse_them_too(beatwatch: Beatwatch) -> None:
    result = beatwatch("channel", "add", f"ops{ESC}", "json://127.0.0.1:9/ops")
    assert_one_line_error(result, 2, "NAME holds an escape")
    result = beatwatch("channel", "add", "ops", "json://127.0.0.1:9/ops", "--tag", "a\x07")
    assert_one_line_error(result, 2, "--tag holds a control character (U+0007)")
    assert beatwatch("channel", "list", "--json").json() == []

    result = beatwatch("host", "maint", f"db1{ESC}", "--for", "1h")
    assert_one_line_error(result, 2, "HOST holds an escape")
    result = beatwatch("host", "maint", "db1", "--for", "1h", "--reason", "up\rgrade")
    assert_one_line_error(result, 2, "--reason holds a carriage return (U+000D)")
    assert beatwatch("host", "list", "--json").json() == []

    result = beatwatch("token", "create", "--name", f"ci{ESC}[2J")
    assert_one_line_error(result, 2, "--name holds an escape")
    assert beatwatch("token", "list", "--json").json() == []
