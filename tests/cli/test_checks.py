"""`beatwatch check ...` and `beatwatch pings` as a script sees them: output, JSON, exit codes."""

from __future__ import annotations

import re
import time
from datetime import datetime
from pathlib import Path

import pytest

from beatwatch.config import Settings
from beatwatch.core.model import PingKind, PingRequest
from beatwatch.service.service import Service
from tests.cli.conftest import Beatwatch, assert_one_line_error

UTC_SECOND = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
CHECK_FIELDS = {
    "held_by_maintenance",
    "acknowledged",
    "nobody_would_be_told",
    "id",
    "name",
    "slug",
    "uuid",
    "ping_url",
    "state",
    "state_since",
    "every_seconds",
    "cron",
    "tz",
    "grace_seconds",
    "max_duration_seconds",
    "host",
    "tags",
    "description",
    "alerts",
    "channels",
    "failure_threshold",
    "escalate_to",
    "escalate_after_seconds",
    "remind_every_seconds",
    "escalation_policy",
    "paused_until",
    "created_at",
    "last_ping_at",
    "last_duration_seconds",
    "next_change_at",
}
PING_FIELDS = {
    "number",
    "kind",
    "at",
    "exit_code",
    "rid",
    "duration_seconds",
    "remote_addr",
    "user_agent",
    "body",
}


def epoch(iso: str) -> float:
    assert UTC_SECOND.match(iso), iso
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def test_add_prints_the_ping_url(beatwatch: Beatwatch) -> None:
    added = beatwatch("check", "add", "Nightly backup", "--every", "1d")

    assert added.code == 0, added.stderr
    url = added.stdout.strip()
    match = re.fullmatch(r"http://[^/\s]+/ping/([0-9a-f-]{36})", url)
    assert match, url
    shown = beatwatch("check", "show", "nightly-backup", "--json").json()
    assert (shown["uuid"], shown["ping_url"]) == (match.group(1), url)


def test_show_gives_the_badge_urls_which_do_not_reveal_the_ping_url(beatwatch: Beatwatch) -> None:
    uuid = beatwatch("check", "add", "backup", "--every", "1d", "--tag", "db", "--json").json()
    shown = beatwatch("check", "show", "backup").stdout
    badges = dict(re.findall(r"^(badge(?: of tag \w+)?)\s+(\S+)$", shown, re.MULTILINE))
    assert set(badges) == {"badge", "badge of tag db"}
    assert all(url.endswith(".svg") and uuid["uuid"] not in url for url in badges.values())


def test_json_has_every_field_with_utc_times(beatwatch: Beatwatch) -> None:
    before = time.time()
    check = beatwatch(
        "check", "add", "db dump", "--every", "10m", "--grace", "2m", "--max-duration", "5m",
        "--host", "db1", "--tag", "nightly", "--description", "pg_dump of main", "--json",
    ).json()  # fmt: skip

    assert set(check) == CHECK_FIELDS
    assert before - 1 <= epoch(check["created_at"]) <= time.time()
    assert epoch(check["state_since"]) == epoch(check["created_at"])
    assert epoch(check["next_change_at"]) == epoch(check["created_at"]) + 600
    assert check["state"] == "new"
    assert (check["every_seconds"], check["grace_seconds"]) == (600, 120)
    assert check["max_duration_seconds"] == 300
    assert check["alerts"] == ["failing", "long", "missed", "stuck"]
    assert (check["host"], check["tags"]) == ("db1", ["nightly"])
    assert check["last_ping_at"] is None


def test_list_says_whose_alert_is_held_or_would_reach_nobody(beatwatch: Beatwatch) -> None:
    beatwatch("check", "add", "backup", "--every", "1h", "--host", "db1")
    beatwatch("host", "maint", "db1", "--for", "1h")
    listed = beatwatch("check", "list")
    assert listed.code == 0, listed.stderr
    header, row = listed.stdout.splitlines()
    assert header.split()[:2] == ["STATE", "ALERTS"]
    assert "⊘ nobody ◇ held" in row
    [check] = beatwatch("check", "list", "--json").json()
    assert (check["held_by_maintenance"], check["nobody_would_be_told"]) == (True, True)
    assert check["acknowledged"] is False


def test_maintenance_on_a_host_no_check_names_is_refused_unless_forced(
    beatwatch: Beatwatch,
) -> None:
    beatwatch("check", "add", "backup", "--every", "1h", "--host", "db1")
    beatwatch("check", "add", "dump", "--every", "1h", "--host", "db2")
    refused = beatwatch("host", "maint", "db9", "--for", "1h")
    assert_one_line_error(refused, 1)
    assert refused.stderr == (
        "beatwatch: no check names host 'db9' (hosts: db1, db2); --force to open it anyway\n"
    )
    # Nothing was written: db9 is not even a host.
    assert [h["name"] for h in beatwatch("host", "list", "--json").json()] == ["db1", "db2"]
    forced = beatwatch("host", "maint", "db9", "--for", "1h", "--force")
    assert forced.code == 0, forced.stderr
    assert forced.stdout.startswith("maintenance window #1 on db9")


def test_a_max_duration_added_later_turns_on_running_long_alerts(beatwatch: Beatwatch) -> None:
    beatwatch("check", "add", "etl", "--every", "1h")
    beatwatch("check", "add", "quiet etl", "--every", "1h", "--alerts", "missed")

    edited = beatwatch("check", "edit", "etl", "--max-duration", "20m", "--json").json()
    chosen = beatwatch("check", "edit", "quiet-etl", "--max-duration", "20m", "--json").json()

    assert edited["alerts"] == ["failing", "long", "missed", "stuck"]
    assert chosen["alerts"] == ["missed"]


def test_list_edit_pause_resume_and_rm(beatwatch: Beatwatch) -> None:
    beatwatch("check", "add", "api health", "--every", "1m")
    [listed] = beatwatch("check", "list", "--json").json()
    assert (listed["slug"], listed["grace_seconds"]) == ("api-health", 30)

    edited = beatwatch("check", "edit", "api-health", "--every", "2h", "--json").json()
    assert (edited["every_seconds"], edited["grace_seconds"]) == (7200, 300)

    paused = beatwatch("check", "pause", "api-health", "--for", "1h")
    assert paused.stdout.startswith("paused api health until ")
    shown = beatwatch("check", "show", "api-health", "--json").json()
    assert shown["state"] == "paused"
    assert abs(epoch(shown["paused_until"]) - (time.time() + 3600)) < 60

    assert beatwatch("check", "resume", "api-health").stdout == "resumed api health\n"
    shown = beatwatch("check", "show", "api-health", "--json").json()
    assert (shown["state"], shown["paused_until"]) == ("new", None)

    next_year = f"{time.gmtime().tm_year + 1}-01-01T00:00:00Z"
    beatwatch("check", "pause", "api-health", "--until", next_year)
    shown = beatwatch("check", "show", "api-health", "--json").json()
    assert (shown["state"], shown["paused_until"]) == ("paused", next_year)

    removed = beatwatch("check", "rm", "api-health")
    assert removed.stdout == "deleted api health and its history\n"
    assert beatwatch("check", "list", "--json").json() == []


def test_resuming_a_check_that_is_not_paused_says_so_and_changes_nothing(
    beatwatch: Beatwatch,
) -> None:
    before = beatwatch("check", "add", "api health", "--every", "1m", "--json").json()

    resumed = beatwatch("check", "resume", "api-health")

    assert (resumed.code, resumed.stdout) == (0, "api health is not paused; nothing changed\n")
    assert beatwatch("check", "show", "api-health", "--json").json() == before


def test_a_check_is_found_by_name_slug_id_or_uuid(beatwatch: Beatwatch) -> None:
    check = beatwatch("check", "add", "Mail Queue", "--every", "5m", "--json").json()

    refs = ["Mail Queue", "mail-queue", str(check["id"]), check["uuid"], check["uuid"].upper()]
    found = beatwatch.all_at_once(*(("check", "show", ref, "--json") for ref in refs))

    assert [r.json()["id"] for r in found] == [check["id"]] * len(refs)


async def test_pings_lists_the_newest_first(beatwatch: Beatwatch, data_dir: Path) -> None:
    check = beatwatch("check", "add", "etl", "--every", "1h", "--json").json()
    sent = [
        (PingKind.START, None, b""),
        (PingKind.LOG, None, b"halfway"),
        (PingKind.FAIL, 3, b"disk full \xff"),
    ]
    service = await Service.open(Settings(data_dir=data_dir))
    try:
        for kind, exit_code, body in sent:
            request = PingRequest(
                kind=kind, uuid=check["uuid"], exit_code=exit_code, body=body, at=time.time()
            )
            await service.record_ping(request)
    finally:
        await service.close()

    newest, before = beatwatch("pings", check["uuid"], "--limit", "2", "--json").json()

    assert set(newest) == PING_FIELDS
    assert (newest["number"], before["number"]) == (len(sent), len(sent) - 1)
    assert (newest["kind"], newest["exit_code"], newest["body"]) == ("fail", 3, "disk full \ufffd")
    assert (before["kind"], before["body"]) == ("log", "halfway")
    assert epoch(before["at"]) <= epoch(newest["at"])


MISTAKES = [
    pytest.param(("check", "add", "x", "--every", "10s"), "interval", id="interval-under-30s"),
    pytest.param(
        ("check", "add", "x", "--every", "604801"),
        "the interval is 1w1s; it must be between 30s and 1w (30 to 604800 seconds)",
        id="interval-a-second-over-1w",
    ),
    pytest.param(
        ("check", "add", "x", "--every", "7201", "--grace", "3601"),
        "the grace is 1h1s but may be at most half the interval (1h)",
        id="grace-a-second-over-half",
    ),
    pytest.param(("check", "add", "x", "--every", "1m", "--grace", "31s"), "grace", id="grace"),
    pytest.param(
        ("check", "add", "x", "--cron", "0 3 * * *", "--tz", "Mars/Olympus"),
        "Mars/Olympus",
        id="unknown-zone",
    ),
    pytest.param(("check", "add", "x", "--cron", "61 * * * *"), "cron", id="bad-cron"),
    pytest.param(("check", "add", "x", "--every", "1h", "--colour", "red"), "--colour", id="flag"),
    pytest.param(("check", "add", "x", "--every", "soon"), "soon", id="bad-duration"),
    pytest.param(("check", "pause", "x", "--for", "5parsecs"), "5parsecs", id="bad-pause"),
    pytest.param(("check", "add", "x"), "--every", id="no-schedule"),
    pytest.param(("check", "add", "3", "--every", "1h"), "read as a check id", id="digits"),
    pytest.param(("check", "add", "a\nb", "--every", "1h"), "one line", id="newline"),
]


def test_a_mistake_is_one_line_and_exit_2(beatwatch: Beatwatch) -> None:
    commands = [param.values[0] for param in MISTAKES]

    results = beatwatch.all_at_once(*commands)

    for param, result in zip(MISTAKES, results, strict=True):
        assert_one_line_error(result, 2, param.values[1])
    assert beatwatch("check", "list", "--json").json() == []


def test_a_second_name_without_letters_is_told_why_its_slug_is_taken(
    beatwatch: Beatwatch,
) -> None:
    first = beatwatch("check", "add", "!!!", "--every", "1h", "--json").json()

    second = beatwatch("check", "add", "???", "--every", "1h")

    assert first["slug"] == "check"
    assert_one_line_error(
        second,
        2,
        "'???' has no letters or digits (a-z, 0-9) to make a slug of, and the slug used "
        "instead, 'check', is taken by '!!!' (id 1); put a letter or digit in the name",
    )


def test_a_number_too_big_for_an_id_names_nothing(beatwatch: Beatwatch) -> None:
    beatwatch("check", "add", "backup", "--every", "1h")
    huge = "9" * 25
    commands = [
        ("check", "show", huge),
        ("pings", huge),
        ("incident", "show", huge),
        ("incident", "ack", huge),
    ]

    for result in beatwatch.all_at_once(*commands):
        assert_one_line_error(result, 1, huge)


def test_removing_a_channel_says_which_checks_fall_back_to_the_defaults(
    beatwatch: Beatwatch,
) -> None:
    beatwatch("channel", "add", "pager", "json://127.0.0.1:9/hook")
    beatwatch("check", "add", "etl", "--every", "1h", "--channel", "pager")

    removed = beatwatch("channel", "rm", "pager")

    assert removed.stdout.splitlines() == [
        "removed channel pager",
        "checks that named it alert the default channels instead (unless another channel "
        "they name is left): etl",
    ]
    assert beatwatch("check", "edit", "etl", "--every", "2h").code == 0


def test_an_unknown_check_is_one_line_and_exit_1(beatwatch: Beatwatch) -> None:
    beatwatch("check", "add", "backup", "--every", "1h")
    commands = [
        ("check", "show", "nope"),
        ("check", "edit", "nope", "--every", "1h"),
        ("check", "pause", "nope", "--for", "1h"),
        ("check", "resume", "nope"),
        ("check", "rm", "nope"),
        ("pings", "nope"),
    ]

    for result in beatwatch.all_at_once(*commands):
        assert_one_line_error(result, 1, "no check matches 'nope'")


def test_a_config_file_with_an_unknown_key_names_it_and_its_line(
    beatwatch: Beatwatch, tmp_path: Path
) -> None:
    config = tmp_path / "beatwatch.toml"
    config.write_text('listen = "127.0.0.1:8790"\ncolour = "red"\n')

    result = beatwatch("--config", str(config), "check", "list")

    assert_one_line_error(result, 2, "'colour'", "line 2")


def test_the_data_dir_can_come_from_the_environment(
    clean_env: dict[str, str], tmp_path: Path
) -> None:
    data_dir = tmp_path / "from-env"
    beatwatch = Beatwatch(None, {**clean_env, "BEATWATCH_DATA_DIR": str(data_dir)})

    beatwatch("check", "add", "backup", "--every", "1h")

    assert (data_dir / "beatwatch.db").is_file()
    assert [c["name"] for c in beatwatch("check", "list", "--json").json()] == ["backup"]
