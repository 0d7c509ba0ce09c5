"""Escalation by person, end to end through real Apprise: each person's phone is a local
webhook; the dispatcher runs at a `now` the test chooses."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from beatwatch.core.alert_policy import STORM_WINDOW
from beatwatch.core.errors import Conflict, ValidationError
from beatwatch.core.model import PingKind, PingRequest
from tests.alerts.conftest import Harness
from tests.alerts.test_delivery import sixty_missed_at_once
from tests.webhook import Hook, serving

MISSED_AFTER = 60 + 30 + 1


@contextlib.asynccontextmanager
async def phones(count: int) -> AsyncIterator[list[Hook]]:
    async with contextlib.AsyncExitStack() as stack:
        yield [await stack.enter_async_context(serving(Hook())) for _ in range(count)]


async def team(harness: Harness, hooks: list[Hook], names: tuple[str, ...]) -> None:
    """A channel and a person for each name; a weekly rotation of them whose first shift
    began yesterday at 00:00 UTC, so the first is on call now."""
    oncall = harness.service.oncall
    for name, hook in zip(names, hooks, strict=False):
        await harness.service.alerts.add_channel(f"{name}-phone", hook.url)
        await oncall.add_person(name, (f"{name}-phone",))
    yesterday = datetime.fromtimestamp(harness.clock.now(), UTC).date() - timedelta(days=1)
    await oncall.add_rotation("primary", names, "1w", "00:00", "UTC", start=yesterday)


async def test_three_steps_where_the_second_person_acknowledges(harness: Harness) -> None:
    async with phones(3) as (alice, bob, ops):
        await team(harness, [alice, bob], ("alice", "bob"))
        await harness.service.alerts.add_channel("ops", ops.url)
        await harness.service.oncall.add_policy(
            "night", ("rotation:primary", "10m next:primary", "20m channel:ops")
        )
        check = await harness.add("backup", escalation_policy="night")
        first_alert = check.created_at + MISSED_AFTER

        await harness.evaluate_at(first_alert)
        await harness.dispatch()
        assert alice.titles() == ["backup is MISSED"]
        assert bob.titles() == [] and ops.titles() == []

        harness.clock.set(first_alert + 599)  # a second before step 2
        await harness.dispatch()
        assert bob.titles() == []
        harness.clock.set(first_alert + 600)
        await harness.dispatch()
        assert bob.titles() == ["[escalated] backup is MISSED"]
        assert "Step 2: next:primary (bob), unacknowledged." in bob.received[0]["message"]

        [incident] = await harness.service.alerts.incidents(open_only=True)
        await harness.service.alerts.acknowledge(incident.id)
        harness.clock.set(first_alert + 3600)
        await harness.dispatch()
        assert ops.titles() == []  # step 3 never came: bob acknowledged
        assert alice.titles() == ["backup is MISSED"]

        steps = (await harness.service.alerts.steps_by_incident([incident]))[incident.id]
        assert [(s.step, s.target, s.person, s.channels) for s in steps] == [
            (1, "rotation:primary", "alice", ("alice-phone",)),
            (2, "next:primary", "bob", ("bob-phone",)),
        ]
        assert [s.at for s in steps] == [first_alert, first_alert + 600]

        # The recovery goes to everyone the incident reached, and to nobody else.
        harness.clock.set(first_alert + 3700)
        await harness.service.record_ping(
            PingRequest(kind=PingKind.SUCCESS, uuid=check.uuid, at=harness.clock.now())
        )
        await harness.dispatch()
        assert alice.titles()[-1] == bob.titles()[-1] == "backup is UP again"
        assert ops.titles() == []


async def test_a_hand_off_during_an_open_incident_tells_the_new_person_once(
    harness: Harness,
) -> None:
    async with phones(3) as (alice, bob, carol):
        await team(harness, [alice, bob, carol], ("alice", "bob", "carol"))
        await harness.service.oncall.add_policy("pager", ("rotation:primary",), is_default=True)
        check = await harness.add("queue-worker")  # names no channel: the default policy
        await harness.evaluate_at(check.created_at + MISSED_AFTER)
        await harness.dispatch()
        assert alice.titles() == ["queue-worker is MISSED"]

        [status] = await harness.service.oncall.board(harness.clock.now())
        handoff = status.handoffs[0]
        assert (handoff.previous, handoff.person) == ("alice", "bob")
        harness.clock.set(handoff.at - 1)
        await harness.dispatch()
        assert bob.titles() == []
        harness.clock.set(handoff.at)
        await harness.dispatch()
        harness.clock.set(handoff.at + 3600)
        await harness.dispatch()
        assert bob.titles() == ["[on call now] queue-worker is MISSED"]
        assert "You are now on call for primary" in bob.received[0]["message"]

        # An override takes effect at once: carol covers, and is told, once.
        await harness.service.oncall.add_override(
            "primary", "carol", None, harness.clock.now() + 7200, now=harness.clock.now()
        )
        await harness.dispatch()
        await harness.dispatch()
        assert carol.titles() == ["[on call now] queue-worker is MISSED"]
        assert alice.titles() == ["queue-worker is MISSED"]


async def test_an_acknowledged_incident_tells_nobody_at_a_hand_off(harness: Harness) -> None:
    async with phones(2) as (alice, bob):
        await team(harness, [alice, bob], ("alice", "bob"))
        await harness.service.oncall.add_policy("pager", ("rotation:primary",))
        check = await harness.add("sync", escalation_policy="pager")
        await harness.evaluate_at(check.created_at + MISSED_AFTER)
        await harness.dispatch()
        [incident] = await harness.service.alerts.incidents(open_only=True)
        await harness.service.alerts.acknowledge(incident.id)
        [status] = await harness.service.oncall.board(harness.clock.now())
        harness.clock.set(status.handoffs[0].at + 1)
        await harness.dispatch()
        assert bob.titles() == []


async def test_a_tagged_check_follows_its_tags_policy_and_reminders_reach_everyone_told(
    harness: Harness,
) -> None:
    async with phones(2) as (alice, bob):
        await team(harness, [alice, bob], ("alice", "bob"))
        await harness.service.oncall.add_policy(
            "db", ("person:bob", "5m rotation:primary"), tags=("db",)
        )
        check = await harness.add("pg-dump", tags=("db",), remind_every_seconds=3600)
        first_alert = check.created_at + MISSED_AFTER
        await harness.evaluate_at(first_alert)
        await harness.dispatch()
        harness.clock.set(first_alert + 300)
        await harness.dispatch()
        harness.clock.set(first_alert + 3600)
        await harness.dispatch()
        assert bob.titles() == ["pg-dump is MISSED", "[reminder] pg-dump is MISSED"]
        assert alice.titles() == ["[escalated] pg-dump is MISSED", "[reminder] pg-dump is MISSED"]


async def test_checks_that_name_channels_alert_them_as_before(harness: Harness) -> None:
    async with phones(2) as (alice, ops):
        await team(harness, [alice], ("alice",))
        await harness.service.alerts.add_channel("ops", ops.url)
        await harness.service.oncall.add_policy("pager", ("rotation:primary",), is_default=True)
        check = await harness.add("cert-renew", channels=("ops",))
        await harness.evaluate_at(check.created_at + MISSED_AFTER)
        await harness.dispatch()
        assert ops.titles() == ["cert-renew is MISSED"]
        assert alice.titles() == []


async def test_bad_on_call_input_is_refused_by_field(harness: Harness) -> None:
    oncall = harness.service.oncall
    with pytest.raises(ValidationError) as refused:
        await oncall.add_person("alice", ("nowhere",))
    assert refused.value.field == "channels"
    async with phones(1) as (alice,):
        await team(harness, [alice], ("alice",))
        with pytest.raises(ValidationError) as refused:
            await oncall.add_policy("p", ("rotation:secondary",))
        assert "no rotation is named 'secondary'" in str(refused.value)
        with pytest.raises(ValidationError) as refused:
            await oncall.add_rotation("other", ("alice",), "1w", "25:00", "UTC")
        assert refused.value.field == "at"
        await oncall.add_policy("p", ("rotation:primary",))
        await harness.add("job", escalation_policy="p")
        with pytest.raises(Conflict, match="checks still name policy p: job"):
            await oncall.remove_policy("p")
        with pytest.raises(Conflict, match="rotation primary is a step of p"):
            await oncall.remove_rotation("primary")
        with pytest.raises(Conflict, match="alice is still named by rotation primary"):
            await oncall.remove_person("alice")
        with pytest.raises(ValidationError) as refused:
            await harness.add("other-job", escalation_policy="nope")
        assert refused.value.field == "escalation_policy"


async def test_maintenance_holds_a_policy_alert_and_its_steps(harness: Harness) -> None:
    async with phones(2) as (alice, bob):
        await team(harness, [alice, bob], ("alice", "bob"))
        await harness.service.oncall.add_policy("pager", ("rotation:primary", "5m next:primary"))
        check = await harness.add("pg-dump", host="db1", escalation_policy="pager")
        await harness.service.alerts.start_maintenance("db1", duration=3600)
        first_alert = check.created_at + MISSED_AFTER
        await harness.evaluate_at(first_alert)
        await harness.dispatch()
        harness.clock.set(first_alert + 600)
        await harness.dispatch()
        assert alice.titles() == [] and bob.titles() == []
        [incident] = await harness.service.alerts.incidents(open_only=True)
        assert (await harness.service.alerts.steps_by_incident([incident]))[incident.id] == []


async def test_the_storm_guard_holds_alerts_to_the_person_on_call_for_one_digest(
    harness: Harness,
) -> None:
    async with phones(1) as (alice,):
        await team(harness, [alice], ("alice",))
        await harness.service.oncall.add_policy("pager", ("rotation:primary",), is_default=True)
        await sixty_missed_at_once(harness)
        assert len([t for t in alice.titles() if t.endswith("is MISSED")]) == 50
        # The digest goes out once the channel has held nothing new for a storm window.
        harness.clock.step(STORM_WINDOW)
        await harness.dispatch()
        assert alice.titles()[50:] == ["Alert storm: 10 more checks went bad"]
