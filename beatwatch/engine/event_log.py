"""The engine's side of the event log: the line for each fact, written by the writer job that
makes the fact (so the two are committed together or not at all), and a logging handler that
writes the engine's other warnings and errors. Every interface reads the lines from the
store, so a window attached to `beatwatch serve` shows what that process did."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from functools import partial

from beatwatch.core.model import Check, EventKind, LogEvent, State, Transition
from beatwatch.core.presentation import state_label
from beatwatch.store.connection import Connection
from beatwatch.store.database import Store
from beatwatch.store.event_rows import insert_event

# `extra` for a log line whose fact a writer job has already put in the event log: the
# handler below leaves it out.
IN_EVENT_LOG = {"in_event_log": True}
# Python's level names as the event log writes them, and back.
LEVEL_OF = {"CRITICAL": "error", "ERROR": "error", "WARNING": "warning"}
LOG_LEVEL = {"info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}


def record(
    conn: Connection,
    at: float,
    level: str,
    kind: EventKind,
    text: str,
    check_id: int | None = None,
) -> None:
    insert_event(conn, LogEvent(0, at, level, kind, text, check_id))


def record_transition(conn: Connection, check: Check, transition: Transition) -> None:
    """ "backup: ● up → ✖ MISSED"; a pause's end is kept apart, for each reader's clock."""
    to_state = transition.to_state
    text = f"{check.name}: {state_label(transition.from_state)} → {state_label(to_state)}"
    paused_until = check.paused_until if to_state is State.PAUSED else None
    level = "error" if to_state.is_bad else "info"
    insert_event(
        conn,
        LogEvent(0, transition.at, level, EventKind.TRANSITION, text, check.id, paused_until),
    )


def record_unknown_ping(conn: Connection, at: float, label: str) -> None:
    text = f"ping for an unknown check ({label}) — a typo in the job's URL?"
    record(conn, at, "warning", EventKind.UNKNOWN_PING, text)


class StoreLogHandler(logging.Handler):
    """Writes the warnings and errors logged in this process to the event log, each in a
    write of its own. Created on the event loop; records may come from any thread."""

    def __init__(self, store: Store) -> None:
        super().__init__(logging.WARNING)
        self._store = store
        self._loop = asyncio.get_running_loop()
        self._writes: set[asyncio.Task[int]] = set()

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, "in_event_log", False):
            return
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            text += f" ({type(error).__name__}: {error})"
        event = LogEvent(
            0, record.created, LEVEL_OF.get(record.levelname, "warning"), EventKind.ENGINE, text
        )
        with contextlib.suppress(RuntimeError):  # the loop has closed: nothing can be stored
            self._loop.call_soon_threadsafe(self._write, event)

    def _write(self, event: LogEvent) -> None:
        job = partial(insert_event, event=event)
        task = self._loop.create_task(self._store.write(job, quiet=True))
        self._writes.add(task)
        task.add_done_callback(self._written)

    def _written(self, task: asyncio.Task[int]) -> None:
        self._writes.discard(task)
        # A line that could not be stored is dropped: whatever stopped it is logged already
        # (a storage fault once, by the writer), and logging it again would go round.
        if not task.cancelled():
            task.exception()
