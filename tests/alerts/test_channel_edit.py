"""A channel changed in place keeps the messages queued for it: an alert that could not reach
a wrong URL goes out once, to the fixed one, and a renamed channel still gets the alerts of the
checks that named it."""

from __future__ import annotations

import pytest

from beatwatch.core.alert_policy import retry_delay
from beatwatch.core.errors import ValidationError
from tests.alerts.conftest import Harness, free_port
from tests.webhook import Hook

MISSED_AFTER = 60 + 30 + 1  # interval 60 s, default grace 30 s


async def test_a_fixed_url_delivers_the_queued_alert_once(harness: Harness, hook: Hook) -> None:
    alerts = harness.service.alerts
    await alerts.add_channel("ops", f"json://127.0.0.1:{free_port()}/hook")
    check = await harness.add("backup", channels=("ops",), escalation_channels=("ops",))
    await harness.evaluate_at(check.created_at + MISSED_AFTER)
    await harness.dispatch()
    [channel] = await alerts.channels()
    assert channel.failing and hook.received == []

    edited = await alerts.update_channel(
        "ops", new_name="pager", url=hook.url, is_default=True, tags=("oncall",)
    )

    assert (edited.id, edited.name, edited.is_default, edited.tags) == (
        channel.id,
        "pager",
        True,
        ("oncall",),
    )
    stored = await harness.service.get_check(check.slug)
    assert (stored.channels, stored.escalation_channels) == (("pager",), ("pager",))
    [incident] = await alerts.incidents()
    [queued] = await alerts.notifications(incident.id)
    assert (queued.channel_name, queued.status) == ("pager", "pending")
    harness.clock.step(retry_delay(1) + 1)
    await harness.dispatch()
    harness.clock.step(3600)
    await harness.dispatch()
    assert hook.titles() == ["backup is MISSED"]
    [sent] = await alerts.notifications(incident.id)
    assert sent.status == "sent"


async def test_a_rename_keeps_the_old_name_where_it_is_still_a_tag(harness: Harness) -> None:
    alerts = harness.service.alerts
    await alerts.add_channel("ops", "json://127.0.0.1:9/a")
    await alerts.add_channel("mail", "json://127.0.0.1:9/b", tags=("ops",))
    check = await harness.add("backup", channels=("ops",))

    await alerts.update_channel("ops", new_name="pager")

    assert (await harness.service.get_check(check.slug)).channels == ("ops", "pager")


async def test_a_taken_name_or_a_bad_url_changes_nothing(harness: Harness) -> None:
    alerts = harness.service.alerts
    await alerts.add_channel("ops", "json://127.0.0.1:9/a")
    await alerts.add_channel("mail", "json://127.0.0.1:9/b")

    with pytest.raises(ValidationError, match="a channel named 'mail' already exists") as taken:
        await alerts.update_channel("ops", new_name="mail")
    with pytest.raises(ValidationError, match="scheme://") as bad:
        await alerts.update_channel("ops", url="not a url")

    assert (taken.value.field, bad.value.field) == ("name", "url")
    assert [(c.name, c.url) for c in await alerts.channels()] == [
        ("mail", "json://127.0.0.1:9/b"),
        ("ops", "json://127.0.0.1:9/a"),
    ]
