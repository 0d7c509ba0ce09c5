"""The single writer: one SQLite connection, group commit.

Every change to the database is a job: a plain function of a sqlite3 connection. Jobs queued
while one batch is on its way to disk form the next batch. A batch's jobs run on the event
loop's thread, one after another; if one raises, the batch is undone and run again with
each job inside its own savepoint, so that one job's error fails only that job (a job must
keep nothing outside the transaction that the undo would not undo). The
COMMIT, which waits for the fsync, runs on a helper thread. Waiting for another process's
write lock never blocks the loop: BEGIN is retried from the loop until lock_wait runs out.
Futures are resolved only after the commit: a caller that got a result knows its write is
durable, and if the commit fails every job in the batch gets the error, so nothing is
acknowledged that was not stored.

A job may leave writes to the end of its batch (a ping's job leaves its check's row to the
check cache, so that a check pinged often is written once a batch). Such a job is queued
`through_cache`, and `write_held` writes what was left before any other job runs, and
before the batch is released; run apart, after each job, inside its savepoint.

Jobs run on the loop's thread because they are short (a ping's takes tens of microseconds):
on a thread of their own they spent longer waiting for the GIL at each SQLite call than
working.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from beatwatch.core.errors import StorageError
from beatwatch.store.connection import Connection, IntegrityError
from beatwatch.store.held_logs import HeldLogs

T = TypeVar("T")
Job = Callable[[Connection], Any]
# A job, its future, whether it is quiet, whether it runs through the cache.
Queued = tuple[Job, "asyncio.Future[Any]", bool, bool]
# A batch's outcomes, one per job; whether any job that is not quiet changed rows; whether
# anything was written at all.
Ran = tuple[list[tuple[bool, Any]], bool, bool]
log = logging.getLogger("beatwatch.store")

# Enough to amortise one fsync over a burst; small enough that one batch never stalls long.
MAX_BATCH = 512
# How long a batch waits for another process's write lock before it fails.
LOCK_WAIT = 5.0


def sqlite_data_version(conn: Connection) -> int:
    # PRAGMA data_version on this connection moves only when another connection commits.
    return int(conn.execute("PRAGMA data_version").fetchone()[0])


class Writer:
    def __init__(
        self,
        connect: Callable[[], Connection],
        data_version: Callable[[Connection], int] = sqlite_data_version,
    ) -> None:
        self._connect = connect
        self._read_data_version = data_version
        self._conn: Connection | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: deque[Queued] = deque()
        self._disk = ThreadPoolExecutor(max_workers=1, thread_name_prefix="beatwatch-disk")
        # True while batches are being formed, run or committed; False once none is waiting.
        self._busy = False
        self._idle = asyncio.Event()
        self._data_version: int | None = None
        self.lock_wait = LOCK_WAIT
        self.after_commit: Callable[[], None] | None = None
        # Called when state kept beside the database may no longer match it: a batch was
        # rolled back, or another process committed.
        self.on_stale: Callable[[], None] | None = None
        # Called when another process has committed (a command-line edit, say).
        self.on_foreign_commit: Callable[[], None] | None = None
        # Writes what jobs run through the cache left to the batch's end.
        self.write_held: Callable[[Connection], None] = _nothing_held
        # The latest storage fault, cleared by the next successful commit.
        self.fault: str | None = None
        # Lines the jobs of a batch run together log, held until the batch is kept.
        self._held_logs = HeldLogs()

    def start_connection(self) -> None:
        """Open the connection now (from any thread), ahead of start."""
        self._conn = self._connect()

    def start(self) -> None:
        """Open the connection unless open already; jobs must then come from the running
        event loop."""
        self._loop = asyncio.get_running_loop()
        if self._conn is None:
            self._conn = self._connect()
        self._idle.set()

    async def run(
        self, job: Callable[[Connection], T], quiet: bool = False, through_cache: bool = False
    ) -> T:
        """Run `job` in a write transaction. A quiet job's changes do not call after_commit:
        its caller tells the engine's loops itself what they need to know. A job run
        `through_cache` reads the checks' columns that pings change only through the check
        cache, so the rows held back need not be written before it."""
        assert self._loop is not None and self._conn is not None, "the writer is closed"
        future: asyncio.Future[T] = self._loop.create_future()
        self._queue.append((job, future, quiet, through_cache))
        if not self._busy:
            self._busy = True
            self._idle.clear()
            # On the next turn of the loop: every job queued in this turn joins the batch.
            self._loop.call_soon(self._begin)
        return await future

    async def stop(self) -> None:
        """Finish queued jobs, then close the connection."""
        if self._conn is None:
            return
        await self._idle.wait()
        self._conn.close()
        self._conn = None
        self._disk.shutdown()

    def _begin(self) -> None:
        assert self._loop is not None
        self._try_begin(self._loop.time() + self.lock_wait, 0.001)

    def _try_begin(self, give_up_at: float, retry_in: float) -> None:
        assert self._loop is not None and self._conn is not None
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            if _is_busy(exc) and self._loop.time() + retry_in < give_up_at:
                self._loop.call_later(
                    retry_in, self._try_begin, give_up_at, min(retry_in * 2, 0.05)
                )
                return
            self._finish(self._take_batch(), [], exc)
            self._begin_next()
            return
        self._run_jobs(self._take_batch())

    def _take_batch(self) -> list[Queued]:
        return [self._queue.popleft() for _ in range(min(MAX_BATCH, len(self._queue)))]

    def _run_jobs(self, batch: list[Queued]) -> None:
        conn = self._conn
        assert conn is not None
        try:
            # Read inside the transaction: no other commit can land until ours.
            self._note_data_version(conn)
            ran = self._run_together(conn, batch) or self._run_apart(conn, batch)
        except sqlite3.Error as exc:
            self._finish(batch, [], exc)
            self._begin_next()
            return
        outcomes, wake, wrote = ran
        assert self._loop is not None
        committed = self._loop.run_in_executor(self._disk, conn.execute, "COMMIT")

        def after_commit(_: object) -> None:
            error = committed.exception()
            self._finish(batch, outcomes, error, wake=wake, wrote=wrote)
            self._begin_next()

        committed.add_done_callback(after_commit)

    def _run_together(self, conn: Connection, batch: list[Queued]) -> Ran | None:
        """The batch's jobs one after another with no savepoint of their own: what almost
        every batch takes. If one fails, everything the batch did is undone (one savepoint
        around it keeps the write lock), with the state kept beside the database and the
        lines the jobs logged, and None says to run them again apart."""
        outcomes: list[tuple[bool, Any]] = []
        changes_before = conn.total_changes
        wake = False
        conn.execute("SAVEPOINT batch")
        held = self._held_logs
        with held.holding():
            try:
                for job, _, quiet, through_cache in batch:
                    if not through_cache:
                        self.write_held(conn)
                    before_job = conn.total_changes
                    outcomes.append((True, job(conn)))
                    if not quiet and conn.total_changes != before_job:
                        wake = True
                self.write_held(conn)
            except Exception as exc:
                if _is_storage_failure(exc):
                    raise
                held.drop_own()
                conn.execute("ROLLBACK TO batch")
                conn.execute("RELEASE batch")
                # total_changes does not go back with a rollback: a check cached by an undone
                # job would otherwise still look current.
                self._stale()
                return None
        conn.execute("RELEASE batch")
        return outcomes, wake, conn.total_changes != changes_before

    def _run_apart(self, conn: Connection, batch: list[Queued]) -> Ran:
        """The batch's jobs each in a savepoint, so that a failing job fails alone."""
        outcomes: list[tuple[bool, Any]] = []
        changes_before = conn.total_changes
        wake = False
        for job, _, quiet, _ in batch:
            conn.execute("SAVEPOINT job")
            before_job = conn.total_changes
            try:
                result = job(conn)
                self.write_held(conn)
                conn.execute("RELEASE job")
                outcomes.append((True, result))
                if not quiet and conn.total_changes != before_job:
                    wake = True
            except Exception as exc:
                # The storage failing fails the whole batch; the job's own failure, a
                # constraint it broke included, undoes just that job.
                if _is_storage_failure(exc):
                    raise
                conn.execute("ROLLBACK TO job")
                conn.execute("RELEASE job")
                # As above: what the failed job left in the cache is not stored.
                self._stale()
                outcomes.append((False, exc))
        return outcomes, wake, conn.total_changes != changes_before

    def look_for_other_writers(self) -> None:
        """Between batches, notice a commit by another process even when nothing here writes
        (a batch looks by itself)."""
        if not self._busy and self._conn is not None:
            # A storage fault shows in the next batch, logged once; not twice a second here.
            with contextlib.suppress(sqlite3.Error):
                self._note_data_version(self._conn)

    def _note_data_version(self, conn: Connection) -> None:
        data_version = self._read_data_version(conn)
        if data_version == self._data_version:
            return
        first_look = self._data_version is None
        self._data_version = data_version
        self._stale()
        if not first_look and self.on_foreign_commit is not None:
            self.on_foreign_commit()

    def _begin_next(self) -> None:
        assert self._loop is not None
        if self._queue:
            self._loop.call_soon(self._begin)
        else:
            self._busy = False
            self._idle.set()

    def _finish(
        self,
        batch: list[Queued],
        outcomes: list[tuple[bool, Any]],
        error: BaseException | None,
        *,
        wake: bool = False,
        wrote: bool = False,
    ) -> None:
        conn = self._conn
        assert conn is not None
        if error is None:
            # A commit that wrote nothing proves nothing: a full disk still takes those.
            if self.fault is not None and wrote:
                log.warning("the database accepts writes again")
                self.fault = None
        else:
            if self.fault is None:
                log.error("could not write to the database: %s", error)
            self.fault = str(error)
            if conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
            self._stale()
            failed = StorageError(f"the database could not store it: {error}")
            outcomes = [(False, failed)] * len(batch)
        for (_, future, _, _), (ok, value) in zip(batch, outcomes, strict=True):
            if future.done():
                continue
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)
        # Only a commit whose jobs changed rows wakes the engine's loops: a loop whose idle
        # pass found nothing to do must not wake itself again.
        if self.after_commit is not None and wake and not self.fault:
            self.after_commit()

    def _stale(self) -> None:
        if self.on_stale is not None:
            self.on_stale()


def _nothing_held(_: Connection) -> None:
    pass


def _is_busy(exc: sqlite3.Error) -> bool:
    """Another connection holds the write lock (SQLITE_BUSY and its extended codes)."""
    return getattr(exc, "sqlite_errorcode", 0) & 0xFF == sqlite3.SQLITE_BUSY


def _is_storage_failure(exc: Exception) -> bool:
    return isinstance(exc, sqlite3.Error) and not isinstance(exc, IntegrityError)
