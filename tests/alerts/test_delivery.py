"""Alerts reach people exactly once: dedup, recovery, outages, restarts, storms, maintenance,
escalation and the failure threshold — end to end through real Apprise."""

from __future__ import annotations

import time

import pytest

from beatwatch.config import Settings
from beatwatch.core.alert_policy import GIVE_UP_AFTER, STORM_WINDOW, retry_delay
from beatwatch.core.model import AlertType, Check, EventKind, PingKind, PingRequest, State
from beatwatch.runtime import start_engine
from beatwatch.service.service import Service
from tests.alerts.conftest import Harness, open_on_test_clock
from tests.conftest import wait_for
from tests.outside import outside
from tests.webhook import Hook

MISSED_AFTER = 60 + 30 + 1  # interval 60 s, default grace 30 s


async def ping(harness: Harness, uuid: str, kind: PingKind, at: float, body: bytes = b"") -> None:
    exit_code = 3 if kind is PingKind.FAIL else None
    harness.clock.set(at)
    await harness.service.record_ping(
        PingRequest(kind=kind, uuid=uuid, exit_code=exit_code, body=body, at=at)
    )


async def test_missed_alerts_once_then_recovers_once(harness: Harness, hook: Hook) -> None:
    await harness.service.alerts.add_channel("ops", hook.url, is_default=True)
    check = await harness.add("nightly-backup", host="db1", tags=("backup",))
    late = check.created_at + MISSED_AFTER

    await harness.evaluate_at(late)
    await harness.dispatch()
    await harness.evaluate_at(late + 30)  # later ticks in the same state stay silent
    await harness.dispatch()
    assert hook.titles() == ["nightly-backup is MISSED"]
    alert = hook.received[0]["message"]
    assert "No ping since it was created" in alert
    assert "db1" in alert and "backup" in alert
    assert check.uuid not in alert

    await ping(harness, check.uuid, PingKind.SUCCESS, late + 60)
    await harness.dispatch()
    assert hook.titles() == ["nightly-backup is MISSED", "nightly-backup is UP again"]
    assert "It was MISSED for" in hook.received[1]["message"]
    # Services that colour messages by type show the alert red and the recovery green.
    assert [m["type"] for m in hook.received] == ["failure", "success"]
    [incident] = await harness.service.alerts.incidents()
    assert incident.resolved_at is not None and incident.resolution == "recovered"


async def test_mail_channel_gets_the_alert(harness: Harness, smtp) -> None:
    url = f"mailto://127.0.0.1:{smtp.port}?from=beatwatch@example.com&to=admin@example.com"
    await harness.service.alerts.add_channel("mail", url, is_default=True)
    check = await harness.add("certbot")
    await harness.evaluate_at(check.created_at + MISSED_AFTER)
    await harness.dispatch()
    await wait_for(lambda: len(smtp.messages) == 1)
    assert "certbot is MISSED" in smtp.messages[0]


async def test_failure_alert_has_exit_code_and_output_tail(harness: Harness, hook: Hook) -> None:
    await harness.service.alerts.add_channel("ops", hook.url, is_default=True)
    check = await harness.add("db-dump")
    await ping(harness, check.uuid, PingKind.FAIL, time.time(), b"pg_dump: error: disk full\n")
    await harness.dispatch()
    assert hook.titles() == ["db-dump is FAILING"]
    assert "exit code 3" in hook.received[0]["message"]
    assert "disk full" in hook.received[0]["message"]


async def test_failure_output_never_shows_a_ping_credential(harness: Harness, hook: Hook) -> None:
    # `set -x` output echoes the job's own ping URLs; whoever reads the alert must not be
    # able to send pings with them.
    await harness.service.alerts.add_channel("ops", hook.url, is_default=True)
    check = await harness.add("backup")
    key = harness.service.ping_key
    output = (
        f"+ curl -fsS http://mon:8000/ping/{key}/backup/start\n"
        f"+ curl -fsS http://mon:8000/ping/{check.uuid.upper()}/fail\n"
        f"export PING_KEY={key}\n"
        "tar: /srv: Cannot open: Permission denied\n"
    )
    await ping(harness, check.uuid, PingKind.FAIL, time.time(), output.encode())
    await harness.dispatch()
    message = hook.received[0]["message"]
    assert "Permission denied" in message
    assert "/ping/…" in message
    assert key not in message
    assert check.uuid not in message.lower()
    incident = (await harness.service.alerts.incidents(open_only=True))[0]
    assert key not in incident.reason and check.uuid not in incident.reason.lower()


async def test_a_check_whose_channel_was_removed_alerts_the_defaults(
    harness: Harness, hook: Hook
) -> None:
    alerts = harness.service.alerts
    await alerts.add_channel("ops", hook.url, is_default=True)
    await alerts.add_channel("pager", "json://127.0.0.1:9/never", is_default=False)
    check = await harness.add("orphan", channels=("pager",))
    await alerts.remove_channel("pager")
    assert [c.name for c in await alerts.checks_naming("pager")] == ["orphan"]

    # The check can still be edited, and its missed run reaches the default channel.
    await harness.service.update_check("orphan", description="nightly")
    await harness.evaluate_at(check.created_at + MISSED_AFTER)
    await harness.dispatch()

    assert hook.titles() == ["orphan is MISSED"]


async def test_an_alert_with_no_channel_is_logged_with_the_command_that_fixes_it(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    check = await harness.add("certbot")

    await harness.evaluate_at(check.created_at + MISSED_AFTER)

    [line] = [r.getMessage() for r in caplog.records if "not sent" in r.getMessage()]
    # A service's journal is read with no terminal UI at hand: only the command is named.
    assert line == (
        "check certbot: alert not sent: no channel to send it to "
        "(add a default one: `beatwatch channel add NAME URL --default`)"
    )


async def test_an_alert_with_no_channel_is_in_the_event_log(harness: Harness) -> None:
    check = await harness.add("certbot")

    await harness.evaluate_at(check.created_at + MISSED_AFTER)

    [unsent] = [e for e in await harness.service.log_events() if e.kind is EventKind.NOT_SENT]
    assert (unsent.level, unsent.check_id) == ("warning", check.id)
    assert unsent.text.startswith("check certbot: alert not sent: no channel to send it to")


async def test_deliveries_and_failed_ones_are_in_the_event_log(
    harness: Harness, hook: Hook
) -> None:
    await harness.service.alerts.add_channel("ops", hook.url, is_default=True)
    check = await harness.add("certbot")
    hook.failing = True
    await harness.evaluate_at(check.created_at + MISSED_AFTER)
    await harness.dispatch()
    hook.failing = False
    harness.clock.step(retry_delay(1))
    await harness.dispatch()

    lines = [(e.level, e.kind, e.text) for e in await harness.service.log_events()]
    assert lines[-2:] == [
        (
            "warning",
            EventKind.DELIVERY_FAILED,
            "could not send alert to ops (Failed to send JSON POST notification: Servers are "
            "overloaded., error=503.); will retry: certbot is MISSED",
        ),
        ("info", EventKind.DELIVERY, "sent alert to ops: certbot is MISSED"),
    ]


async def test_failure_threshold_alerts_on_the_third_failure(harness: Harness, hook: Hook) -> None:
    await harness.service.alerts.add_channel("ops", hook.url, is_default=True)
    check = await harness.add("flaky-sync", failure_threshold=3)
    now = time.time()
    for n in range(2):
        await ping(harness, check.uuid, PingKind.FAIL, now + n)
        await harness.dispatch()
    assert hook.received == []
    assert (await harness.service.get_check(check.slug)).state.value == "failing"
    await ping(harness, check.uuid, PingKind.FAIL, now + 2)
    await harness.dispatch()
    assert hook.titles() == ["flaky-sync is FAILING"]
    assert "3 failures in a row" in hook.received[0]["message"]


async def test_failure_reaching_the_threshold_wakes_the_dispatcher(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The third failure changes no state, but queues the alert: the dispatcher must be told
    # now rather than find it at its next poll.
    pokes: list[None] = []
    monkeypatch.setattr(harness.service.dispatcher, "poke", lambda: pokes.append(None))
    check = await harness.add("flaky-sync", failure_threshold=3)
    now = time.time()
    for n in range(2):
        await ping(harness, check.uuid, PingKind.FAIL, now + n)
    pokes.clear()
    await ping(harness, check.uuid, PingKind.FAIL, now + 2)
    assert pokes


async def test_failures_below_the_threshold_keep_the_missed_incident_open(
    harness: Harness, hook: Hook
) -> None:
    await harness.service.alerts.add_channel("ops", hook.url, is_default=True)
    check = await harness.add("flaky-sync", failure_threshold=3)
    missed_at = check.created_at + MISSED_AFTER
    await harness.evaluate_at(missed_at)
    await harness.dispatch()
    await ping(harness, check.uuid, PingKind.FAIL, missed_at + 10)
    await harness.dispatch()
    assert (await harness.service.get_check(check.slug)).state.value == "failing"
    await harness.evaluate_at(missed_at + 10 + MISSED_AFTER)  # and then no run at all
    await harness.dispatch()
    assert hook.titles() == ["flaky-sync is MISSED"]
    [incident] = await harness.service.alerts.incidents()
    assert incident.resolved_at is None
    await ping(harness, check.uuid, PingKind.SUCCESS, missed_at + 20 + MISSED_AFTER)
    await harness.dispatch()
    assert hook.titles() == ["flaky-sync is MISSED", "flaky-sync is UP again"]


async def test_a_timed_pause_ends_at_its_end_in_history_and_recovery(
    harness: Harness, hook: Hook
) -> None:
    await harness.service.alerts.add_channel("ops", hook.url, is_default=True)
    check = await harness.add("report")
    now = time.time()
    await ping(harness, check.uuid, PingKind.FAIL, now)
    until = now + 3 * 86400
    await harness.service.pause_check(check.slug, until)
    await harness.evaluate_at(until + 5)
    [resumed] = [
        t for t in await harness.service.transitions(check.slug) if t.from_state is State.PAUSED
    ]
    assert resumed.to_state is State.FAILING
    assert resumed.at == pytest.approx(until, abs=1e-3)
    await ping(harness, check.uuid, PingKind.SUCCESS, until + 10)
    await harness.dispatch()
    [recovery] = [m["message"] for m in hook.received if m["title"] == "report is UP again"]
    assert "FAILING for 10s" in recovery  # since the pause ended, not for 3 days


async def failing_then_stuck(harness: Harness, name: str) -> tuple[Check, float]:
    """A check whose job failed, then started a run that never finished; returns the check
    and when it failed."""
    check = await harness.add(name)
    now = time.time()
    await ping(harness, check.uuid, PingKind.FAIL, now)
    await ping(harness, check.uuid, PingKind.START, now + 1)
    await harness.evaluate_at(now + 1 + MISSED_AFTER)  # that run never finished: stuck
    return check, now


async def test_a_job_whose_last_run_failed_has_not_recovered_by_starting(
    harness: Harness, hook: Hook
) -> None:
    await harness.service.alerts.add_channel("ops", hook.url, is_default=True)
    check, now = await failing_then_stuck(harness, "etl")
    await ping(harness, check.uuid, PingKind.START, now + 100)
    await harness.dispatch()
    assert hook.titles() == ["etl is FAILING", "etl is STUCK"]
    await ping(harness, check.uuid, PingKind.SUCCESS, now + 130)
    await harness.dispatch()
    assert hook.titles()[-1] == "etl is UP again"


async def test_a_channel_gets_its_messages_one_at_a_time_in_order(
    harness: Harness, hook: Hook
) -> None:
    await harness.service.alerts.add_channel("ops", hook.url, is_default=True)
    hook.answer_after = 0.05  # slow to answer: a later message sent alongside would overtake
    check, now = await failing_then_stuck(harness, "etl")
    await ping(harness, check.uuid, PingKind.SUCCESS, now + 200)
    await harness.dispatcher.run_once()
    await harness.dispatcher.run_once()  # woken again while the first message is on its way
    await harness.dispatch()
    assert hook.titles() == ["etl is FAILING", "etl is STUCK", "etl is UP again"]
    assert hook.most_at_once == 1


async def test_a_send_that_outlives_its_claim_is_not_started_again(
    harness: Harness, hook: Hook
) -> None:
    await harness.service.alerts.add_channel("ops", hook.url, is_default=True)
    hook.answer_after = 0.2
    check = await harness.add("etl")
    await ping(harness, check.uuid, PingKind.FAIL, time.time())
    await ping(harness, check.uuid, PingKind.SUCCESS, harness.clock.now() + 1)
    await harness.dispatcher.run_once()  # the alert goes out; the recovery waits behind it
    await wait_for(lambda: hook.in_flight == 1)
    harness.clock.step(3600)  # the alert's claim runs out while it is still being sent
    await harness.dispatcher.run_once()
    await harness.dispatch()
    assert hook.titles() == ["etl is FAILING", "etl is UP again"]


async def test_switched_off_alert_type_transitions_silently(harness: Harness, hook: Hook) -> None:
    await harness.service.alerts.add_channel("ops", hook.url, is_default=True)
    check = await harness.add("scratch", alerts=frozenset({AlertType.FAILING}))
    await harness.evaluate_at(check.created_at + MISSED_AFTER)
    await ping(harness, check.uuid, PingKind.SUCCESS, check.created_at + MISSED_AFTER + 5)
    await harness.dispatch()
    assert hook.received == []  # no alert, and no recovery for an alert never sent


async def test_receiver_down_then_up_delivers_once(harness: Harness, hook: Hook) -> None:
    await harness.service.alerts.add_channel("ops", hook.url, is_default=True)
    check = await harness.add("backup")
    hook.failing = True
    await harness.evaluate_at(check.created_at + MISSED_AFTER)
    await harness.dispatch()
    [channel] = await harness.service.alerts.channels()
    assert channel.failing and channel.last_error

    harness.clock.step(retry_delay(1) - 1)  # not yet due for a retry
    await harness.dispatch()
    hook.failing = False
    harness.clock.step(2)
    await harness.dispatch()
    harness.clock.step(3600)
    await harness.dispatch()
    assert hook.titles() == ["backup is MISSED"]
    [channel] = await harness.service.alerts.channels()
    assert not channel.failing


async def test_gives_up_after_a_day_and_says_so(harness: Harness, hook: Hook) -> None:
    await harness.service.alerts.add_channel("ops", hook.url, is_default=True)
    check = await harness.add("backup")
    hook.failing = True
    await harness.evaluate_at(check.created_at + MISSED_AFTER)
    await harness.dispatch()
    harness.clock.step(GIVE_UP_AFTER + 1)
    await harness.dispatch()
    [incident] = await harness.service.alerts.incidents()
    [note] = await harness.service.alerts.notifications(incident.id)
    assert note.status == "expired" and note.attempts == 2


async def test_each_incident_lists_who_was_told_about_it(harness: Harness, hook: Hook) -> None:
    await harness.service.alerts.add_channel("ops", hook.url, is_default=True)
    await harness.service.alerts.add_channel("boss", hook.url + "?boss", tags=("level2",))
    backup = await harness.add("backup")
    payroll = await harness.add("payroll", channels=("ops", "level2"))
    await harness.evaluate_at(max(backup.created_at, payroll.created_at) + MISSED_AFTER)
    await harness.dispatch()
    await ping(harness, backup.uuid, PingKind.SUCCESS, harness.clock.now() + 60)
    await harness.dispatch()

    incidents = await harness.service.alerts.incidents()
    told = await harness.service.alerts.notifications_by_incident(incidents)
    by_check = {i.check_id: [(n.kind, n.channel_name) for n in told[i.id]] for i in incidents}
    assert by_check[backup.id] == [("alert", "ops"), ("recovery", "ops")]
    assert sorted(by_check[payroll.id]) == [("alert", "boss"), ("alert", "ops")]
    assert all(n.status == "sent" for notes in told.values() for n in notes)


async def test_restart_with_pending_outbox_delivers_once(settings: Settings, hook: Hook) -> None:
    first = await open_on_test_clock(settings)
    await first.alerts.add_channel("ops", hook.url, is_default=True)
    first_harness = Harness(first)
    check = await first_harness.add("backup")
    first_harness.backdate(check.id, MISSED_AFTER)
    await first_harness.evaluate_at(time.time())  # queued, never sent
    await first.close()
    assert hook.received == []

    second = await Service.open(settings)
    try:
        await start_engine(second)
        await wait_for(lambda: len(hook.received) == 1)
        await second.evaluator.run_pass()
        await second.dispatcher.run_once()
        await second.dispatcher.drain()
        assert hook.titles() == ["backup is MISSED"]
        [incident] = await second.alerts.incidents()
        assert len(await second.alerts.notifications(incident.id)) == 1
    finally:
        await second.close()


async def sixty_missed_at_once(harness: Harness) -> tuple[list[Check], float]:
    """Sixty checks that went missed in the same pass, and the dispatcher run once after;
    returns them and when they went bad."""
    created = [await harness.add(f"job-{n:02d}") for n in range(60)]
    bad_at = max(c.created_at for c in created) + MISSED_AFTER
    await harness.evaluate_at(bad_at)
    await harness.dispatch()
    return created, bad_at


async def test_storm_sends_at_most_fifty_then_one_digest_per_channel(
    harness: Harness, hook: Hook
) -> None:
    await harness.service.alerts.add_channel("ops", hook.url, is_default=True)
    await sixty_missed_at_once(harness)
    singles = [t for t in hook.titles() if t.endswith("is MISSED")]
    assert len(singles) == 50
    harness.clock.step(STORM_WINDOW)
    await harness.dispatch()
    digests = [m for m in hook.received if m["title"].startswith("Alert storm")]
    assert len(digests) == 1
    assert digests[0]["title"] == "Alert storm: 10 more checks went bad"
    assert len(hook.received) == 51


async def test_later_messages_about_a_check_join_the_digest_that_holds_its_alert(
    harness: Harness, hook: Hook
) -> None:
    await harness.service.alerts.add_channel("ops", hook.url, is_default=True)
    created, _ = await sixty_missed_at_once(harness)
    held = [c for c in created if f"{c.name} is MISSED" not in hook.titles()]
    assert len(held) == 10

    flapping = held[0]
    await ping(harness, flapping.uuid, PingKind.SUCCESS, harness.clock.now() + 5)
    await ping(harness, flapping.uuid, PingKind.FAIL, harness.clock.now() + 5)
    await harness.dispatch()
    assert len(hook.received) == 50  # nothing about it before the digest that says MISSED
    harness.clock.step(STORM_WINDOW)
    await harness.dispatch()
    assert hook.titles()[50:] == ["Alert storm: 11 more checks went bad, 1 recovered"]
    digest = hook.received[50]["message"]
    said = [f"{flapping.name} is {state}" for state in ("MISSED", "UP again", "FAILING")]
    assert [digest.index(line) for line in said] == sorted(digest.index(line) for line in said)


async def test_an_alert_after_the_storm_window_still_waits_behind_its_held_digest(
    harness: Harness, hook: Hook
) -> None:
    await harness.service.alerts.add_channel("ops", hook.url, is_default=True)
    fleet = [await harness.add(f"job-{n:02d}") for n in range(50)]
    late = await harness.add("late-job")
    storm_at = max(c.created_at for c in [*fleet, late]) + MISSED_AFTER
    harness.backdate(late.id, -55)  # due 55 s after the others
    await harness.evaluate_at(storm_at)
    await harness.dispatch()
    assert len(hook.received) == 50
    await harness.evaluate_at(storm_at + 55)  # the 51st within 60 s: held for a digest
    await harness.dispatch()
    await ping(harness, late.uuid, PingKind.SUCCESS, storm_at + 61)
    # The first 50 have left the storm window, but the check's digest is still being held.
    await ping(harness, late.uuid, PingKind.FAIL, storm_at + 62)
    await harness.dispatch()
    assert len(hook.received) == 50
    harness.clock.set(storm_at + 62 + STORM_WINDOW)  # a storm window after the last held
    await harness.dispatch()
    assert hook.titles()[50:] == ["Alert storm: 2 more checks went bad, 1 recovered"]


async def test_checks_coming_back_together_recover_in_fifty_messages_then_one_digest(
    harness: Harness, hook: Hook, caplog: pytest.LogCaptureFixture
) -> None:
    await harness.service.alerts.add_channel("ops", hook.url, is_default=True)
    created, bad_at = await sixty_missed_at_once(harness)
    harness.clock.step(STORM_WINDOW)
    await harness.dispatch()
    assert len(hook.received) == 51  # the storm of alerts: 50 single, one digest

    back_at = bad_at + 300  # the network is back: every job pings within the same minute
    for check in created:
        await ping(harness, check.uuid, PingKind.SUCCESS, back_at)
    await harness.dispatch()
    recoveries = hook.titles()[51:]
    assert len(recoveries) == 50
    assert all(t.endswith("is UP again") for t in recoveries)
    assert caplog.text.count("more than 50 checks came back within 60 s") == 1

    harness.clock.step(STORM_WINDOW)
    await harness.dispatch()
    assert hook.titles()[101:] == ["Mass recovery: 10 more checks are back"]
    digest = hook.received[101]["message"]
    assert "So many checks came back at once" in digest
    assert digest.count("is UP again") == 10
    assert all(i.resolved_at is not None for i in await harness.service.alerts.incidents())


async def test_maintenance_holds_alerts_and_sends_nothing_after(
    harness: Harness, hook: Hook
) -> None:
    await harness.service.alerts.add_channel("ops", hook.url, is_default=True)
    check = await harness.add("backup", host="db1")
    now = time.time()
    await harness.service.alerts.start_maintenance("db1", ends_at=now + 3600)
    await harness.evaluate_at(check.created_at + MISSED_AFTER)
    await harness.dispatch()
    assert hook.received == []
    assert (await harness.service.get_check(check.slug)).alerted_state is not None

    await harness.service.alerts.end_maintenance("db1")
    await harness.evaluate_at(check.created_at + MISSED_AFTER + 120)
    await harness.dispatch()
    await ping(harness, check.uuid, PingKind.SUCCESS, check.created_at + MISSED_AFTER + 130)
    await harness.dispatch()
    assert hook.received == []  # no backlog burst, and no recovery for an alert never sent


async def test_escalation_after_delay_and_ack_stops_reminders(harness: Harness, hook: Hook) -> None:
    await harness.service.alerts.add_channel("ops", hook.url, is_default=True)
    await harness.service.alerts.add_channel("boss", hook.url + "?boss", tags=("level2",))
    check = await harness.add(
        "payroll",
        escalation_channels=("level2",),
        escalate_after_seconds=600,
        remind_every_seconds=1800,
    )
    bad_at = check.created_at + MISSED_AFTER
    await harness.evaluate_at(bad_at)
    await harness.dispatch()
    assert hook.titles() == ["payroll is MISSED"]

    harness.clock.set(bad_at + 599)
    await harness.dispatch()
    assert len(hook.received) == 1
    harness.clock.set(bad_at + 601)
    await harness.dispatch()
    assert hook.titles()[-1] == "[escalated] payroll is MISSED"

    harness.clock.set(bad_at + 1801)
    await harness.dispatch()
    reminders = [t for t in hook.titles() if t.startswith("[reminder]")]
    assert len(reminders) == 2  # to the check's channel and, now escalated, the second level

    [incident] = await harness.service.alerts.incidents(open_only=True)
    await harness.service.alerts.acknowledge(incident.id)
    count = len(hook.received)
    harness.clock.set(bad_at + 10_000)
    await harness.dispatch()
    assert len(hook.received) == count


async def test_pending_alerts_of_a_deleted_check_are_dropped(harness: Harness, hook: Hook) -> None:
    await harness.service.alerts.add_channel("ops", hook.url, is_default=True)
    check = await harness.add("temp")
    await harness.evaluate_at(check.created_at + MISSED_AFTER)
    await harness.service.delete_check(check.slug)
    await harness.dispatch()
    assert hook.received == []
    with outside(harness.service.store) as conn:
        assert conn.execute("SELECT count(*) FROM incidents").fetchone()[0] == 0
