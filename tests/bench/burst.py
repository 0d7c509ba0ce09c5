"""Top-of-the-hour burst: 10,000 distinct checks pinged at once over 500 connections.

`beatwatch serve` runs over 10,000 checks (made by catalog.create_check in one writer job);
a separate load generator process opens 500 concurrent keep-alive connections and pings
every check exactly once. Afterwards SQLite must hold one ping for each of the 10,000.

Targets: 0 errors; all 10,000 stored; p99 <= 500 ms; the burst lands in about one second.
"""

from __future__ import annotations

import asyncio
import time
from functools import partial
from pathlib import Path

from beatwatch.store.database import Store
from tests.bench.common import (
    Figure,
    Scale,
    at_most,
    count_rows,
    free_port,
    info,
    isolate_config,
    py_spy,
    run_load,
    scratch_dir,
    seed_checks,
    serve_argv,
    server_process,
    write_lines,
)

CONNECTIONS = 500
TARGET_P99_MS = 500.0
BURST_TIME_LIMIT = 120.0


def run(scale: Scale) -> list[Figure]:
    checks = scale.pick(10_000, 2_000)
    with scratch_dir("burst") as scratch:
        isolate_config(scratch)
        data_dir = scratch / "data"
        uuids = asyncio.run(seed(data_dir, checks, every_seconds=3600))
        uuids_file = write_lines(scratch / "uuids.txt", uuids)
        port = free_port()
        serve = server_process(serve_argv(port, data_dir), port, scratch / "serve.log")
        with serve as proc, py_spy(proc.pid, scale, "serve-burst", 5):
            result = run_load(
                port,
                uuids_file,
                concurrency=CONNECTIONS,
                max_requests=checks,
                max_seconds=BURST_TIME_LIMIT,
                each_once=True,
            )
        stored = count_rows(data_dir, "SELECT count(DISTINCT check_id) FROM pings")
    against = f"{checks} distinct checks, {CONNECTIONS} connections"
    return [
        info("burst duration", result.seconds, "s", f"{against}; aim: about 1 s"),
        info("burst throughput", result.rate, "req/s", against),
        Figure(
            "errors",
            result.error_count,
            "",
            "= 0",
            result.error_count == 0,
            f"{result.errors or 'none'}",
        ),
        Figure("checks with their ping stored", stored, "checks", f"= {checks}", stored == checks),
        at_most(
            "p99 latency",
            result.p99_ms,
            "ms",
            TARGET_P99_MS,
            f"p50 {result.p50_ms:.1f} ms, max {result.max_ms:.1f} ms",
        ),
    ]


async def seed(data_dir: Path, count: int, every_seconds: int) -> list[str]:
    """`count` checks created in one writer job, so setup costs seconds, not a commit each."""
    db = await Store.open(data_dir)
    try:
        now = time.time()
        return await db.write(
            partial(seed_checks, count=count, every_seconds=every_seconds, created_at=lambda _: now)
        )
    finally:
        await db.close()
