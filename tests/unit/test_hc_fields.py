"""healthchecks' JSON <-> beatwatch's checks, against responses recorded from a real
healthchecks server (tests/fixtures/healthchecks-v3, unchanged)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from beatwatch.core.healthchecks_fields import (
    CheckLinks,
    HcFieldError,
    check_to_hc,
    dropped_settings,
    flips,
    hc_spec,
    matches_unique,
    nearest_allowed,
    parse_hc_check,
    ping_to_hc,
    refuse_unsupported,
    unique_key,
    wants_upsert,
)
from beatwatch.core.model import Check, Ping, PingKind, State, Transition
from beatwatch.core.validation import CheckSpec, validate

FIXTURES = Path(__file__).parent.parent / "fixtures" / "healthchecks-v3"
SITE = "http://localhost:8000"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def recorded_checks() -> list[dict[str, Any]]:
    return fixture("checks.json")["checks"]


def epoch(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def imported_spec(data: dict[str, Any]) -> tuple[CheckSpec, list[str]]:
    fields = parse_hc_check(data)
    spec, notes = nearest_allowed(hc_spec(fields, None, [], version=3))
    return validate(spec), notes


def as_stored(spec: CheckSpec, data: dict[str, Any]) -> Check:
    """The check beatwatch would hold for a recorded one: its uuid, its last ping and how
    many it has had."""
    last_ping = epoch(data["last_ping"]) if data["last_ping"] else None
    assert spec.slug is not None and spec.grace_seconds is not None
    return Check(
        id=1,
        uuid=data["uuid"],
        name=spec.name,
        slug=spec.slug,
        schedule=spec.schedule,
        grace_seconds=spec.grace_seconds,
        created_at=epoch("2026-12-01T21:00:00+00:00"),
        clock_start=epoch("2026-12-01T21:00:00+00:00"),
        tags=spec.tags,
        description=spec.description,
        last_ping_at=last_ping,
        last_ping_number=data["n_pings"],
        last_finish_at=last_ping,
        last_finish_kind=PingKind.SUCCESS if last_ping else None,
    )


def links(data: dict[str, Any]) -> CheckLinks:
    return CheckLinks(f"{SITE}/api/v3", data["ping_url"], data["badge_url"], "")


def test_every_recorded_check_comes_over_with_the_nearest_allowed_setting():
    by_name = {data["name"]: imported_spec(data) for data in recorded_checks()}

    bench, notes = by_name["bench"]
    # healthchecks' default check: 1 h period, 1 h grace. beatwatch allows half the period.
    assert (bench.every_seconds, bench.grace_seconds) == (3600, 1800)
    assert notes == [
        "grace 1h -> 30m (at most half the period in beatwatch, so one missed run cannot hide "
        "behind the next)"
    ]
    assert bench.slug == "bench"  # healthchecks had none; beatwatch makes one from the name

    backup, notes = by_name["Nightly backup"]
    assert (backup.every_seconds, backup.grace_seconds, notes) == (7200, 3600, [])
    assert (backup.slug, backup.tags, backup.description) == (
        "nightly-backup",
        ("backup", "db1"),
        "pg_dump of the main database",
    )

    report, notes = by_name["Weekday report"]
    assert (report.cron, report.tz, report.grace_seconds, notes) == (
        "30 2 * * 1-5",
        "Europe/Berlin",
        900,
        [],
    )

    worker, notes = by_name["Queue worker"]
    assert (worker.every_seconds, worker.grace_seconds) == (60, 30)
    assert len(notes) == 1


def test_a_period_beyond_a_week_becomes_a_week_and_says_so():
    data = {"name": "yearly", "timeout": 31536000, "grace": 86400}
    spec, notes = imported_spec(data)
    assert (spec.every_seconds, spec.grace_seconds) == (604800, 86400)
    assert notes[0].startswith("period 52w1d -> 1w")


def test_e_mail_filters_are_listed_as_dropped():
    worker = next(c for c in recorded_checks() if c["name"] == "Queue worker")
    [dropped] = dropped_settings(worker)
    assert dropped.startswith("dropped subject 'OK', subject_fail 'FAIL', start_kw 'starting'")
    assert dropped.endswith("filter_subject True (beatwatch receives no e-mail pings)")
    assert dropped_settings(recorded_checks()[0]) == []


@pytest.mark.parametrize("index", range(4))
def test_a_check_reads_back_in_healthchecks_shape(index):
    data = recorded_checks()[index]
    spec, _ = imported_spec(data)
    now = epoch("2026-12-01T22:01:00+00:00")
    shown = check_to_hc(as_stored(spec, data), now, links(data), readonly=False)

    assert list(shown) == list(data)  # the same fields, in healthchecks' order
    for key in ("name", "tags", "desc", "uuid", "ping_url", "update_url", "pause_url"):
        assert shown[key] == data[key], key
    assert shown["resume_url"] == data["resume_url"]
    assert shown.get("timeout") == data.get("timeout")
    assert (shown.get("schedule"), shown.get("tz")) == (data.get("schedule"), data.get("tz"))
    assert shown["last_ping"] == data["last_ping"]


def test_the_next_ping_is_the_due_time_as_healthchecks_gives_it():
    data = next(c for c in recorded_checks() if c["name"] == "Nightly backup")
    spec, _ = imported_spec(data)
    check = as_stored(spec, data)
    shown = check_to_hc(check, epoch("2026-12-01T22:01:00+00:00"), links(data), readonly=False)
    assert (shown["status"], shown["next_ping"]) == ("up", data["next_ping"])
    late = check_to_hc(check, epoch("2026-12-02T00:10:00+00:00"), links(data), readonly=False)
    assert late["status"] == "grace"
    down = check_to_hc(check, epoch("2026-12-02T02:00:00+00:00"), links(data), readonly=False)
    assert (down["status"], down["next_ping"]) == ("down", None)


def test_a_read_only_key_gets_the_unique_key_healthchecks_gave_and_no_urls():
    recorded = fixture("checks-readonly.json")["checks"]
    for data, readonly in zip(recorded_checks(), recorded, strict=True):
        assert unique_key(data["uuid"]) == readonly["unique_key"]
        spec, _ = imported_spec(data)
        shown = check_to_hc(as_stored(spec, data), 0.0, links(data), readonly=True)
        assert list(shown) == list(readonly)


def test_pings_and_flips_have_healthchecks_fields():
    recorded = fixture("pings.json")["pings"]
    ping = Ping(7, 1, PingKind.SUCCESS, epoch(recorded[2]["date"]), duration=0.01, body=b"ok")
    shown = ping_to_hc(ping, f"{SITE}/api/v3/checks/x/pings/7/body")
    assert list(shown) == list(recorded[2])
    assert shown["date"] == recorded[2]["date"]
    start = ping_to_hc(Ping(6, 1, PingKind.START, epoch(recorded[3]["date"])), "unused")
    assert list(start) == list(recorded[3]) and start["body_url"] is None
    # An exit code is not in healthchecks' ping JSON: a fail with one looks like any fail.
    failed = ping_to_hc(Ping(9, 1, PingKind.FAIL, epoch(recorded[0]["date"]), exit_code=3), "x")
    assert list(failed) == list(recorded[0]) and failed["type"] == "fail"

    recorded_flips = fixture("flips.json")["flips"]
    at = epoch(recorded_flips[0]["timestamp"])
    history = [
        Transition(1, at, State.FAILING, State.UP),
        Transition(1, at, State.MISSED, State.FAILING),  # still down: no flip
        Transition(1, at, State.UP, State.MISSED),
        Transition(1, at, State.NEW, State.UP),  # never down: no flip
    ]
    assert flips(history) == [
        {"timestamp": recorded_flips[0]["timestamp"], "up": 1},
        {"timestamp": recorded_flips[0]["timestamp"], "up": 0},
    ]


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"timeout": 30}, "json validation error: timeout is too small"),
        ({"grace": 31536001}, "json validation error: grace is too large"),
        ({"timeout": "1h"}, "json validation error: timeout is not a number"),
        ({"timeout": True}, "json validation error: timeout is not a number"),
        ({"name": 5}, "json validation error: name is not a string"),
        ({"slug": "Not A Slug"}, "json validation error: slug does not match pattern"),
        ({"methods": "PUT"}, "json validation error: methods has unexpected value"),
        ({"unique": ["desc"]}, "json validation error: an item in 'unique' has unexpected value"),
        ({"manual_resume": "yes"}, "json validation error: manual_resume is not a boolean"),
    ],
)
def test_bad_values_are_refused_with_healthchecks_messages(body, error):
    with pytest.raises(HcFieldError) as caught:
        parse_hc_check(body)
    assert caught.value.message == error


def test_what_beatwatch_cannot_honour_is_refused_by_name():
    refuse_unsupported(parse_hc_check({"filter_subject": False, "success_kw": ""}))
    refuse_unsupported(parse_hc_check({"manual_resume": False, "methods": ""}))
    with pytest.raises(HcFieldError) as caught:
        refuse_unsupported(parse_hc_check({"success_kw": "OK"}))
    assert caught.value.field == "success_kw"
    with pytest.raises(HcFieldError) as caught:
        refuse_unsupported(parse_hc_check({"methods": "POST"}))
    assert caught.value.field == "methods"


def test_an_update_changes_only_what_it_gives():
    current = validate(CheckSpec(name="backup", cron="0 3 * * *", tz="Europe/Riga"))
    moved = hc_spec(parse_hc_check({"schedule": "0 4 * * *"}), current, [], version=3)
    assert (moved.cron, moved.tz, moved.name) == ("0 4 * * *", "Europe/Riga", "backup")
    simple = hc_spec(parse_hc_check({"timeout": 600}), current, [], version=3)
    assert (simple.every_seconds, simple.cron, simple.tz) == (600, None, None)
    renamed_v1 = hc_spec(parse_hc_check({"name": "Backups"}), current, [], version=1)
    renamed_v3 = hc_spec(parse_hc_check({"name": "Backups"}), current, [], version=3)
    assert validate(renamed_v1).slug == "backups" and renamed_v3.slug == "backup"
    everything = hc_spec(parse_hc_check({"channels": "*"}), current, ["ops", "mail"], version=3)
    assert everything.channels == ("ops", "mail")


def test_unique_finds_the_check_every_listed_field_matches():
    data = next(c for c in recorded_checks() if c["name"] == "Nightly backup")
    check = as_stored(imported_spec(data)[0], data)
    same_name = parse_hc_check({"name": "Nightly backup", "timeout": 60, "unique": ["name"]})
    assert wants_upsert(same_name) and matches_unique(check, same_name)
    both = parse_hc_check({"name": "Nightly backup", "timeout": 60, "unique": ["name", "timeout"]})
    assert not matches_unique(check, both)
    # A unique field that is not given means: create, as healthchecks does.
    assert not wants_upsert(parse_hc_check({"timeout": 60, "unique": ["name"]}))
    assert matches_unique(
        replace(check), parse_hc_check({"tags": "backup db1", "unique": ["tags"]})
    )
