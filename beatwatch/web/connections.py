"""Who may hold a connection to the receiver: a cap per source address and one in all, so no
client, however many sockets it opens, leaves the others without a descriptor. Pure: the HTTP
server tells it what happens and closes what it says.

A connection waiting for its request head (new, kept alive, or a slowloris trickling bytes)
is idle and may be closed to make room; one whose request is being answered never is. When
there is no room, the idle connection waiting longest goes first: an attacker's sockets are
the old ones, while an honest client's request arrives right behind its connection.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

C = TypeVar("C", bound=Hashable)


@dataclass(frozen=True, slots=True)
class Admission(Generic[C]):
    admitted: bool
    # An idle connection to close now to make room for the new one.
    evict: C | None = None
    # Why a connection was refused, for its reply.
    reason: str = ""


class ConnectionTable(Generic[C]):
    def __init__(self, total: int, per_address: int, exempt: Callable[[str], bool]) -> None:
        self.total = total
        self.per_address = per_address
        # Addresses the per-address cap spares: a trusted proxy carries everyone's connections.
        self._exempt = exempt
        self._address: dict[C, str] = {}
        self._count: Counter[str] = Counter()
        # Idle connections, the longest waiting first (dicts keep insertion order).
        self._idle: dict[C, None] = {}
        self._idle_by_address: dict[str, dict[C, None]] = {}

    def __len__(self) -> int:
        return len(self._address)

    def count(self, address: str) -> int:
        return self._count[address]

    def admit(self, conn: C, address: str) -> Admission[C]:
        """Take a new connection from `address`, or say why not; it starts idle."""
        evict: C | None = None
        if self._count[address] >= self.per_address and not self._exempt(address):
            evict = next(iter(self._idle_by_address.get(address, ())), None)
            if evict is None:
                return Admission(False, reason="too many connections from this address")
        elif len(self._address) >= self.total:
            evict = next(iter(self._idle), None)
            if evict is None:
                return Admission(False, reason="too many connections")
        if evict is not None:
            self.remove(evict)
        self._address[conn] = address
        self._count[address] += 1
        self.idle(conn)
        return Admission(True, evict)

    def busy(self, conn: C) -> None:
        """A request head arrived on `conn`: it is not to be closed until answered."""
        address = self._address.get(conn)
        if address is not None:
            self._idle.pop(conn, None)
            self._drop_idle_by_address(conn, address)

    def idle(self, conn: C) -> None:
        """`conn` waits for a request head again; it is now the most recent idle one."""
        address = self._address.get(conn)
        if address is None:
            return
        self._idle.pop(conn, None)
        self._idle[conn] = None
        by_address = self._idle_by_address.setdefault(address, {})
        by_address.pop(conn, None)
        by_address[conn] = None

    def hand_over(self, old: C, new: C) -> None:
        """`new` now serves `old`'s connection, which has just received a request."""
        address = self._address.get(old)
        if address is None:
            return
        self.remove(old)
        self._address[new] = address
        self._count[address] += 1
        self.idle(new)

    def remove(self, conn: C) -> None:
        address = self._address.pop(conn, None)
        if address is None:
            return
        self._idle.pop(conn, None)
        self._drop_idle_by_address(conn, address)
        self._count[address] -= 1
        if not self._count[address]:
            del self._count[address]

    def _drop_idle_by_address(self, conn: C, address: str) -> None:
        by_address = self._idle_by_address.get(address)
        if by_address is not None:
            by_address.pop(conn, None)
            if not by_address:
                del self._idle_by_address[address]
