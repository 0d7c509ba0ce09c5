"""The outbox dispatcher: sends queued alerts through Apprise, at least once.

A message is claimed with a conditional UPDATE before it is sent and marked sent after, so
two dispatchers never send the same row and a crash between the two resends it once.
Failures are retried with exponential backoff for a day; the channel shows as failing
meanwhile, with Apprise's reason. Between passes the loop sleeps until its next due moment
(a retry, a digest, an escalation or reminder, a claim running out, pruning) unless poked.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial

from beatwatch.core.model import EventKind
from beatwatch.engine import event_log
from beatwatch.engine.apprise_sender import SEND_TIMEOUT, send
from beatwatch.engine.clock import WALL_CLOCK, Clock
from beatwatch.engine.duties import Duties, Fence
from beatwatch.engine.event_log import IN_EVENT_LOG
from beatwatch.engine.incidents import run_incident_actions
from beatwatch.store.connection import Connection
from beatwatch.store.database import Store
from beatwatch.store.node_rows import DISPATCH, DutyLost
from beatwatch.store.outbox import (
    Claimed,
    claim_due,
    finish_delivery,
    next_due,
    prune,
    release_claim,
    release_digests,
)

log = logging.getLogger("beatwatch.dispatch")

CONCURRENT_SENDS = 8
# The longest the loop sleeps with nothing due: a backstop, should a message ever be
# queued without the loop being told.
BACKSTOP = 600.0
# At shutdown, how long abandoned sends get to hand their messages back.
RELEASE_TIMEOUT = 2.0
PRUNE_EVERY = 3600.0
# A claimed message is left alone this long: a send lasts at most SEND_TIMEOUT.
CLAIM_LEASE = SEND_TIMEOUT + 30

Sender = Callable[[str, str, str, str], Awaitable[str | None]]  # url, title, body, kind


@dataclass(frozen=True, slots=True)
class Delivery:
    channel_name: str
    kind: str
    title: str
    error: str | None
    gave_up: bool = False


def dispatch_pass(
    conn: Connection,
    now: float,
    prune_now: bool,
    limit: int,
    sending_to: set[int],
    fence: Fence | None = None,
    epoch: int = 0,
) -> tuple[list[Claimed], float | None]:
    """Writer job: due escalations and reminders, digests, pruning, and the claim of the
    next message of each channel not sending (up to `limit`); returns the claimed messages
    and when the dispatcher next has something to do. `fence` first, if given: it raises
    if this node no longer holds the duty."""
    if fence is not None:
        fence(conn)
    run_incident_actions(conn, now)
    release_digests(conn, now)
    if prune_now:
        prune(conn, now)
    # A channel still sending is left out even if its send outlived its claim, so that
    # message is never sent twice at once.
    claimed = claim_due(conn, now, limit, CLAIM_LEASE, sending_to, epoch) if limit > 0 else []
    busy = sending_to | {message.channel_id for message in claimed}
    # With every slot taken, the next send waits for one to end, which pokes the loop.
    return claimed, next_due(conn, busy, sends=len(claimed) < limit)


class Dispatcher:
    def __init__(
        self,
        db: Store,
        on_delivery: Callable[[Delivery], None],
        sender: Sender = send,
        clock: Clock = WALL_CLOCK,
    ) -> None:
        self._db = db
        self._on_delivery = on_delivery
        self._send = sender
        self._clock = clock
        self._alarm = clock.alarm()
        # The send under way to each channel, by channel id: one at a time per channel.
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        self._slots = asyncio.Semaphore(CONCURRENT_SENDS)
        self._pruned_at = 0.0
        # Where nodes share a database, the duty this loop acts under (None: always acts).
        self.duties: Duties | None = None

    def poke(self) -> None:
        self._alarm.ring()

    async def run(self) -> None:
        try:
            while True:
                await self._alarm.wait(await self.run_once())
        finally:
            # Sends under way are abandoned (a hung channel must not hold up shutdown); each
            # hands its message back first, which takes a moment.
            in_flight = list(self._in_flight.values())
            for task in in_flight:
                task.cancel()
            if in_flight:
                await asyncio.wait(in_flight, timeout=RELEASE_TIMEOUT)

    async def run_once(self) -> float:
        """One pass: what is due now is done or set sending. Returns when the next thing
        falls due, unless something is queued or a send ends before."""
        now = self._clock.now()
        fence = self.duties.fence(DISPATCH) if self.duties is not None else None
        if self.duties is not None and fence is None:
            # Another node dispatches; this loop is poked when the duty becomes its own.
            return now + BACKSTOP
        prune_now = now - self._pruned_at >= PRUNE_EVERY
        # Quiet: nothing the pass writes concerns the evaluator, and the pass itself learns
        # when it next has work.
        try:
            claimed, due = await self._db.write(
                partial(
                    dispatch_pass,
                    now=now,
                    prune_now=prune_now,
                    limit=CONCURRENT_SENDS * 4 - len(self._in_flight),
                    sending_to=set(self._in_flight),
                    fence=fence,
                    epoch=self._epoch(),
                ),
                quiet=True,
            )
        except DutyLost:
            assert self.duties is not None
            self.duties.lost(DISPATCH)
            return now + BACKSTOP
        if prune_now:
            self._pruned_at = now
        for message in claimed:
            task = asyncio.create_task(self._deliver(message))
            self._in_flight[message.channel_id] = task
            task.add_done_callback(partial(self._channel_free, message.channel_id))
        backstop = now + BACKSTOP
        return min(self._pruned_at + PRUNE_EVERY, backstop, due if due is not None else backstop)

    def _epoch(self) -> int:
        """The dispatch duty's epoch this node holds (0 where nodes are not in play)."""
        epoch = self.duties.epoch(DISPATCH) if self.duties is not None else None
        return epoch or 0

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
        now = self._clock.now()
        gave_up, level, text = await self._db.write(
            partial(_finish_and_record, message=message, error=error, now=now), quiet=True
        )
        log.log(event_log.LOG_LEVEL[level], text, extra=IN_EVENT_LOG)
        self._on_delivery(
            Delivery(message.channel_name, message.kind, message.title, error, gave_up)
        )

    def _channel_free(self, channel_id: int, _: object) -> None:
        # Only once it is out of _in_flight may the channel's next message be claimed.
        self._in_flight.pop(channel_id, None)
        self._alarm.ring()


def _finish_and_record(
    conn: Connection, message: Claimed, error: str | None, now: float
) -> tuple[bool, str, str]:
    """Writer job: record a send attempt and its line in the event log, together. Returns
    whether the message was given up on, and the line's level and text."""
    gave_up = finish_delivery(conn, message, error, now)
    what = f"{message.kind} to {message.channel_name}"
    if error is None:
        level, kind, text = "info", EventKind.DELIVERY, f"sent {what}: {message.title}"
    elif gave_up:
        level, kind = "error", EventKind.DELIVERY_FAILED
        text = f"gave up on {what} after 24 h of failures ({error}): {message.title}"
    else:
        level, kind = "warning", EventKind.DELIVERY_FAILED
        text = f"could not send {what} ({error}); will retry: {message.title}"
    event_log.record(conn, now, level, kind, text)
    return gave_up, level, text
