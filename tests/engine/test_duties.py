"""The duties' leases and the outbox claims made under them, on both backends: taken by
one node at a time, renewed by it, free to another once run out (with a new epoch); every
write under a duty fenced by holder and epoch; a dead dispatcher's claims void for its
successor, and its late answer changing nothing the successor did."""

from __future__ import annotations

import pytest

from beatwatch.service.service import Service
from beatwatch.store import alert_rows
from beatwatch.store.node_rows import DutyLost, fence, take_duty
from beatwatch.store.outbox import claim_due, finish_delivery

LEASE = 10.0


async def test_a_lease_is_one_nodes_until_it_runs_out_then_anothers_with_a_new_epoch(
    engine: Service,
) -> None:
    # The engine running here holds its duties; the test plays two more nodes, "a" and "b",
    # on a duty of their own, at times it chooses (SQLite reads `now` as given).
    db = engine.store

    async def take(node: str, now: float) -> int | None:
        return await db.write(lambda conn: take_duty(conn, "test", node, LEASE, now))

    first = await take("a", 1000.0)
    assert first is not None
    if db.database_url is not None:
        pytest.skip("PostgreSQL times leases by its own clock; the rest plays with time")
    assert await take("b", 1005.0) is None  # a's lease runs
    assert await take("a", 1008.0) == first  # renewed, same epoch
    taken = await take("b", 1019.0)  # a's lease ran out at 1018
    assert taken == first + 1
    await db.write(lambda conn: fence(conn, "test", "b", taken, 1020.0))
    with pytest.raises(DutyLost):
        await db.write(lambda conn: fence(conn, "test", "a", first, 1020.0))
    with pytest.raises(DutyLost):  # b's own lease, run out
        await db.write(lambda conn: fence(conn, "test", "b", taken, 1030.0))


async def test_a_claim_of_an_older_epoch_is_void_and_its_answer_changes_nothing(
    engine: Service,
) -> None:
    channel = await engine.alerts.add_channel("ops", "json://127.0.0.1:9/hook")
    db = engine.store
    now = engine.clock.now()
    await db.write(
        lambda conn: alert_rows.enqueue(
            conn, channel.id, None, "alert", "backup is MISSED", "", now
        )
    )
    [old] = await db.write(lambda conn: claim_due(conn, now, 8, 60.0, epoch=1))
    # Within the claim, the same epoch finds nothing to claim; a newer one takes it over.
    assert await db.write(lambda conn: claim_due(conn, now + 1, 8, 60.0, epoch=1)) == []
    [new] = await db.write(lambda conn: claim_due(conn, now + 1, 8, 60.0, epoch=2))
    assert (new.id, new.epoch) == (old.id, 2)
    # The old claim's send fails, and says so while the new one is under way: the new
    # claim stands (nobody else may claim the message), and its outcome is the one kept.
    await db.write(lambda conn: finish_delivery(conn, old, "timeout", now + 2))
    # Its retry would be due by now, but the message is still the new claim's.
    assert await db.write(lambda conn: claim_due(conn, now + 30, 8, 60.0, epoch=2)) == []
    await db.write(lambda conn: finish_delivery(conn, new, None, now + 3))
    assert (await db.outbox_counts()).get("sent") == 1
    assert await db.write(lambda conn: claim_due(conn, now + 100, 8, 60.0, epoch=3)) == []
