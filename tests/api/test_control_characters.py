"""Fields that have no business holding control characters refuse them over the API: a 400
naming the field, and nothing stored."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api, assert_error

ESC = "\x1b"
OSC_52 = f"{ESC}]52;c;aGk={ESC}\\"
CSI = "\x9b"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", f"backup{ESC}[2J"),
        ("name", "backup\n"),
        ("host", f"db1{OSC_52}"),
        ("host", f"db{CSI}1"),
        ("tags", ["ok", f"nightly{ESC}]0;title\x07"]),
        ("description", "line one\nline two\x7f"),
        ("channels", [f"ops{ESC}"]),
        ("escalate_to", ["pager\t"]),
    ],
)
async def test_a_check_with_control_characters_is_refused_naming_the_field(
    api: Api, field: str, value: object
) -> None:
    body = {"name": "nightly-backup", "every_seconds": 3600, field: value}
    assert_error(await api.call("POST", "/checks", body), 400, field)
    assert await api.ok("GET", "/checks") == []


async def test_a_description_may_hold_newlines_and_tabs(api: Api) -> None:
    body = {"name": "nightly-backup", "every_seconds": 3600, "description": "one\n\ttwo"}
    check = await api.ok("POST", "/checks", body, status=201)
    assert check["description"] == "one\n\ttwo"


async def test_a_change_with_control_characters_is_refused(api: Api) -> None:
    await api.ok("POST", "/checks", {"name": "nightly-backup", "every_seconds": 3600}, 201)
    reply = await api.call("PATCH", "/checks/nightly-backup", {"host": f"db1{ESC}[2J"})
    assert "U+001B" in assert_error(reply, 400, "host")["error"]
    assert (await api.ok("GET", "/checks/nightly-backup"))["host"] is None


async def test_a_channel_with_control_characters_is_refused(api: Api) -> None:
    url = "json://127.0.0.1:9/ops"
    reply = await api.call("POST", "/channels", {"name": f"ops{ESC}[2J", "url": url})
    assert_error(reply, 400, "name")
    reply = await api.call("POST", "/channels", {"name": "ops", "url": url, "tags": [f"a{CSI}"]})
    assert_error(reply, 400, "tags")
    await api.ok("POST", "/channels", {"name": "ops", "url": url}, status=201)
    assert_error(await api.call("PATCH", "/channels/ops", {"tags": ["on\ncall"]}), 400, "tags")
    assert (await api.ok("GET", "/channels"))[0]["tags"] == []


@pytest.mark.parametrize(("field", "value"), [("host", f"db1{OSC_52}"), ("reason", "x\x00")])
async def test_a_window_with_control_characters_is_refused(
    api: Api, field: str, value: str
) -> None:
    body = {"host": "db1", "for": "1h", "reason": "upgrade", field: value}
    assert_error(await api.call("POST", "/windows", body), 400, field)
    assert await api.ok("GET", "/windows") == []
