"""This engine as one node among those on one database, and the duties it may hold.

Every engine answers pings and the API. Two things must be done by one node at a time:
evaluating deadlines (`evaluate`) and dispatching alerts (`dispatch`). Each is a lease in
the database (store/node_rows.py): taken by whoever finds it free or run out, renewed every
RENEW_EVERY seconds, good for LEASE seconds, so a node killed with its duties loses them
within LEASE and another takes them at its next renewal: under 15 s in all. A node stopped
cleanly gives them up at once. On SQLite the data dir's lock already makes this the only
engine: it holds both, and its loops do not wait for them.

The node's id is kept in its data dir: a node restarted after a crash finds its own lease
and carries on at once instead of waiting for it to run out.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from beatwatch.engine.clock import Clock
from beatwatch.store.connection import Connection, database_clock
from beatwatch.store.database import Store
from beatwatch.store.node_rows import (
    DUTIES,
    NodeRow,
    fence,
    forget_nodes_gone_since,
    heartbeat,
    release_duties,
    take_duty,
)

log = logging.getLogger("beatwatch.engine")

LEASE = 10.0
RENEW_EVERY = 3.0
# A node whose clock is further than this from the database's is reported.
CLOCK_OFF_BY = 2.0
# A node not seen for this long is dropped from the list (it was killed, not stopped).
FORGOTTEN_AFTER = 3600.0
NODE_ID_FILE = "node-id"

Fence = Callable[[Connection], None]


def node_id_for(data_dir: Path) -> str:
    """This data dir's node id, made on first use."""
    path = data_dir / NODE_ID_FILE
    try:
        return path.read_text().strip() or _new_node_id(path)
    except FileNotFoundError:
        return _new_node_id(path)


def _new_node_id(path: Path) -> str:
    node_id = f"{socket.gethostname()}-{uuid.uuid4().hex[:8]}"
    # 0600, as every file in the data dir.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(node_id + "\n")
    return node_id


class Duties:
    def __init__(self, store: Store, node_id: str, listen: str, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        started = clock.now()
        self.node = NodeRow(
            id=node_id,
            host=socket.gethostname(),
            pid=os.getpid(),
            listen=listen,
            started_at=started,
            last_seen=started,
            clock_offset=0.0,
        )
        self._held: dict[str, int] = {}
        self._on_gained: dict[str, Callable[[], None]] = {}
        self._clock_reported = False

    def when_gained(self, duty: str, call: Callable[[], None]) -> None:
        self._on_gained[duty] = call

    def holds(self, duty: str) -> bool:
        return duty in self._held

    def epoch(self, duty: str) -> int | None:
        """The epoch this node holds `duty` at; None if it does not."""
        return self._held.get(duty)

    def fence(self, duty: str) -> Fence | None:
        """What a job under `duty` runs first, in its transaction; None if not held."""
        epoch = self._held.get(duty)
        if epoch is None:
            return None
        node_id, clock = self.node.id, self._clock
        return lambda conn: fence(conn, duty, node_id, epoch, clock.now())

    def lost(self, duty: str) -> None:
        """A job found `duty` gone (DutyLost): stop acting on it until it is taken again."""
        if self._held.pop(duty, None) is not None:
            log.warning("this node lost the %s duty to another node", duty)

    async def run(self) -> None:
        """Renew the leases until cancelled; then give them up."""
        try:
            while True:
                await self.renew()
                await self._clock.idle(RENEW_EVERY)
        finally:
            await asyncio.shield(self._leave())

    async def renew(self) -> None:
        held = await self._store.write(self._renew_job, quiet=True)
        for duty in DUTIES:
            epoch = held.get(duty)
            if epoch is not None and duty not in self._held:
                log.info("this node (%s) now holds the %s duty", self.node.id, duty)
                self._held[duty] = epoch
                if duty in self._on_gained:
                    self._on_gained[duty]()
            elif epoch is None and duty in self._held:
                self.lost(duty)
            elif epoch is not None:
                self._held[duty] = epoch

    def _renew_job(self, conn: Connection) -> dict[str, int | None]:
        before = self._clock.now()
        now = database_clock(conn, before)
        offset = (before + self._clock.now()) / 2 - now
        self._report_clock(offset)
        self.node = replace(self.node, clock_offset=offset)
        heartbeat(conn, self.node, now)
        forget_nodes_gone_since(conn, now - FORGOTTEN_AFTER)
        return {duty: take_duty(conn, duty, self.node.id, LEASE, now) for duty in DUTIES}

    def _report_clock(self, offset: float) -> None:
        off = abs(offset) > CLOCK_OFF_BY
        if off and not self._clock_reported:
            log.warning(
                "this node's clock is %.1f s %s the database's: deadlines and alerts are "
                "timed by each node's clock, so set it right (NTP)",
                abs(offset),
                "ahead of" if offset > 0 else "behind",
            )
        elif not off and self._clock_reported:
            log.info("this node's clock agrees with the database's again")
        self._clock_reported = off

    async def _leave(self) -> None:
        node_id = self.node.id
        self._held.clear()
        try:
            await self._store.write(lambda conn: release_duties(conn, node_id), quiet=True)
        except Exception:  # the database may be gone; the leases run out by themselves
            log.warning("could not hand over this node's duties; they pass in %.0f s", LEASE)
