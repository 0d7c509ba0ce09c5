"""The nodes' rows and the duties' leases: who runs, and who holds what.

A duty (evaluating deadlines, dispatching alerts) is held by one node at a time under a
lease in the database's own time. Taking and renewing it is one conditional UPDATE: it
succeeds for the holder, or for anyone once the lease has run out, and a change of holder
raises the epoch. Every write made under a duty first checks, in its own transaction, that
the holder and epoch are still this node's (`fence`): a node that was paused past its
lease and lost the duty cannot act on it, even before it notices.
"""

from __future__ import annotations

from dataclasses import dataclass

from beatwatch.store.connection import Connection, database_clock, row_lock

# The duties: evaluating deadlines, dispatching alerts.
EVALUATE, DISPATCH = "evaluate", "dispatch"
DUTIES = (EVALUATE, DISPATCH)


class DutyLost(Exception):
    """This node no longer holds the duty it was about to act under."""


@dataclass(frozen=True, slots=True)
class NodeRow:
    id: str
    host: str
    pid: int
    listen: str
    started_at: float
    last_seen: float
    clock_offset: float


@dataclass(frozen=True, slots=True)
class DutyRow:
    name: str
    holder: str | None
    epoch: int
    expires_at: float


def heartbeat(conn: Connection, node: NodeRow, now: float) -> None:
    """Record `node` as alive at `now` (the database's time), with how far its clock is
    from the database's."""
    conn.execute(
        "INSERT INTO nodes (id, host, pid, listen, started_at, last_seen, clock_offset) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET host = excluded.host, "
        "pid = excluded.pid, listen = excluded.listen, started_at = excluded.started_at, "
        "last_seen = excluded.last_seen, clock_offset = excluded.clock_offset",
        (node.id, node.host, node.pid, node.listen, node.started_at, now, node.clock_offset),
    )


def take_duty(conn: Connection, name: str, node_id: str, lease: float, now: float) -> int | None:
    """Take or renew the duty `name` for `lease` seconds from `now` (the database's time);
    its epoch if this node holds it now, None if another node's lease still runs."""
    conn.execute("INSERT INTO duties (name) VALUES (?) ON CONFLICT DO NOTHING", (name,))
    row = conn.execute(
        "UPDATE duties SET epoch = CASE WHEN holder = :node THEN epoch ELSE epoch + 1 END, "
        "holder = :node, expires_at = :until "
        "WHERE name = :name AND (holder = :node OR holder IS NULL OR expires_at < :now) "
        "RETURNING epoch",
        {"node": node_id, "until": now + lease, "name": name, "now": now},
    ).fetchone()
    return int(row[0]) if row else None


def fence(conn: Connection, name: str, node_id: str, epoch: int, local_now: float) -> None:
    """Raise DutyLost unless this node still holds `name` at `epoch`, its lease running;
    on PostgreSQL the duty's row stays locked until the transaction ends, so no node takes
    it over while this one acts on it."""
    row = conn.execute(
        "SELECT expires_at FROM duties WHERE name = ? AND holder = ? AND epoch = ?"
        + row_lock(conn),
        (name, node_id, epoch),
    ).fetchone()
    if row is None or row[0] < database_clock(conn, local_now):
        raise DutyLost(name)


def release_duties(conn: Connection, node_id: str) -> None:
    """Give up every duty `node_id` holds, and its row: a clean stop hands over at once."""
    conn.execute("UPDATE duties SET expires_at = 0 WHERE holder = ?", (node_id,))
    conn.execute("DELETE FROM nodes WHERE id = ?", (node_id,))


def load_nodes(conn: Connection, local_now: float) -> tuple[list[NodeRow], list[DutyRow], float]:
    """Every node, every duty, and the database's time."""
    nodes = [
        NodeRow(r[0], r[1], int(r[2]), r[3], r[4], r[5], r[6])
        for r in conn.execute(
            "SELECT id, host, pid, listen, started_at, last_seen, clock_offset FROM nodes "
            "ORDER BY started_at, id"
        ).fetchall()
    ]
    duties = [
        DutyRow(r[0], r[1], int(r[2]), r[3])
        for r in conn.execute(
            "SELECT name, holder, epoch, expires_at FROM duties ORDER BY name"
        ).fetchall()
    ]
    return nodes, duties, database_clock(conn, local_now)


def forget_nodes_gone_since(conn: Connection, before: float) -> None:
    """Drop the rows of nodes not seen since `before` (killed, never stopped cleanly)."""
    conn.execute("DELETE FROM nodes WHERE last_seen < ?", (before,))
