"""The single writer: one thread, one SQLite connection, group commit.

Every change to the database is a job: a plain function of a sqlite3 connection. The thread
takes all jobs queued at that moment, runs each inside its own savepoint (so one job's error
fails only that job), commits them together with one fsync, and only then resolves their
futures. A caller that got a result knows its write is durable; if the commit fails, every job
in the batch gets the error, so nothing is acknowledged that was not stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
Job = Callable[[sqlite3.Connection], Any]
log = logging.getLogger("beatwatch.store")

# Enough to amortise one fsync over a burst; small enough that one batch never stalls long.
MAX_BATCH = 512


class StorageError(RuntimeError):
    """The database could not store a change; the message says why."""


class Writer:
    def __init__(self, connect: Callable[[], sqlite3.Connection]) -> None:
        self._connect = connect
        self._queue: queue.SimpleQueue[
            tuple[Job, asyncio.Future[Any], asyncio.AbstractEventLoop, bool] | None
        ] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="beatwatch-writer", daemon=True)
        self._ready = threading.Event()
        self._startup_error: BaseException | None = None
        self.after_commit: Callable[[], None] | None = None
        # Called on the writer thread when a batch is rolled back, for state kept beside it.
        self.on_rollback: Callable[[], None] | None = None
        # The latest storage fault, cleared by the next successful commit.
        self.fault: str | None = None

    def start(self) -> None:
        self._thread.start()
        self._ready.wait()
        if self._startup_error is not None:
            raise self._startup_error

    async def run(self, job: Callable[[sqlite3.Connection], T], quiet: bool = False) -> T:
        """Run `job` in a write transaction. A quiet job's changes do not call after_commit:
        its caller tells the engine's loops itself what they need to know."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.put((job, future, loop, quiet))
        return await future

    def stop(self) -> None:
        """Finish queued jobs, then close the connection."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()

    def _run(self) -> None:
        try:
            conn = self._connect()
        except BaseException as exc:
            self._startup_error = exc
            self._ready.set()
            return
        self._ready.set()
        try:
            while True:
                item = self._queue.get()
                if item is None:
                    return
                batch = [item]
                while len(batch) < MAX_BATCH:
                    try:
                        more = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if more is None:
                        self._queue.put(None)
                        break
                    batch.append(more)
                self._commit_batch(conn, batch)
        finally:
            conn.close()

    def _commit_batch(
        self,
        conn: sqlite3.Connection,
        batch: list[tuple[Job, asyncio.Future[Any], asyncio.AbstractEventLoop, bool]],
    ) -> None:
        outcomes: list[tuple[bool, Any]] = []
        changes_before = conn.total_changes
        wake = False
        try:
            conn.execute("BEGIN IMMEDIATE")
            for job, _, _, quiet in batch:
                conn.execute("SAVEPOINT job")
                before_job = conn.total_changes
                try:
                    outcomes.append((True, job(conn)))
                    conn.execute("RELEASE job")
                    if not quiet and conn.total_changes != before_job:
                        wake = True
                except sqlite3.IntegrityError as exc:  # the job's own conflict: undo just it
                    conn.execute("ROLLBACK TO job")
                    conn.execute("RELEASE job")
                    outcomes.append((False, exc))
                except sqlite3.Error:
                    raise  # the storage itself failed: the whole batch fails below
                except Exception as exc:  # the job's own failure: undo just that job
                    conn.execute("ROLLBACK TO job")
                    conn.execute("RELEASE job")
                    outcomes.append((False, exc))
            conn.execute("COMMIT")
            # A commit that wrote nothing proves nothing: a full disk still takes those.
            if self.fault is not None and conn.total_changes != changes_before:
                log.warning("the database accepts writes again")
                self.fault = None
        except sqlite3.Error as exc:
            if self.fault is None:
                log.error("could not write to the database: %s", exc)
            self.fault = str(exc)
            if conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
            if self.on_rollback is not None:
                self.on_rollback()
            error = StorageError(f"the database could not store it: {exc}")
            outcomes = [(False, error)] * len(batch)
        # One wake-up per event loop for the whole batch, not one per job.
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], bool, Any]]] = {}
        for (_, future, loop, _), (ok, value) in zip(batch, outcomes, strict=True):
            by_loop.setdefault(loop, []).append((future, ok, value))
        for loop, settled in by_loop.items():
            loop.call_soon_threadsafe(_settle, settled)
        # Only a commit whose jobs changed rows wakes the engine's loops: a loop whose idle
        # pass found nothing to do must not wake itself again.
        if self.after_commit is not None and wake and not self.fault:
            self.after_commit()


def _settle(settled: list[tuple[asyncio.Future[Any], bool, Any]]) -> None:
    for future, ok, value in settled:
        if future.done():
            continue
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)
