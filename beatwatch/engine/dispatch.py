"""The outbox dispatcher: sends queued alerts through Apprise, at least once.

A message is claimed with a conditional UPDATE before it is sent and marked sent after, so
two dispatchers never send the same row and a crash between the two resends it once.
Failures are retried with exponential backoff for a day; the channel shows as failing
meanwhile, with Apprise's reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from functools import partial

from beatwatch.engine import alert_store, messages
from beatwatch.engine.alert_store import DIGESTED, EXPIRED, HELD, PENDING, SENT
from beatwatch.engine.channels import SEND_TIMEOUT, send
from beatwatch.engine.incidents import run_incident_actions
from beatwatch.engine.store import Store

log = logging.getLogger("beatwatch.dispatch")

FIRST_RETRY = 10.0
MAX_RETRY = 30 * 60.0
GIVE_UP_AFTER = 24 * 3600.0
# Storm alerts are gathered this long before they go out as one digest per channel.
DIGEST_HOLD = 15.0
CONCURRENT_SENDS = 8
POLL = 1.0
# At shutdown, how long abandoned sends get to hand their messages back.
RELEASE_TIMEOUT = 2.0
PRUNE_EVERY = 3600.0
KEEP_DELIVERED = 30 * 86400.0
KEEP_RESOLVED = 90 * 86400.0

Sender = Callable[[str, str, str, str], Awaitable[str | None]]  # url, title, body, kind


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    channel_id: int
    channel_name: str
    url: str
    kind: str
    title: str
    body: str
    created_at: float
    attempts: int


@dataclass(frozen=True, slots=True)
class Delivery:
    channel_name: str
    kind: str
    title: str
    error: str | None
    gave_up: bool = False


def retry_delay(attempts: int) -> float:
    """10 s, 20 s, 40 s, ... up to 30 minutes."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), MAX_RETRY)


def claim_due(
    conn: sqlite3.Connection, now: float, limit: int, sending_to: Collection[int] = ()
) -> list[Claimed]:
    """Claim the next due message of each channel, except those in `sending_to`: a channel
    gets its messages one at a time, the oldest first, so a recovery never lands before the
    alert it answers."""
    rows = conn.execute(
        "SELECT id, channel_id, name, url, kind, title, body, created_at, attempts FROM ("
        "SELECT o.id, o.channel_id, c.name, c.url, o.kind, o.title, o.body, o.created_at, "
        "o.attempts, o.next_attempt_at, row_number() OVER "
        "(PARTITION BY o.channel_id ORDER BY o.next_attempt_at, o.id) AS place "
        "FROM outbox o JOIN channels c ON c.id = o.channel_id "
        "WHERE o.status = ? AND o.next_attempt_at <= ? "
        "AND (o.claimed_until IS NULL OR o.claimed_until < ?)"
        ") WHERE place = 1 ORDER BY next_attempt_at, id",
        (PENDING, now, now),
    ).fetchall()
    lease = now + SEND_TIMEOUT + 30
    claimed: list[Claimed] = []
    for row in rows:
        if row[1] in sending_to:
            continue
        if len(claimed) == limit:
            break
        cursor = conn.execute(
            "UPDATE outbox SET claimed_until = ? WHERE id = ? AND status = ? "
            "AND (claimed_until IS NULL OR claimed_until < ?)",
            (lease, row[0], PENDING, now),
        )
        if cursor.rowcount == 1:
            claimed.append(Claimed(*row))
    return claimed


def release_claim(conn: sqlite3.Connection, message_id: int) -> None:
    """Hand back a message whose send was abandoned at shutdown, for the next start to send
    at once rather than after the claim runs out. Not an attempt: nothing was refused."""
    conn.execute(
        "UPDATE outbox SET claimed_until = NULL WHERE id = ? AND status = ?",
        (message_id, PENDING),
    )


def finish_delivery(
    conn: sqlite3.Connection, message: Claimed, error: str | None, now: float
) -> bool:
    """Record a send attempt; returns True if the message was given up on."""
    alert_store.record_delivery(conn, message.channel_id, error, now)
    attempts = message.attempts + 1
    if error is None:
        conn.execute(
            "UPDATE outbox SET status = ?, sent_at = ?, attempts = ?, claimed_until = NULL "
            "WHERE id = ?",
            (SENT, now, attempts, message.id),
        )
        return False
    if now - message.created_at >= GIVE_UP_AFTER:
        conn.execute(
            "UPDATE outbox SET status = ?, attempts = ?, last_error = ?, claimed_until = NULL "
            "WHERE id = ?",
            (EXPIRED, attempts, error, message.id),
        )
        return True
    conn.execute(
        "UPDATE outbox SET attempts = ?, last_error = ?, next_attempt_at = ?, "
        "claimed_until = NULL WHERE id = ?",
        (attempts, error, now + retry_delay(attempts), message.id),
    )
    return False


def release_digests(conn: sqlite3.Connection, now: float) -> int:
    """Combine each channel's held storm messages into one digest once they have gathered."""
    ready = conn.execute(
        "SELECT channel_id FROM outbox WHERE status = ? GROUP BY channel_id "
        "HAVING min(created_at) <= ?",
        (HELD, now - DIGEST_HOLD),
    ).fetchall()
    for (channel_id,) in ready:
        held = conn.execute(
            "SELECT id, kind, title FROM outbox WHERE status = ? AND channel_id = ? ORDER BY id",
            (HELD, channel_id),
        ).fetchall()
        title, body = messages.digest([(r[1], r[2]) for r in held])
        alert_store.enqueue(conn, channel_id, None, "digest", title, body, now)
        conn.executemany(
            "UPDATE outbox SET status = ? WHERE id = ?", [(DIGESTED, r[0]) for r in held]
        )
    return len(ready)


def prune(conn: sqlite3.Connection, now: float) -> None:
    conn.execute(
        "DELETE FROM outbox WHERE status IN (?, ?, ?) AND created_at < ?",
        (SENT, EXPIRED, DIGESTED, now - KEEP_DELIVERED),
    )
    conn.execute(
        "DELETE FROM incidents WHERE resolved_at IS NOT NULL AND resolved_at < ?",
        (now - KEEP_RESOLVED,),
    )


class Dispatcher:
    def __init__(
        self,
        db: Store,
        on_delivery: Callable[[Delivery], None],
        sender: Sender = send,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._db = db
        self._on_delivery = on_delivery
        self._send = sender
        self._clock = clock
        self._wake = asyncio.Event()
        # The send under way to each channel, by channel id: one at a time per channel.
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        self._slots = asyncio.Semaphore(CONCURRENT_SENDS)
        self._pruned_at = 0.0

    def poke(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        try:
            while True:
                await self.run_once()
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancel.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(POLL):
                        await self._wake.wait()
                self._wake.clear()
        finally:
            # Sends under way are abandoned (a hung channel must not hold up shutdown); each
            # hands its message back first, which takes a moment.
            in_flight = list(self._in_flight.values())
            for task in in_flight:
                task.cancel()
            if in_flight:
                await asyncio.wait(in_flight, timeout=RELEASE_TIMEOUT)

    async def run_once(self) -> None:
        now = self._clock()
        await self._db.write(partial(run_incident_actions, now=now))
        await self._db.write(partial(release_digests, now=now))
        if now - self._pruned_at >= PRUNE_EVERY:
            await self._db.write(partial(prune, now=now))
            self._pruned_at = now
        free = CONCURRENT_SENDS * 4 - len(self._in_flight)
        if free <= 0:
            return
        # A channel still sending is left out even if its send outlived its claim, so that
        # message is never sent twice at once.
        claim = partial(claim_due, now=now, limit=free, sending_to=set(self._in_flight))
        for message in await self._db.write(claim):
            task = asyncio.create_task(self._deliver(message))
            self._in_flight[message.channel_id] = task
            task.add_done_callback(lambda _, key=message.channel_id: self._in_flight.pop(key, None))

    async def _send_one(self, message: Claimed) -> str | None:
        async with self._slots:
            try:
                return await self._send(message.url, message.title, message.body, message.kind)
            except Exception as exc:  # a plugin bug must not kill the dispatcher
                log.exception("sending to channel %s failed unexpectedly", message.channel_name)
                return f"unexpected error: {type(exc).__name__}"

    async def drain(self) -> None:
        """Wait for the sends under way (for tests and shutdown)."""
        while self._in_flight:
            await asyncio.gather(*list(self._in_flight.values()), return_exceptions=True)

    async def _deliver(self, message: Claimed) -> None:
        try:
            error = await self._send_one(message)
        except asyncio.CancelledError:
            await self._db.write(partial(release_claim, message_id=message.id))
            log.info(
                "stopped sending %s to %s; it goes out at the next start",
                message.kind,
                message.channel_name,
            )
            raise
        now = self._clock()
        gave_up = await self._db.write(
            partial(finish_delivery, message=message, error=error, now=now)
        )
        if error is None:
            log.info("sent %s to %s: %s", message.kind, message.channel_name, message.title)
        elif gave_up:
            log.error(
                "gave up on %s to %s after 24 h of failures (%s): %s",
                message.kind,
                message.channel_name,
                error,
                message.title,
            )
        else:
            log.warning(
                "could not send %s to %s (%s); will retry: %s",
                message.kind,
                message.channel_name,
                error,
                message.title,
            )
        self._on_delivery(
            Delivery(message.channel_name, message.kind, message.title, error, gave_up)
        )
