"""The nodes on this database, as `beatwatch nodes` and the API show them: which one holds
which duty, when each was last seen, and whose clock is off."""

from __future__ import annotations

from dataclasses import dataclass

from beatwatch.core.presentation import counted
from beatwatch.core.terminal_text import terminal_text
from beatwatch.engine.duties import CLOCK_OFF_BY, LEASE
from beatwatch.store.database import Store
from beatwatch.store.node_rows import DUTIES, NodeRow, load_nodes


@dataclass(frozen=True, slots=True)
class NodeStatus:
    row: NodeRow
    duties: tuple[str, ...]
    # Seen within a lease: a node not seen for longer has stopped or cannot reach the database.
    alive: bool

    @property
    def clock_off(self) -> bool:
        return abs(self.row.clock_offset) > CLOCK_OFF_BY


async def node_statuses(store: Store, local_now: float) -> tuple[list[NodeStatus], list[str]]:
    """Every node known, and the duties no live node holds."""
    nodes, duties, now = await store.write(lambda conn: load_nodes(conn, local_now), quiet=True)
    held = {d.name: d.holder for d in duties if d.holder and d.expires_at >= now}
    statuses = [
        NodeStatus(
            row=n,
            duties=tuple(name for name in DUTIES if held.get(name) == n.id),
            alive=now - n.last_seen <= LEASE,
        )
        for n in nodes
    ]
    return statuses, [name for name in DUTIES if name not in held]


# How the header tells each duty held, and nobody holding it.
_DUTY_WORDS = {
    "evaluate": ("deadlines", "nobody evaluates deadlines"),
    "dispatch": ("alerts", "nobody sends alerts"),
}


def cluster_summary(nodes: list[NodeStatus], unheld: list[str]) -> str:
    """One line for a header: empty with no engine running, or one alone on its database
    with its clock right; else how many nodes run, who holds each duty, whose clock is off
    and what nobody holds."""
    alive = [n for n in nodes if n.alive]
    off = [n.row.host for n in alive if n.clock_off]
    # With no engine running the header already says so (view only, or the engine gone).
    if not alive or (len(alive) == 1 and not off and not unheld):
        return ""
    holders = {duty: next((n.row.host for n in alive if duty in n.duties), None) for duty in DUTIES}
    parts = [counted(len(alive), "node")]
    if len(set(holders.values())) == 1 and None not in holders.values():
        parts.append(f"duties on {holders[DUTIES[0]]}")
    else:
        parts.append(
            ", ".join(
                f"{_DUTY_WORDS[duty][0]} on {host}" if host else _DUTY_WORDS[duty][1]
                for duty, host in holders.items()
            )
        )
    parts += [f"{host}'s clock is off" for host in off]
    return terminal_text(" · ".join(parts))
