"""The event log: each fact's line is committed with the fact or not at all, the engine's own
warnings join it, and it keeps a bounded number of lines."""

from __future__ import annotations

import logging
import sqlite3
import time

import pytest

from beatwatch.core.model import EventKind, LogEvent, PingKind, PingRequest
from beatwatch.core.validation import CheckSpec
from beatwatch.engine import event_log
from beatwatch.engine.check_edits import pause_check
from beatwatch.service.service import Service
from beatwatch.store import event_rows
from tests.conftest import wait_for
from tests.engine.conftest import Send


async def test_a_pause_is_logged_with_its_end(engine: Service) -> None:
    check = await engine.add_check(CheckSpec(name="backup", every_seconds=3600))
    until = time.time() + 7200

    await engine.pause_check("backup", until=until)

    [line] = await engine.log_events()
    assert (line.kind, line.level, line.check_id) == (EventKind.TRANSITION, "info", check.id)
    assert (line.text, line.paused_until) == ("backup: ○ new → ‖ paused", until)


async def test_a_change_undone_leaves_no_line(engine: Service) -> None:
    """The line is written by the job that makes the change: if the job fails, neither is
    stored."""
    check = await engine.add_check(CheckSpec(name="backup", every_seconds=3600))

    def pause_then_fail(conn: sqlite3.Connection) -> None:
        pause_check(conn, check_id=check.id, until=None, now=time.time())
        raise RuntimeError("the job fails after the pause")

    with pytest.raises(RuntimeError):
        await engine.store.write(pause_then_fail)

    assert await engine.log_events() == []
    assert (await engine.get_check("backup")).paused_at is None


async def test_an_unknown_ping_is_logged(engine: Service, send: Send) -> None:
    uuid = "0d7a4e2c-0000-4000-8000-000000000001"

    assert (await send(f"/ping/{uuid}")).status == 200

    [line] = await engine.log_events()
    assert (line.kind, line.level) == (EventKind.UNKNOWN_PING, "warning")
    assert uuid in line.text


async def test_the_engines_warnings_are_logged_once(engine: Service) -> None:
    logger = logging.getLogger("beatwatch.engine")

    logger.warning("the self-ping to the external monitor failed (%s)", "timeout")
    logger.warning("already in the event log", extra=event_log.IN_EVENT_LOG)
    logger.info("an info line stays in the process's own log")

    lines = await _lines_when(engine, 1)
    assert [(e.kind, e.level, e.text) for e in lines] == [
        (EventKind.ENGINE, "warning", "the self-ping to the external monitor failed (timeout)")
    ]


async def test_a_reader_asks_only_for_what_is_new(engine: Service) -> None:
    await engine.add_check(CheckSpec(name="backup", every_seconds=3600))
    await engine.pause_check("backup")
    [first] = await engine.log_events()

    await engine.resume_check("backup")

    [second] = await engine.log_events(after=first.id)
    assert second.text == "backup: ‖ paused → ○ new"


async def test_the_newest_lines_are_kept(engine: Service, monkeypatch) -> None:
    monkeypatch.setattr(event_rows, "EVENTS_KEPT", 5)

    def write_lines(conn: sqlite3.Connection) -> None:
        for n in range(12):
            event_rows.insert_event(
                conn, LogEvent(0, float(n), "info", EventKind.ENGINE, f"line {n}")
            )

    await engine.store.write(write_lines)

    assert [e.text for e in await engine.log_events()] == [f"line {n}" for n in range(7, 12)]


async def test_a_ping_that_changes_a_state_logs_it(engine: Service) -> None:
    check = await engine.add_check(CheckSpec(name="backup", every_seconds=3600))

    await engine.record_ping(
        PingRequest(kind=PingKind.FAIL, uuid=check.uuid, exit_code=1, at=time.time())
    )

    # The change comes first, then what became of its alert.
    lines = [(e.kind, e.level, e.text) for e in await engine.log_events()]
    assert lines[0] == (EventKind.TRANSITION, "error", "backup: ○ new → ✖ FAILING")
    assert lines[1][:2] == (EventKind.NOT_SENT, "warning")
    assert len(lines) == 2


async def _lines_when(engine: Service, count: int) -> list[LogEvent]:
    """The event log once it holds `count` lines (a logged warning is stored a moment later)."""
    found: list[LogEvent] = []

    async def enough() -> bool:
        found[:] = await engine.log_events()
        return len(found) >= count

    await wait_for(enough)
    return found
