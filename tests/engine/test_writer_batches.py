"""A batch's jobs run together; one that fails undoes the batch, which runs again apart."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from pathlib import Path

import pytest

from beatwatch.core.model import EventKind, PingKind, PingRequest
from beatwatch.core.validation import CheckSpec
from beatwatch.engine import event_log
from beatwatch.service.service import Service
from beatwatch.store.database import Store

job_log = logging.getLogger("beatwatch.jobs")


async def test_a_failing_job_fails_alone_and_the_rest_of_its_batch_is_stored_once(
    engine: Service, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    check = await engine.add_check(CheckSpec(name="backup", every_seconds=3600))
    now = time.time()

    def logging_job(conn: sqlite3.Connection) -> str:
        event_log.record(conn, now, "info", EventKind.ENGINE, "kept by its job")
        job_log.warning("a line from a job that stays")
        return "done"

    def failing_job(conn: sqlite3.Connection) -> None:
        raise RuntimeError("this job breaks")

    def writing_failing_job(conn: sqlite3.Connection) -> None:
        event_log.record(conn, now, "info", EventKind.ENGINE, "written by a failing job")
        raise RuntimeError("this job breaks too")

    def fail_ping(at: float) -> PingRequest:
        return PingRequest(PingKind.FAIL, uuid=check.uuid, at=at)

    # Queued in one turn of the loop, so one batch. The first failing job writes nothing
    # after a ping whose check the first run cached: the run again must not read that cache.
    results = await asyncio.gather(
        engine.record_ping(fail_ping(now)),
        engine.store.write(failing_job),
        engine.store.write(logging_job),
        engine.store.write(writing_failing_job),
        engine.record_ping(fail_ping(now + 1)),
        return_exceptions=True,
    )

    first, failed, logged, failed_too, second = results
    assert isinstance(failed, RuntimeError) and str(failed) == "this job breaks"
    assert isinstance(failed_too, RuntimeError) and str(failed_too) == "this job breaks too"
    assert logged == "done"
    assert not isinstance(first, BaseException) and first.check is not None
    assert not isinstance(second, BaseException) and second.check is not None
    # Two failures in a row, each counted once: the second saw the first as stored.
    assert (first.check.failure_streak, second.check.failure_streak) == (1, 2)
    assert (await engine.get_check(check.slug)).failure_streak == 2
    assert [p.at for p in await engine.pings(check.slug)] == [now + 1, now]
    texts = [e.text for e in await engine.log_events()]
    assert texts.count("kept by its job") == 1
    assert "written by a failing job" not in texts
    lines = [r.getMessage() for r in caplog.records if r.name == job_log.name]
    assert lines == ["a line from a job that stays"]


async def test_held_writes_that_break_a_constraint_fail_their_job_alone(tmp_path: Path) -> None:
    db = await Store.open(tmp_path / "data")
    holding: list[bool] = []

    def hold(conn: sqlite3.Connection) -> str:
        holding.append(True)
        return "held"

    def write_held(conn: sqlite3.Connection) -> None:
        if holding:
            holding.clear()
            # A real constraint broken by the held write: the settings key is unique.
            conn.execute("INSERT INTO settings (key, value) VALUES ('k', '1'), ('k', '2')")

    def failing_job(conn: sqlite3.Connection) -> None:
        raise RuntimeError("this job breaks")

    db.writer.write_held = write_held
    try:
        # Bounded: a batch whose outcomes miscounted its jobs would leave them all waiting.
        held, failed, plain = await asyncio.wait_for(
            asyncio.gather(
                db.write(hold, through_cache=True),
                db.write(failing_job),
                db.write(lambda conn: "stored"),
                return_exceptions=True,
            ),
            timeout=30,
        )
    finally:
        await asyncio.wait_for(db.close(), timeout=30)
    assert isinstance(held, sqlite3.IntegrityError)
    assert isinstance(failed, RuntimeError)
    assert plain == "stored"
