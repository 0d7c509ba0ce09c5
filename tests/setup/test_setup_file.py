"""Config as code: export -> import into an empty data dir reproduces the setup; importing
twice changes nothing; secrets stay out of default exports; bad files name the problem."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from beatwatch.config import Settings
from beatwatch.core.errors import SetupError
from beatwatch.core.validation import CheckSpec
from beatwatch.service.service import Service
from beatwatch.service.setup_file import apply_changes, export_setup, parse_setup, plan_import

SECRET_URL = "json://127.0.0.1:9/hook?+X-Token=planted-secret-42"


async def open_service(path: Path) -> Service:
    return await Service.open(Settings(data_dir=path, listen_host="127.0.0.1", listen_port=0))


async def populate(service: Service) -> None:
    await service.alerts.add_channel("ops", SECRET_URL, is_default=True, tags=("mail",))
    await service.add_check(
        CheckSpec(
            name="Nightly backup",
            every_seconds=86400,
            host="db1",
            tags=("backup",),
            channels=("ops",),
            escalation_channels=("mail",),
            escalate_after_seconds=1800,
            remind_every_seconds=3600,
            failure_threshold=2,
        )
    )
    await service.add_check(CheckSpec(name="certbot", cron="17 3 * * *", tz="Europe/Berlin"))
    await service.alerts.start_maintenance(
        "db1", weekly="sun 02:00-04:00", tz="Europe/Berlin", reason="patching"
    )


async def test_round_trip_into_an_empty_data_dir(tmp_path: Path) -> None:
    source = await open_service(tmp_path / "a")
    target = await open_service(tmp_path / "b")
    try:
        await populate(source)
        text = await export_setup(source, with_secrets=True)
        changes = await plan_import(target, parse_setup(text))
        assert len(changes) == 4  # a channel, a window, two checks
        await apply_changes(changes)
        assert await export_setup(target, with_secrets=True) == text
        assert await plan_import(target, parse_setup(text)) == []  # idempotent
        old = {c.slug: c.uuid for c in await source.list_checks()}
        new = {c.slug: c.uuid for c in await target.list_checks()}
        assert old == new  # ping URLs in crontabs keep working
    finally:
        await source.close()
        await target.close()


async def test_default_export_holds_no_secrets(tmp_path: Path) -> None:
    service = await open_service(tmp_path)
    try:
        await populate(service)
        text = await export_setup(service)
        assert "planted-secret-42" not in text
        for check in await service.list_checks():
            assert check.uuid not in text
        # Without secrets the file still applies to the instance it came from.
        assert await plan_import(service, parse_setup(text)) == []
    finally:
        await service.close()


async def test_dry_run_plan_lists_updates_and_prune(tmp_path: Path) -> None:
    service = await open_service(tmp_path)
    try:
        await populate(service)
        text = (await export_setup(service)).replace('every = "1d"', 'every = "12h"')
        text = text.replace('name = "certbot"\nslug = "certbot"', 'name = "acme"\nslug = "acme"')
        changes = [str(c) for c in await plan_import(service, parse_setup(text), prune=True)]
        assert "+ check acme" in changes
        assert "- check certbot" in changes
        assert any(
            c.startswith("~ check nightly-backup: every_seconds 86400 -> 43200") for c in changes
        )
        assert changes[-1] == "- check certbot"  # deletions last
    finally:
        await service.close()


async def test_a_file_with_uuids_renames_the_check_it_names(tmp_path: Path) -> None:
    service = await open_service(tmp_path)
    try:
        await populate(service)
        before = await service.get_check("certbot")
        text = await export_setup(service, with_secrets=True)
        text = text.replace('name = "certbot"\nslug = "certbot"', 'name = "acme"\nslug = "acme"')

        changes = await plan_import(service, parse_setup(text), prune=True)
        assert [str(c) for c in changes] == [
            "~ check certbot: name 'certbot' -> 'acme', slug 'certbot' -> 'acme'"
        ]
        await apply_changes(changes)

        after = await service.get_check("acme")
        assert (after.id, after.uuid) == (before.id, before.uuid)
    finally:
        await service.close()


async def test_a_window_started_mid_second_is_the_same_window_after_a_round_trip(
    tmp_path: Path,
) -> None:
    # `host maint --for 1h` starts a window at "now", rarely on a whole second; the file
    # holds whole seconds.
    service = await open_service(tmp_path)
    try:
        start = float(int(time.time())) + 0.7
        await service.alerts.start_maintenance(
            "db1", starts_at=start, ends_at=start + 3600, force=True
        )
        text = await export_setup(service)

        assert await plan_import(service, parse_setup(text), prune=True) == []
    finally:
        await service.close()


async def test_a_check_naming_an_unknown_channel_fails_the_plan(tmp_path: Path) -> None:
    service = await open_service(tmp_path)
    try:
        setup = parse_setup('[[check]]\nname = "x"\nevery = "1h"\nchannels = ["pager"]\n')
        with pytest.raises(SetupError, match="no channel is named or tagged 'pager'"):
            await plan_import(service, setup)
        with_channel = parse_setup(
            '[[channel]]\nname = "pager"\nurl = "json://127.0.0.1:9/hook"\n\n'
            '[[check]]\nname = "x"\nevery = "1h"\nchannels = ["pager"]\n'
        )
        assert [str(c) for c in await plan_import(service, with_channel)] == [
            "+ channel pager",
            "+ check x",
        ]
    finally:
        await service.close()


DB1_WINDOW = '[[host]]\nname = "db1"\n[[host.window]]\n'
LATER = "2099-01-01T02:00:00Z"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[[check]]\nname = "x"\nevery = "1h"\n\n[[check]]\nname = "x"\nevery = "2h"\n',
            "check 'x': another [[check]] in the file has the name 'x'",
        ),
        (
            '[[check]]\nname = "x"\nevery = "1h"\ncolour = "red"\n',
            "line 4: check 'x': unknown key 'colour'",
        ),
        ('[[check]]\nname = "x"\nevery = "10s"\n', "check 'x': the interval is 10s"),
        ('[[check]]\nname = "x"\nevery = "soon"\n', "check 'x': every:"),
        ('[[wat]]\nname = "x"\n', "line 1: unknown section 'wat'"),
        (
            f'{DB1_WINDOW}weekly = "sun 02:00-04:00"\nstarts_at = {LATER}\nends_at = {LATER}\n',
            "host 'db1': give ends_at or weekly, not both",
        ),
        (
            f'{DB1_WINDOW}starts_at = {LATER}\nends_at = {LATER}\ntz = "UTC"\n',
            "host 'db1': tz goes with weekly, not with ends_at",
        ),
        (
            f'{DB1_WINDOW}weekly = "sun 02:00-04:00"\nstarts_at = {LATER}\n',
            "host 'db1': starts_at goes with ends_at, not with weekly",
        ),
        (
            f"{DB1_WINDOW}ends_at = {LATER}\n",
            "host 'db1': a window needs weekly = \"sun 02:00-04:00\" or both starts_at and ends_at",
        ),
        (
            f'{DB1_WINDOW}weekly = "sun 02:00-04:00"\ncolour = "red"\n',
            "line 5: a window of host 'db1': unknown key 'colour'",
        ),
        (
            '[[channel]]\nurl = "json://x"\ncolour = "red"\n',
            "line 3: a channel without a name: unknown key 'colour'",
        ),
        (
            f'{DB1_WINDOW}starts_at = "tomorrow"\nends_at = {LATER}\n',
            "host 'db1': starts_at 'tomorrow' is not a time (write it as 2026-11-24T06:00:00Z)",
        ),
        ("[[check]\n", "line 1"),
    ],
)
def test_bad_files_name_the_problem(text: str, message: str) -> None:
    with pytest.raises(SetupError, match=re.escape(message)):
        parse_setup(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[[check]]\nname = "x"\nevery = "1h"\nhost = "db1\\u001b[2J"\n',
            "check 'x': host holds an escape (U+001B) at character 4",
        ),
        (
            '[[check]]\nname = "x"\nevery = "1h"\ndescription = "ok\\n\\u0007"\n',
            "check 'x': description holds a control character (U+0007)",
        ),
        (
            '[[channel]]\nname = "ops\\u009b"\nurl = "json://x"\n',
            "channel 'ops\\x9b': name holds a control character (U+009B)",
        ),
        (
            '[[channel]]\nname = "ops"\nurl = "json://x"\ntags = ["a\\tb"]\n',
            "channel 'ops': tags holds a tab (U+0009)",
        ),
        ('[[host]]\nname = "db\\u001b1"\n', "host 'db\\x1b1': name holds an escape"),
        (
            f'{DB1_WINDOW}weekly = "sun 02:00-04:00"\nreason = "up\\rgrade"\n',
            "a window of host 'db1': reason holds a carriage return (U+000D)",
        ),
    ],
)
def test_control_characters_are_refused_naming_the_entry(text: str, message: str) -> None:
    with pytest.raises(SetupError, match=re.escape(message)):
        parse_setup(text)


async def test_a_macro_and_a_compound_duration_in_a_file(tmp_path: Path) -> None:
    service = await open_service(tmp_path)
    try:
        setup = parse_setup(
            '[[check]]\nname = "rotate"\ncron = "@monthly"\ntz = "UTC"\ngrace = "1h30m"\n'
        )
        await apply_changes(await plan_import(service, setup))
        [check] = await service.list_checks()
        assert (check.schedule.cron, check.grace_seconds) == ("@monthly", 5400)
        assert 'cron = "@monthly"' in await export_setup(service)
    finally:
        await service.close()
