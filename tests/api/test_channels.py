"""A channel changed in place through the API: PATCH takes a new name too, and the checks that
named the channel follow it."""

from __future__ import annotations

from tests.api.conftest import Api, assert_error


async def test_patch_renames_and_retargets_a_channel_in_place(api: Api) -> None:
    created = await api.ok("POST", "/channels", {"name": "ops", "url": "json://127.0.0.1:9/a"}, 201)
    await api.ok(
        "POST", "/checks", {"name": "backup", "every_seconds": 3600, "channels": ["ops"]}, 201
    )

    edited = await api.ok(
        "PATCH",
        "/channels/ops",
        {"name": "pager", "url": "json://127.0.0.1:9/b", "default": True, "tags": ["oncall"]},
    )

    assert (edited["id"], edited["name"], edited["default"], edited["tags"]) == (
        created["id"],
        "pager",
        True,
        ["oncall"],
    )
    assert (await api.ok("GET", "/checks/backup"))["channels"] == ["pager"]
    assert_error(await api.call("PATCH", "/channels/ops", {"default": False}), 404)


async def test_patch_to_a_taken_name_is_refused_by_its_field(api: Api) -> None:
    for name in ("ops", "mail"):
        await api.ok("POST", "/channels", {"name": name, "url": "json://127.0.0.1:9/a"}, 201)

    reply = await api.call("PATCH", "/channels/ops", {"name": "mail"})

    assert assert_error(reply, 409, "name")["error"] == "a channel named 'mail' already exists"
