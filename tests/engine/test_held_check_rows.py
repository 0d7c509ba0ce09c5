"""A check pinged several times in one batch has its row written once, at the batch's end,
and every job that reads checks by SQL finds the row as the pings before it left it."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from dataclasses import replace
from functools import partial

import pytest

from beatwatch.core.model import Check, PingKind, PingRequest
from beatwatch.core.validation import CheckSpec, spec_of, validate
from beatwatch.engine import check_edits
from beatwatch.service.service import Service

PINGS = 8


def pings(engine: Service, check: Check, first_at: float) -> list[asyncio.Future[object]]:
    """PINGS success pings to `check`, each queued by a task of its own: with the writer jobs
    that tasks made after them queue, they make one batch, in that order."""
    return [
        asyncio.ensure_future(
            engine.record_ping(PingRequest(PingKind.SUCCESS, uuid=check.uuid, at=first_at + n))
        )
        for n in range(PINGS)
    ]


@pytest.mark.sqlite_only  # SQLite's statement trace
async def test_a_check_pinged_often_in_one_batch_is_written_once(engine: Service) -> None:
    check = await engine.add_check(CheckSpec(name="queue worker", every_seconds=60))
    statements: list[str] = []
    await engine.store.write(lambda conn: conn.set_trace_callback(statements.append))
    try:
        await asyncio.gather(*pings(engine, check, time.time()))
    finally:
        await engine.store.write(lambda conn: conn.set_trace_callback(None))

    # A statement that fires a trigger is traced again for it: count the distinct ones.
    updates = [
        s
        for n, s in enumerate(statements)
        if s.startswith("UPDATE checks") and (n == 0 or statements[n - 1] != s)
    ]
    assert len(updates) == 1
    assert len([s for s in statements if s.startswith("INSERT INTO pings")]) >= PINGS


async def test_the_row_written_at_the_batchs_end_is_the_last_pings(engine: Service) -> None:
    check = await engine.add_check(CheckSpec(name="queue worker", every_seconds=60))
    now = time.time()
    await asyncio.gather(*pings(engine, check, now))

    stored = await engine.get_check(check.uuid)
    assert stored.last_ping_at == now + PINGS - 1
    assert stored.next_change_at == pytest.approx(now + PINGS - 1 + 60 + stored.grace_seconds)
    assert len(await engine.pings(check.uuid)) == PINGS


async def test_a_job_after_pings_in_the_same_batch_reads_the_row_they_left(
    engine: Service,
) -> None:
    check = await engine.add_check(CheckSpec(name="queue worker", every_seconds=60))
    now = time.time()

    def read_last_ping(conn: sqlite3.Connection) -> object:
        # Whatever it finds: a job that raised would send the batch round again, apart.
        row = conn.execute("SELECT last_ping_at FROM checks WHERE id = ?", (check.id,))
        return row.fetchone()[0]

    *_, seen = await asyncio.gather(
        *pings(engine, check, now), asyncio.ensure_future(engine.store.write(read_last_ping))
    )
    assert seen == now + PINGS - 1


async def test_an_edit_in_the_same_batch_as_pings_keeps_both(engine: Service) -> None:
    check = await engine.add_check(CheckSpec(name="queue worker", every_seconds=60))
    now = time.time()

    spec = validate(replace(spec_of(check), every_seconds=3600))
    edit = partial(check_edits.update_check, check_id=check.id, spec=spec, now=now + PINGS)
    await asyncio.gather(
        *pings(engine, check, now), asyncio.ensure_future(engine.store.write(edit))
    )

    stored = await engine.get_check(check.uuid)
    assert stored.schedule.every_seconds == 3600
    assert stored.last_ping_at == now + PINGS - 1
    # The edit's deadline, from the last ping on the new schedule; not the old schedule's,
    # which the pings' held-back row would have carried.
    assert stored.next_change_at == pytest.approx(now + PINGS - 1 + 3600 + stored.grace_seconds)


async def test_pings_in_a_batch_run_again_apart_are_all_written(engine: Service) -> None:
    check = await engine.add_check(CheckSpec(name="queue worker", every_seconds=60))
    now = time.time()

    def failing_job(conn: sqlite3.Connection) -> None:
        raise RuntimeError("this job breaks")

    # The failing job undoes the batch, which then runs each job in a savepoint of its own.
    *_, failed = await asyncio.gather(
        *pings(engine, check, now),
        asyncio.ensure_future(engine.store.write(failing_job)),
        return_exceptions=True,
    )
    assert isinstance(failed, RuntimeError)

    stored = await engine.get_check(check.uuid)
    assert stored.last_ping_at == now + PINGS - 1
    assert len(await engine.pings(check.uuid)) == PINGS
