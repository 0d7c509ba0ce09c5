"""Schedules on the command line: a cron macro, a compound duration, and `check show` saying
the schedule in words beside the line as typed."""

from __future__ import annotations

from tests.cli.conftest import Beatwatch


def test_a_macro_and_a_compound_duration_are_taken_and_shown_in_words(
    beatwatch: Beatwatch,
) -> None:
    nightly = beatwatch(
        "check", "add", "nightly", "--cron", "@daily", "--tz", "Europe/Berlin", "--json"
    ).json()
    batch = beatwatch("check", "add", "batch", "--every", "1h30m", "--grace", "1m 30s", "--json")

    assert (nightly["cron"], nightly["tz"]) == ("@daily", "Europe/Berlin")
    assert (batch.json()["every_seconds"], batch.json()["grace_seconds"]) == (5400, 90)
    shown = beatwatch("check", "show", "nightly").stdout.splitlines()
    assert "schedule     at 00:00 every day, Europe/Berlin" in shown
    assert "cron         @daily" in shown
    assert "schedule     every 1h30m" in beatwatch("check", "show", "batch").stdout
    edited = beatwatch("check", "edit", "batch", "--cron", "@HOURLY", "--tz", "UTC", "--json")
    assert edited.json()["cron"] == "@hourly"


def test_an_unknown_macro_is_one_line_naming_the_ones_there_are(beatwatch: Beatwatch) -> None:
    refused = beatwatch("check", "add", "x", "--cron", "@reboot")

    assert refused.code == 2
    assert "'@reboot' is not a cron macro we run: use @yearly" in refused.stderr
    assert "Traceback" not in refused.stderr
