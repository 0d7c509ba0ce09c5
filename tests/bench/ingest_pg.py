"""Ingest on PostgreSQL: serve on one node and on two, beside serve on SQLite and the bare handler.

All four under wrk (one thread, 16 keep-alive connections, requests rotating over the uuids
of a fleet of 1,000 checks, each pinged once before), taking turns for ROUNDS rounds of
SECONDS each; two nodes get a wrk each, 8 connections apiece, at the same time, and their
rates are added. The PostgreSQL cluster is a throwaway one (initdb into /tmp, a Unix socket,
fsync and synchronous_commit on: every 200 is a committed row, as on SQLite).

This machine has 2 cores: the servers, PostgreSQL and wrk share them, so two nodes compete
with each other and with the database for the same CPU. The figures say what one box does;
a node per machine is what several nodes are for.
"""

from __future__ import annotations

import asyncio
import statistics
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

from beatwatch.config import Settings
from beatwatch.core.model import PingKind, PingRequest
from beatwatch.core.validation import CheckSpec
from beatwatch.service.service import Service
from tests.bench.common import (
    Figure,
    LoadResult,
    Scale,
    bare_argv,
    free_port,
    has_uvloop,
    info,
    isolate_config,
    scratch_dir,
    serve_argv,
    server_process,
    write_lines,
)
from tests.bench.wrk import ensure_wrk, run_wrk
from tests.conftest import engine_settings
from tests.postgres import fresh_database, throwaway_cluster

CHECKS = 1000
ROUNDS = 3
SECONDS = 5
CONNECTIONS = 16


def run(scale: Scale) -> list[Figure]:
    wrk = ensure_wrk()
    rounds, seconds = scale.pick(ROUNDS, 1), scale.pick(SECONDS, 3)
    with scratch_dir("ingest-pg") as scratch, throwaway_cluster() as cluster:
        isolate_config(scratch)
        url = fresh_database(cluster)
        sqlite_dir = scratch / "sqlite"
        uuids = asyncio.run(
            _fleet(replace(engine_settings(scratch / "pg-setup"), database_url=url))
        )
        sqlite_uuids = asyncio.run(_fleet(engine_settings(sqlite_dir)))
        pg_file = write_lines(scratch / "pg.txt", uuids)
        sqlite_file = write_lines(scratch / "sqlite.txt", sqlite_uuids)
        env = {"BEATWATCH_DATABASE_URL": url, "BEATWATCH_PING_RATE_LIMIT": "off"}
        no_limit = {"BEATWATCH_PING_RATE_LIMIT": "off"}
        ports = {name: free_port() for name in ("bare", "sqlite", "pg1", "pg2")}
        uvloop = has_uvloop()
        results: dict[str, list[float]] = {
            name: [] for name in ("bare", "sqlite", "pg 1 node", "pg 2 nodes")
        }
        p99s: dict[str, list[float]] = {name: [] for name in results}
        with (
            server_process(bare_argv(ports["bare"], uvloop), ports["bare"], scratch / "bare.log"),
            server_process(
                serve_argv(ports["sqlite"], sqlite_dir),
                ports["sqlite"],
                scratch / "s.log",
                no_limit,
            ),
            server_process(
                serve_argv(ports["pg1"], scratch / "n1"), ports["pg1"], scratch / "n1.log", env
            ),
            server_process(
                serve_argv(ports["pg2"], scratch / "n2"), ports["pg2"], scratch / "n2.log", env
            ),
        ):

            def load(port: int, file: Path, connections: int = CONNECTIONS) -> LoadResult:
                return run_wrk(wrk, port, file, connections, seconds, scratch)

            for _ in range(rounds):
                for name, result in (
                    ("bare", [load(ports["bare"], pg_file)]),
                    ("sqlite", [load(ports["sqlite"], sqlite_file)]),
                    ("pg 1 node", [load(ports["pg1"], pg_file)]),
                    (
                        "pg 2 nodes",
                        _together(load, [(ports["pg1"], pg_file), (ports["pg2"], pg_file)]),
                    ),
                ):
                    results[name].append(sum(r.ok for r in result) / max(r.seconds for r in result))
                    p99s[name].append(max(r.p99_ms for r in result))
        bare = statistics.median(results["bare"])
        figures = [
            info(
                f"{name}, median of {rounds} rounds",
                statistics.median(rates),
                "req/s",
                f"{statistics.median(rates) / bare:.0%} of bare; rounds "
                + ", ".join(f"{r:,.0f}" for r in rates)
                + f"; p99 worst {max(p99s[name]):.1f} ms",
            )
            for name, rates in results.items()
        ]
    return figures


def _together(
    load: Callable[[int, Path, int], LoadResult], targets: list[tuple[int, Path]]
) -> list[LoadResult]:
    """A wrk per node at once, each with half the connections."""
    with ThreadPoolExecutor(len(targets)) as pool:
        futures = [
            pool.submit(load, port, file, CONNECTIONS // len(targets)) for port, file in targets
        ]
        return [f.result() for f in futures]


async def _fleet(settings: Settings) -> list[str]:
    service = await Service.open(settings)
    try:
        uuids = []
        for n in range(CHECKS):
            check = await service.add_check(CheckSpec(name=f"bench-{n}", every_seconds=3600))
            await service.record_ping(
                PingRequest(PingKind.SUCCESS, uuid=check.uuid, at=check.created_at)
            )
            uuids.append(check.uuid)
        return uuids
    finally:
        await service.close()
