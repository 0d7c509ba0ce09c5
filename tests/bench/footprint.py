"""Memory and disk: `serve` RSS over a full database, and file size as pings keep coming.

Memory: 100,000 checks each already holding their 100 kept pings (rows written directly,
in their slots as store.insert_ping writes them), then `beatwatch serve` is started over
them and driven by 16 keep-alive clients rotating over every check; VmRSS is read after
start-up and VmHWM (the peak) after the load.

Disk: pings go through Service.record_ping (the receiver's path, minus HTTP) round-robin over
a set of checks, and the database (main file + WAL) is measured as they go. Once every check
holds its 100 pings, each new ping replaces the oldest, so the files should stop growing.

Targets: serve under 300 MB RSS; no growth once every check holds its 100 pings.
"""

from __future__ import annotations

import asyncio
import time
from functools import partial
from pathlib import Path

from beatwatch.config import Settings
from beatwatch.core.model import PINGS_KEPT, PingKind, PingRequest
from beatwatch.service.service import Service
from beatwatch.store.database import Store
from tests.bench.common import (
    HOST,
    Figure,
    Scale,
    at_most,
    disk_bytes,
    free_port,
    info,
    insert_kept_pings,
    isolate_config,
    rss_mib,
    run_load,
    scratch_dir,
    seed_checks,
    serve_argv,
    server_process,
    write_lines,
)

TARGET_RSS_MIB = 300.0
CLIENTS = 16
CHECKS_PER_JOB = 2_000  # pings of this many checks per seeding transaction
IN_FLIGHT = 256  # pings handed to the writer together, as a burst of clients would
SAMPLES = 10
# Growth allowed once every check is full: SQLite reuses freed pages, so any steady growth
# beyond page-level noise is a leak.
TARGET_GROWTH = 0.02
MIB = 1024 * 1024


def run(scale: Scale) -> list[Figure]:
    with scratch_dir("footprint") as scratch:
        isolate_config(scratch)
        figures = _memory(scratch, scale.pick(100_000, 10_000), scale.pick(15, 4))
        figures += asyncio.run(
            _disk(scratch / "disk", scale.pick(2_000, 200), rounds=scale.pick(2, 2) * PINGS_KEPT)
        )
        return figures


def _memory(scratch: Path, checks: int, seconds: int) -> list[Figure]:
    data_dir = scratch / "memory"
    started = time.perf_counter()
    uuids = asyncio.run(_seed_full(data_dir, checks))
    seeded = time.perf_counter() - started
    uuids_file = write_lines(scratch / "uuids.txt", uuids)
    port = free_port()
    with server_process(serve_argv(port, data_dir), port, scratch / "serve.log") as proc:
        at_start = rss_mib(proc.pid)
        result = run_load(
            port, uuids_file, CLIENTS, max_requests=200_000 * seconds, max_seconds=seconds
        )
        peak = rss_mib(proc.pid, "VmHWM")
    size = disk_bytes(data_dir) / MIB
    against = f"{checks} checks x {PINGS_KEPT} pings, database {size:,.0f} MiB"
    return [
        info("setup: checks and pings written", seeded, "s", against),
        info("serve RSS after start-up", at_start, "MiB", against),
        at_most(
            "serve peak RSS (VmHWM) under ping load",
            peak,
            "MiB",
            TARGET_RSS_MIB,
            f"{against}; {result.ok} pings at {result.rate:,.0f}/s, {result.error_count} errors",
        ),
    ]


async def _seed_full(data_dir: Path, checks: int) -> list[str]:
    db = await Store.open(data_dir)
    try:
        now = time.time()
        uuids = await db.write(
            partial(seed_checks, count=checks, every_seconds=3600, created_at=lambda _: now)
        )
        for first in range(1, checks + 1, CHECKS_PER_JOB):
            ids = range(first, min(checks, first + CHECKS_PER_JOB - 1) + 1)
            await db.write(partial(insert_kept_pings, check_ids=ids, now=now))
        return uuids
    finally:
        await db.close()


async def _disk(data_dir: Path, checks: int, rounds: int) -> list[Figure]:
    """`rounds` pings per check, round-robin; sizes sampled SAMPLES times along the way."""
    total = checks * rounds
    service = await Service.open(Settings(data_dir=data_dir, listen_host=HOST, listen_port=0))
    try:
        uuids = await service.store.write(
            partial(seed_checks, count=checks, every_seconds=3600, created_at=lambda _: time.time())
        )
        sizes: list[tuple[int, int]] = []
        started = time.perf_counter()
        for sent in range(0, total, IN_FLIGHT):
            batch = range(sent, min(total, sent + IN_FLIGHT))
            await asyncio.gather(*(service.record_ping(_ping(uuids[n % checks])) for n in batch))
            if (sent // IN_FLIGHT) % max(1, total // IN_FLIGHT // SAMPLES) == 0:
                sizes.append((batch.stop, disk_bytes(data_dir)))
        elapsed = time.perf_counter() - started
        sizes.append((total, disk_bytes(data_dir)))
    finally:
        await service.close()
    full_at = checks * PINGS_KEPT
    at_full = min((size for sent, size in sizes if sent >= full_at), default=0)
    growth = (sizes[-1][1] - at_full) / at_full if at_full else 0.0
    trail = ", ".join(f"{sent:,}: {size / MIB:.1f}" for sent, size in sizes)
    return [
        info(
            "pings recorded in-process (no HTTP)",
            total / elapsed,
            "pings/s",
            f"{total:,} pings over {checks:,} checks, {IN_FLIGHT} in flight",
        ),
        info(
            "database + WAL once every check holds 100",
            at_full / MIB,
            "MiB",
            f"after {full_at:,} pings",
        ),
        Figure(
            "growth from then to the last ping",
            growth * 100,
            "%",
            f"<= {TARGET_GROWTH * 100:g} %",
            growth <= TARGET_GROWTH,
            f"MiB by pings sent: {trail}",
        ),
    ]


def _ping(uuid: str) -> PingRequest:
    return PingRequest(
        kind=PingKind.SUCCESS, uuid=uuid, remote_addr=HOST, user_agent="curl/8.5.0", at=time.time()
    )
