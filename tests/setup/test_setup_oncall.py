"""People, rotations and escalation policies in the setup file: exported, restored into an
empty data dir as they were, imported twice without change, pruned in an order that works,
and refused before anything changes when they name what exists nowhere."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from beatwatch.core.errors import SetupError
from beatwatch.core.validation import CheckSpec
from beatwatch.service.service import Service
from beatwatch.service.setup_file import apply_changes, export_setup, parse_setup, plan_import
from tests.setup.test_setup_file import open_service


async def populate(service: Service) -> None:
    await service.alerts.add_channel("alice-phone", "json://127.0.0.1:9/alice")
    await service.alerts.add_channel("bob-phone", "json://127.0.0.1:9/bob", tags=("phones",))
    await service.oncall.add_person("alice", ("alice-phone",))
    await service.oncall.add_person("bob", ("bob-phone",))
    await service.oncall.add_rotation(
        "primary", ("alice", "bob"), "1w", "09:00", "Europe/Berlin", date(2026, 11, 30)
    )
    await service.oncall.add_policy(
        "night", ("rotation:primary", "15m next:primary", "30m channel:phones"), ("db",), True
    )
    await service.add_check(CheckSpec(name="backup", every_seconds=3600, escalation_policy="night"))


async def test_on_call_round_trips_into_an_empty_data_dir(tmp_path: Path) -> None:
    source = await open_service(tmp_path / "a")
    target = await open_service(tmp_path / "b")
    try:
        await populate(source)
        text = await export_setup(source, with_secrets=True)
        assert '[[rotation]]\nname = "primary"' in text
        assert 'steps = [\n    "rotation:primary",\n    "15m next:primary",' in text
        assert 'policy = "night"' in text
        await apply_changes(await plan_import(target, parse_setup(text)))
        assert await export_setup(target, with_secrets=True) == text
        assert await plan_import(target, parse_setup(text)) == []
        [check] = await target.list_checks()
        assert check.escalation_policy == "night"
    finally:
        await source.close()
        await target.close()


async def test_changes_are_planned_and_prune_removes_in_an_order_that_works(
    tmp_path: Path,
) -> None:
    service = await open_service(tmp_path)
    try:
        await populate(service)
        text = await export_setup(service, with_secrets=True)
        edited = text.replace('every = "1w"', 'every = "2w"').replace(
            'at = "09:00"', 'at = "08:30"'
        )
        changes = await plan_import(service, parse_setup(edited))
        assert [str(c) for c in changes] == ["~ rotation primary"]
        await apply_changes(changes)
        rotation = await service.oncall.rotation("primary")
        assert (rotation.every, rotation.handoff_minute) == (2, 8 * 60 + 30)

        channels_only = text.split("[[person]]")[0]
        pruned = await plan_import(service, parse_setup(channels_only), prune=True)
        assert [str(c) for c in pruned] == [
            "- check backup",
            "- policy night",
            "- rotation primary",
            "- person alice",
            "- person bob",
        ]
        await apply_changes(pruned)
        assert await service.oncall.people() == []
    finally:
        await service.close()


async def test_a_step_naming_what_exists_nowhere_fails_the_plan(tmp_path: Path) -> None:
    service = await open_service(tmp_path)
    try:
        text = '[[policy]]\nname = "night"\nsteps = ["rotation:secondary"]\n'
        with pytest.raises(SetupError, match="'rotation:secondary' names what exists neither"):
            await plan_import(service, parse_setup(text))
        text = '[[rotation]]\nname = "primary"\npeople = ["carol"]\n'
        with pytest.raises(SetupError, match="no person is named 'carol'"):
            await plan_import(service, parse_setup(text))
    finally:
        await service.close()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[person]]\nname = "a"\nchannels = []\n', "person 'a': a person needs a channel"),
        ('[[rotation]]\nname = "r"\npeople = ["a"]\nat = "25:00"\n', "rotation 'r': '25:00'"),
        ('[[rotation]]\nname = "r"\npeople = ["a"]\nstart = "soon"\n', "rotation 'r':"),
        ('[[policy]]\nname = "p"\nsteps = ["5m rotation:r"]\n', "policy 'p': the first step"),
        ('[[policy]]\nname = "p"\nsteps = ["x"]\nlevel = 2\n', "unknown key 'level'"),
    ],
)
def test_bad_on_call_entries_name_the_problem(text: str, message: str) -> None:
    with pytest.raises(SetupError, match=message.replace("(", r"\(")):
        parse_setup(text)
