"""A storm is told in one digest per channel however long it lasts: a storm ends only once
its channel has held nothing new for a whole storm window."""

from __future__ import annotations

import sqlite3
from functools import partial

from beatwatch.core.alert_policy import DIGEST_AT_MOST_EVERY, STORM_LIMIT, STORM_WINDOW
from beatwatch.store import alert_rows
from beatwatch.store.outbox import release_digests
from tests.alerts.conftest import Harness
from tests.webhook import Hook

MISSED_AFTER = 60 + 30  # interval 60 s, default grace 30 s
SPACING = 0.7  # one check going bad every 0.7 s: a storm of 77 s


async def a_storm(harness: Harness, checks: int) -> float:
    """`checks` checks going bad SPACING apart, evaluated and dispatched as they do; returns
    when the last went bad."""
    created = [await harness.add(f"job-{n:03d}") for n in range(checks)]
    first = created[0].created_at
    for n, check in enumerate(created):
        harness.backdate(check.id, check.created_at - first - SPACING * n)
    for n in range(checks):
        await harness.evaluate_at(first + MISSED_AFTER + SPACING * n + 0.01)
        await harness.dispatch()
    return harness.clock.now()


async def test_a_long_storm_sends_fifty_alerts_then_exactly_one_digest(
    harness: Harness, hook: Hook
) -> None:
    await harness.service.alerts.add_channel("ops", hook.url, is_default=True)
    ended = await a_storm(harness, 110)
    while harness.clock.now() < ended + 3 * STORM_WINDOW:
        harness.clock.step(5)
        await harness.dispatch()
    titles = hook.titles()
    assert len(titles) == STORM_LIMIT + 1
    assert all(t.endswith("is MISSED") for t in titles[:STORM_LIMIT])
    assert titles[STORM_LIMIT] == "Alert storm: 60 more checks went bad"


async def test_the_digest_waits_for_a_quiet_storm_window(harness: Harness, hook: Hook) -> None:
    await harness.service.alerts.add_channel("ops", hook.url, is_default=True)
    ended = await a_storm(harness, 60)
    harness.clock.set(ended + STORM_WINDOW - 1)
    await harness.dispatch()
    assert len(hook.received) == STORM_LIMIT
    harness.clock.set(ended + STORM_WINDOW)
    await harness.dispatch()
    assert hook.titles()[STORM_LIMIT:] == ["Alert storm: 10 more checks went bad"]


async def test_a_storm_that_never_quiets_down_tells_at_most_once_per_bound(
    harness: Harness,
) -> None:
    channel = await harness.service.alerts.add_channel("ops", "json://127.0.0.1:9/hook")
    started, lasts, step = 1_000_000.0, 25 * 60.0, 5.0

    def hold_and_release(conn: sqlite3.Connection, now: float) -> int:
        alert_rows.enqueue(conn, channel.id, None, "alert", "x is MISSED", "", now, held=True)
        return release_digests(conn, now)

    released = []
    now = started
    while now < started + lasts:
        released.append(await harness.service.store.write(partial(hold_and_release, now=now)))
        now += step
    while now < started + lasts + 2 * STORM_WINDOW:
        released.append(await harness.service.store.write(partial(release_digests, now=now)))
        now += step
    # One digest per DIGEST_AT_MOST_EVERY while it lasts, and one with the rest once quiet.
    assert sum(released) == lasts // DIGEST_AT_MOST_EVERY + 1
