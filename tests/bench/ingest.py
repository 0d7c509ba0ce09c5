"""Ping ingest: `beatwatch serve` against a bare aiohttp server and the durable floor, under wrk.

Checks are created through Service.add_check (timed) and given a full history (100 pings
each, as on a server that has run a while, so that every ping also drops its check's
oldest). wrk (C, one thread: it saturates even the bare handler before itself) then drives
16 keep-alive connections at three servers in turn: the bare server (same 200, JSON body
and headers, nothing stored), the durable floor (the bare handler plus one INSERT per ping
through beatwatch's writer, group-committed like serve) and `beatwatch serve`, where every
ping is committed with an fsync before its 200. Two loads: one hot check pinged over and
over, and the whole fleet, each request to the next check's uuid (a wrk Lua script). The
servers take turns, a few rounds each, so that a machine whose speed drifts slows all
alike; a share is the median of the rounds' shares. All three run on uvloop when it is
installed (serve's default), else on asyncio. Afterwards the pings table must have taken
a row for every 200 received (counted by ping id, which only grows), and at most one more
for each connection wrk dropped with a request in flight when its time ran out. Also
counted: each server's CPU time per 200 (with how busy it and wrk were, which shows which
side set the rate) and the SQL statements one ping costs.

Targets: serve >= 85% of the durable floor's requests/s; p99 <= 15 ms.
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
    scratch_dir,
    seed_checks,
    serve_argv,
    serve_env,
    server_process,
    write_lines,
)
from tests.bench.wrk import ensure_wrk, run_wrk

CONNECTIONS = 16
CREATE_CHUNK = 200  # add_check calls in flight together, so the writer can group-commit them
TARGET_FLOOR_SHARE = 0.85
TARGET_P99_MS = 15.0
# How long the stored pings must stop growing for before the next load's count starts.
SETTLE_POLL = 0.5
SETTLE_TIMEOUT = 10.0
# A check's newest ping number counts its pings stored, each written in the transaction
# that numbered it (its slot then reused by the 100th after it): the sum counts them all.
PINGS_STORED = "SELECT coalesce(sum(last_ping_number), 0) FROM checks"
SERVERS = {
    "bare": "bare aiohttp handler",
    "floor": "floor, bare + 1 INSERT",
    "serve": "beatwatch serve",
}


def run(scale: Scale) -> list[Figure]:
    wrk = ensure_wrk()
    checks = scale.pick(10_000, 500)
    rounds = scale.pick(3, 1)
    seconds = scale.pick(5, 3)  # per round and server
    uvloop = has_uvloop()
    loop_name = "uvloop" if uvloop else "asyncio"
    figures: list[Figure] = []
    with scratch_dir("ingest") as scratch:
        isolate_config(scratch)
        data_dir = scratch / "data"
        uuids, create_seconds = asyncio.run(_create_through_service(data_dir, checks))
        asyncio.run(_fill_histories(data_dir))
        asyncio.run(_ping_each_once(data_dir, uuids))
        figures.append(
            info(
                "checks created through Service.add_check",
                checks / create_seconds,
                "checks/s",
                f"{checks} checks in {create_seconds:.1f} s, {CREATE_CHUNK} in flight at once",
            )
        )
        loads = {
            "hot check": write_lines(scratch / "hot.txt", uuids[:1]),
            f"fleet of {checks:,}": write_lines(scratch / "fleet.txt", uuids),
        }
        ports = {name: free_port() for name in SERVERS}
        bare = server_process(bare_argv(ports["bare"], uvloop), ports["bare"], scratch / "bare.log")
        floor = server_process(
            floor_argv(ports["floor"], scratch / "floor", uvloop),
            ports["floor"],
            scratch / "floor.log",
        )
        serve = server_process(
            serve_argv(ports["serve"], data_dir),
            ports["serve"],
            scratch / "serve.log",
            serve_env(uvloop),
        )
        with bare as bare_proc, floor as floor_proc, serve as serve_proc:
            pids = {"bare": bare_proc.pid, "floor": floor_proc.pid, "serve": serve_proc.pid}
            for load_name, uuids_file in loads.items():
                load = partial(
                    run_wrk,
                    wrk,
                    uuids_file=uuids_file,
                    connections=CONNECTIONS,
                    seconds=seconds,
                    script_dir=scratch,
                )
                stored_before = _settled_stored_pings(data_dir)
                runs: dict[str, list[LoadResult]] = {name: [] for name in SERVERS}
                for round_number in range(rounds):
                    for name in SERVERS:
                        profile = f"{name}-{load_name.split()[0]}-{round_number + 1}"
                        with py_spy(pids[name], scale, profile, seconds):
                            runs[name].append(_load_counting_cpu(load, ports[name], pids[name]))
                stored = _settled_stored_pings(data_dir) - stored_before
                label = f"{load_name}, {loop_name}"
                figures += _compare(runs, stored, label)
        figures += _statements_per_ping(scratch / "trace")
    return figures


def _settled_stored_pings(data_dir: Path) -> int:
    """How many pings are stored once those wrk left in flight have landed: when wrk's time
    runs out, serve still stores the requests it had read, and those must not count for
    the load that comes next."""
    stored = count_rows(data_dir, PINGS_STORED)
    deadline = time.monotonic() + SETTLE_TIMEOUT
    while time.monotonic() < deadline:
        time.sleep(SETTLE_POLL)
        latest = count_rows(data_dir, PINGS_STORED)
        if latest == stored:
            break
        stored = latest
    return stored


def _load_counting_cpu(load: Callable[..., LoadResult], port: int, pid: int) -> LoadResult:
    before = process_cpu_seconds(pid)
    result = load(port=port)
    return replace(result, server_cpu_seconds=process_cpu_seconds(pid) - before)


def _cpu_per_request(runs: list[LoadResult]) -> float:
    """A server's CPU per 200 in µs, the median of the rounds."""
    return statistics.median(
        [(r.server_cpu_seconds or 0.0) / r.ok * 1e6 for r in runs if r.ok] or [0.0]
    )


def _cpu_figure(runs: list[LoadResult], label: str) -> Figure:
    """Where a rate comes from: the server's CPU per 200 and how busy each side was. A
    server below 100% of a core with wrk near it is waiting on its clients."""
    server_busy = statistics.median((r.server_cpu_seconds or 0.0) / r.seconds for r in runs)
    wrk_busy = statistics.median(r.cpu_seconds / r.seconds for r in runs)
    return info(
        f"{label} CPU per 200",
        _cpu_per_request(runs),
        "us",
        f"server {server_busy:.0%} of a core, wrk {wrk_busy:.0%} of a core",
    )


def _share(runs: list[LoadResult], of: list[LoadResult]) -> tuple[float, str]:
    """The median of the rounds' rate ratios, in %, and the rounds' own."""
    shares = [r.rate / o.rate for o, r in zip(of, runs, strict=True)]
    rounds = ", ".join(f"{s:.0%}" for s in shares)
    return statistics.median(shares) * 100, f"median of {len(shares)} rounds ({rounds})"


def _compare(runs: dict[str, list[LoadResult]], stored: int, label: str) -> list[Figure]:
    serve_runs = runs["serve"]
    served = sum(run.ok for run in serve_runs)
    in_flight = CONNECTIONS * len(serve_runs)
    errors = sum(run.error_count for run in serve_runs)
    floor_of_bare, floor_of_bare_rounds = _share(runs["floor"], runs["bare"])
    serve_of_bare, serve_of_bare_rounds = _share(serve_runs, runs["bare"])
    serve_of_floor, serve_of_floor_rounds = _share(serve_runs, runs["floor"])
    own_work = _cpu_per_request(serve_runs) - _cpu_per_request(runs["floor"])
    return [
        *(
            info(f"{SERVERS[name]} ({label}), round {n + 1}", run.rate, "req/s", run.summary())
            for n in range(len(serve_runs))
            for name in SERVERS
            for run in [runs[name][n]]
        ),
        *(_cpu_figure(runs[name], f"{SERVERS[name]} ({label})") for name in SERVERS),
        info(
            f"a ping's own work beyond the floor ({label})",
            own_work,
            "us",
            "serve's CPU per 200 less the floor's",
        ),
        info(f"floor share of bare ({label})", floor_of_bare, "%", floor_of_bare_rounds),
        info(f"beatwatch share of bare ({label})", serve_of_bare, "%", serve_of_bare_rounds),
        at_least(
            f"beatwatch share of the floor ({label})",
            serve_of_floor,
            "%",
            TARGET_FLOOR_SHARE * 100,
            f"{serve_of_floor_rounds}; {CONNECTIONS} keep-alive connections from wrk",
        ),
        at_most(
            f"beatwatch p99 latency ({label})",
            max(run.p99_ms for run in serve_runs),
            "ms",
            TARGET_P99_MS,
            "the worst round's p99",
        ),
        Figure(
            f"pings stored vs 200s received ({label})",
            stored,
            "rows",
            f"{served}..{served + in_flight} (every 200 committed)",
            served <= stored <= served + in_flight and errors == 0,
            f"errors: {errors or 'none'}; up to {CONNECTIONS} a round were in flight when wrk "
            "stopped, stored without wrk waiting for their 200",
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


async def _ping_each_once(data_dir: Path, uuids: list[str]) -> None:
    """One ping per check through Service.record_ping before any load: each check leaves
    `new` (a transition and a log line each, which a running server made long ago), as on a
    server that has run a while."""
    service = await Service.open(Settings(data_dir=data_dir, listen_host=HOST, listen_port=0))
    try:
        for first in range(0, len(uuids), CREATE_CHUNK):
            await asyncio.gather(
                *(
                    service.record_ping(PingRequest(PingKind.SUCCESS, uuid, at=time.time()))
                    for uuid in uuids[first : first + CREATE_CHUNK]
                )
            )
    finally:
        await service.close()


def _statements_per_ping(data_dir: Path) -> list[Figure]:
    """SQL statements two success pings on an idle check run inside their writer jobs: the
    first reads the check, the second finds it cached (the writer adds one BEGIN, data_version
    read, SAVEPOINT, RELEASE and COMMIT per batch). SQLite traces the statements a trigger
    runs as repeats of the statement that fired it; those count once."""

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
        # The check's row, which the writer writes once the batch's jobs are done.
        db.check_cache.write_held(conn)
    finally:
        conn.set_trace_callback(None)
    return statements
