"""Ping ingest: `beatwatch serve` against a bare aiohttp server under the same load.

A few thousand checks are created through Service.add_check (timed) and given a full history
(100 pings each, as on a server that has run a while, so that every ping also drops its
check's oldest). Then a separate load generator process drives 16 concurrent keep-alive
clients, rotating over the check uuids, at the bare server (same 200, JSON body and headers,
nothing stored), at the durable floor (the bare handler plus one INSERT per ping through
beatwatch's writer, group-committed like serve) and at `beatwatch serve`, where every ping
is committed with an fsync before its 200. They take turns, a few rounds each, so that a
machine whose speed drifts during the run slows all alike; a share is the median of the
rounds' shares. The floor shows how much of the gap durable storage alone costs on this
machine. With uvloop installed it all runs a second time on uvloop. Afterwards the pings
table must have taken exactly as many rows as 200s were received (counted by ping id: the
number kept no longer grows). Also counted: each server's CPU time per 200 (with how busy
it and the load generator were, which shows which side set the rate) and the SQL
statements one ping costs.

Targets: beatwatch >= 70% of the bare server's requests/s; p99 <= 15 ms.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import statistics
import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path

from beatwatch.config import Settings
from beatwatch.core.model import PingKind, PingRequest
from beatwatch.core.validation import CheckSpec
from beatwatch.engine.ingest import record_ping
from beatwatch.service.service import Service
from beatwatch.store.database import Store
from tests.bench.common import (
    HOST,
    Figure,
    LoadResult,
    Scale,
    at_least,
    at_most,
    bare_argv,
    count_rows,
    floor_argv,
    free_port,
    has_uvloop,
    info,
    insert_kept_pings,
    isolate_config,
    process_cpu_seconds,
    py_spy,
    run_load,
    scratch_dir,
    seed_checks,
    serve_argv,
    serve_env,
    server_process,
    write_lines,
)

CLIENTS = 16
CREATE_CHUNK = 200  # add_check calls in flight together, so the writer can group-commit them
TARGET_SHARE = 0.70
TARGET_P99_MS = 15.0
# Ping ids only grow, and trimming drops the oldest, so the newest id counts every insert.
NEWEST_PING = "SELECT coalesce(max(id), 0) FROM pings"


def run(scale: Scale) -> list[Figure]:
    checks = scale.pick(3000, 500)
    rounds = scale.pick(3, 1)
    seconds = scale.pick(5, 4)  # per round and server
    # Far more than the time bound lets through: time, not count, ends a normal run.
    max_requests = 200_000 * seconds
    figures: list[Figure] = []
    with scratch_dir("ingest") as scratch:
        isolate_config(scratch)
        data_dir = scratch / "data"
        uuids, create_seconds = asyncio.run(_create_through_service(data_dir, checks))
        asyncio.run(_fill_histories(data_dir))
        figures.append(
            info(
                "checks created through Service.add_check",
                checks / create_seconds,
                "checks/s",
                f"{checks} checks in {create_seconds:.1f} s, {CREATE_CHUNK} in flight at once",
            )
        )
        uuids_file = write_lines(scratch / "uuids.txt", uuids)
        load = partial(
            run_load,
            uuids_file=uuids_file,
            concurrency=CLIENTS,
            max_requests=max_requests,
            max_seconds=seconds,
        )
        for uvloop in [False, True] if has_uvloop() else [False]:
            loop_name = "uvloop" if uvloop else "asyncio"
            bare_port, floor_port, serve_port = free_port(), free_port(), free_port()
            stored_before = count_rows(data_dir, NEWEST_PING)
            bare = server_process(
                bare_argv(bare_port, uvloop), bare_port, scratch / f"bare-{loop_name}.log"
            )
            floor = server_process(
                floor_argv(floor_port, scratch / f"floor-{loop_name}", uvloop),
                floor_port,
                scratch / f"floor-{loop_name}.log",
            )
            serve = server_process(
                serve_argv(serve_port, data_dir),
                serve_port,
                scratch / f"serve-{loop_name}.log",
                serve_env(uvloop),
            )
            runs: dict[str, list[LoadResult]] = {"bare": [], "floor": [], "serve": []}
            with bare as bare_proc, floor as floor_proc, serve as serve_proc:
                for round_number in range(rounds):
                    runs["bare"].append(_load_counting_cpu(load, bare_port, bare_proc.pid))
                    runs["floor"].append(_load_counting_cpu(load, floor_port, floor_proc.pid))
                    profile = f"serve-ingest-{loop_name}-{round_number + 1}"
                    with py_spy(serve_proc.pid, scale, profile, seconds):
                        runs["serve"].append(_load_counting_cpu(load, serve_port, serve_proc.pid))
            stored = count_rows(data_dir, NEWEST_PING) - stored_before
            figures += _compare(runs, stored, loop_name)
        figures += _statements_per_ping(scratch / "trace")
    return figures


def _load_counting_cpu(load: Callable[..., LoadResult], port: int, pid: int) -> LoadResult:
    before = process_cpu_seconds(pid)
    result = load(port=port)
    return replace(result, server_cpu_seconds=process_cpu_seconds(pid) - before)


def _cpu_per_request(runs: list[LoadResult], label: str) -> Figure:
    """Where a rate comes from: the server's CPU per 200 and how busy each side was. A
    server below 100% of a core with clients near it is waiting on its clients."""
    per_request = [(r.server_cpu_seconds or 0.0) / r.ok * 1e6 for r in runs if r.ok] or [0.0]
    server_busy = statistics.median((r.server_cpu_seconds or 0.0) / r.seconds for r in runs)
    clients_busy = statistics.median(r.cpu_seconds / r.seconds for r in runs)
    return info(
        f"{label} CPU per 200",
        statistics.median(per_request),
        "us",
        f"server {server_busy:.0%} of a core, load generator {clients_busy:.0%} of a core",
    )


def _compare(runs: dict[str, list[LoadResult]], stored: int, loop_name: str) -> list[Figure]:
    against = f"{CLIENTS} keep-alive clients, {loop_name} event loop"
    labels = {
        "bare": "bare aiohttp handler",
        "floor": "floor, bare + 1 INSERT",
        "serve": "beatwatch serve",
    }

    def share(name: str) -> tuple[float, str]:
        shares = [r.rate / b.rate for b, r in zip(runs["bare"], runs[name], strict=True)]
        rounds = ", ".join(f"{s:.0%}" for s in shares)
        return statistics.median(shares) * 100, f"median of {len(shares)} rounds ({rounds})"

    serve_runs = runs["serve"]
    served = sum(run.ok for run in serve_runs)
    errors = sum(run.error_count for run in serve_runs)
    floor_share, floor_rounds = share("floor")
    serve_share, serve_rounds = share("serve")
    return [
        *(
            info(f"{labels[name]} ({loop_name}), round {n + 1}", run.rate, "req/s", run.summary())
            for n in range(len(serve_runs))
            for name in labels
            for run in [runs[name][n]]
        ),
        *(_cpu_per_request(runs[name], f"{labels[name]} ({loop_name})") for name in labels),
        info(f"floor share of bare throughput ({loop_name})", floor_share, "%", floor_rounds),
        at_least(
            f"beatwatch share of bare throughput ({loop_name})",
            serve_share,
            "%",
            TARGET_SHARE * 100,
            f"{serve_rounds}; {against}",
        ),
        at_most(
            f"beatwatch p99 latency ({loop_name})",
            max(run.p99_ms for run in serve_runs),
            "ms",
            TARGET_P99_MS,
            "the worst round's p99",
        ),
        Figure(
            f"pings stored vs 200s received ({loop_name})",
            stored,
            "rows",
            f"= {served} (every 200 committed)",
            stored == served and errors == 0,
            f"errors: {errors or 'none'}",
        ),
    ]


async def _create_through_service(data_dir: Path, count: int) -> tuple[list[str], float]:
    service = await Service.open(Settings(data_dir=data_dir, listen_host=HOST, listen_port=0))
    try:
        started = time.perf_counter()
        uuids: list[str] = []
        for first in range(0, count, CREATE_CHUNK):
            names = [f"nightly-job-{n}" for n in range(first, min(count, first + CREATE_CHUNK))]
            created = await asyncio.gather(
                *(service.add_check(CheckSpec(name=name, every_seconds=3600)) for name in names)
            )
            uuids += [check.uuid for check in created]
        return uuids, time.perf_counter() - started
    finally:
        await service.close()


async def _fill_histories(data_dir: Path) -> None:
    db = await Store.open(data_dir)
    try:
        now = time.time()
        await db.write(
            lambda conn: insert_kept_pings(
                conn, [row[0] for row in conn.execute("SELECT id FROM checks")], now
            )
        )
    finally:
        await db.close()


def _statements_per_ping(data_dir: Path) -> list[Figure]:
    """SQL statements two success pings on an idle check run inside their writer jobs: the
    first reads the check, the second finds it cached (the writer adds a SAVEPOINT and a
    RELEASE per job and one BEGIN, data_version read and COMMIT per batch). SQLite traces the
    statements a trigger runs as repeats of the statement that fired it; those count once."""

    async def measure() -> list[list[str]]:
        db = await Store.open(data_dir)
        try:
            uuids = await db.write(
                partial(seed_checks, count=1, every_seconds=3600, created_at=lambda _: time.time())
            )
            traced = []
            for _ in range(2):
                request = PingRequest(kind=PingKind.SUCCESS, uuid=uuids[0], at=time.time())
                traced.append(await db.write(partial(_traced_ping, request=request, db=db)))
            return traced
        finally:
            await db.close()

    first, cached = (_distinct(s) for s in asyncio.run(measure()))
    return [
        info(f"SQL statements, {label}", len(s), "stmts", ", ".join(_verbs(s)))
        for label, s in (
            ("first ping (reads check; new->up)", first),
            ("next ping (check cached)", cached),
        )
    ]


def _distinct(statements: list[str]) -> list[str]:
    return [s for n, s in enumerate(statements) if n == 0 or statements[n - 1] != s]


_SHAPE = re.compile(r"(UPDATE) (\w+)|(SELECT|INSERT|DELETE)\b.*?\b(?:FROM|INTO) (\w+)")


def _verbs(statements: list[str]) -> list[str]:
    """Each statement as its verb and table: "UPDATE checks"."""
    shapes = []
    for statement in statements:
        match = _SHAPE.match(statement)
        shapes.append(" ".join(filter(None, match.groups())) if match else statement.split()[0])
    return shapes


def _traced_ping(conn: sqlite3.Connection, request: PingRequest, db: Store) -> list[str]:
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    try:
        record_ping(conn, request, ping_key="unused-by-uuid-pings", cache=db.check_cache)
    finally:
        conn.set_trace_callback(None)
    return statements
