"""Run the benchmarks: `python -m tests.bench [--quick] [--profile DIR] [NAME ...]`.

With no NAME every benchmark runs. Each figure is printed with what it was measured against
and PASS or MISS beside its target; the exit status is 0 whatever the figures are, because
a benchmark informs and never gates.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import platform
import sqlite3
import sys
import time
from pathlib import Path

import aiohttp

from tests.bench.common import Scale

BENCHMARKS = {
    "ingest": "tests.bench.ingest",
    "ping_cost": "tests.bench.ping_cost",
    "instructions": "tests.bench.instructions",
    "burst": "tests.bench.burst",
    "evaluator": "tests.bench.evaluator",
    "footprint": "tests.bench.footprint",
    "tui": "tests.bench.tui",
    "demo": "tests.bench.demo",
    "startup": "tests.bench.startup",
    "simulate": "tests.bench.simulate",
    "failover": "tests.bench.failover",
    "ingest_pg": "tests.bench.ingest_pg",
}


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m tests.bench", description="Benchmark beatwatch's hot paths."
    )
    parser.add_argument(
        "names",
        nargs="*",
        choices=[[], *BENCHMARKS],
        metavar="NAME",
        help=f"benchmarks to run (default: all): {', '.join(BENCHMARKS)}",
    )
    parser.add_argument("--quick", action="store_true", help="smaller numbers, for a smoke run")
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="record the server with py-spy during load and write flame graphs to DIR",
    )
    args = parser.parse_args()
    scale = Scale(quick=args.quick, profile_dir=args.profile)
    print(
        f"beatwatch benchmarks{' (quick)' if args.quick else ''}: {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"aiohttp {aiohttp.__version__}"
    )
    busy = os.getloadavg()[0]
    if busy > 0.5:
        print(
            f"warning: load average {busy:.1f} before starting: other processes are using the "
            "CPU, so throughput will read low and latency high"
        )
    for name in args.names or list(BENCHMARKS):
        # Each benchmark starts clean: the last one's files written back to disk and its
        # objects collected, so neither lands inside the next one's measurements.
        os.sync()
        gc.collect()
        module = importlib.import_module(BENCHMARKS[name])
        print(f"\n[{name}] {module.__doc__.strip().splitlines()[0]}")
        started = time.monotonic()
        for figure in module.run(scale):
            print(figure.line(), flush=True)
        print(f"  ({name} took {time.monotonic() - started:.0f} s)")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
