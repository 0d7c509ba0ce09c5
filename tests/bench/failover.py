"""Failover: three serve nodes on one PostgreSQL database, the node holding the duties killed.

Five rounds, each: the node holding the evaluate and dispatch duties is killed with
SIGKILL, and at that moment one check goes missed; measured from the kill until its alert
reaches a local webhook, sent by another node that had to take both duties over first
(their leases last 10 s and are renewed every 3 s). The killed node is started again
before the next round. The PostgreSQL cluster is a throwaway one (initdb into /tmp).

Target: every alert within 15 s of its kill.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

from tests.bench.common import Figure, Scale, at_most, isolate_config, scratch_dir
from tests.postgres import fresh_database, throwaway_cluster
from tests.reliability.test_nodes import cli, fleet, holder_of, nodes
from tests.webhook import Hook, serving

ROUNDS = 5
TARGET_S = 15.0


def run(scale: Scale) -> list[Figure]:
    rounds = scale.pick(ROUNDS, 2)
    with scratch_dir("failover") as scratch, throwaway_cluster() as cluster:
        isolate_config(scratch)
        url = fresh_database(cluster)
        times = asyncio.run(_measure(scratch, url, rounds))
    return [
        at_most(
            "kill -9 of the duty holder to its successor's alert, slowest",
            max(times),
            "s",
            TARGET_S,
            f"{rounds} kills of 3 nodes: " + ", ".join(f"{t:.1f}" for t in times) + " s",
        )
    ]


async def _measure(scratch: Path, url: str, rounds: int) -> list[float]:
    times: list[float] = []
    async with serving(Hook()) as hook:
        names = await fleet(scratch, url, hook)
        async with nodes(scratch, url) as running:
            for n in range(rounds):
                view = json.loads(cli(scratch / "setup", url, "nodes", "--json"))
                holder = holder_of(view, "evaluate")
                assert holder is not None
                [victim] = [p for p in running if p.process and p.process.pid == holder["pid"]]
                before = len(hook.received)
                victim.kill()
                killed_at = time.monotonic()
                _make_missed(url, names[n])
                while len(hook.received) == before:
                    if time.monotonic() - killed_at > 60:
                        raise TimeoutError("no alert a minute after the kill")
                    await asyncio.sleep(0.05)
                times.append(time.monotonic() - killed_at)
                assert victim.process is not None
                await victim.process.wait()
                await victim.start()
    return times


def _make_missed(url: str, name: str) -> None:
    from beatwatch.store.database import Store
    from tests.outside import outside

    with outside(Store(Path("/unused"), url)) as conn:
        conn.execute(
            "UPDATE checks SET clock_start = clock_start - 7200, last_ping_at = last_ping_at - "
            "7200, last_finish_at = last_finish_at - 7200, next_change_at = 0 WHERE name = ?",
            (name,),
        )
