"""Start-up: `beatwatch run URL -- true` against a running engine, and `beatwatch --version`.

A crontab runs `beatwatch run` around every job, so what it costs is mostly what Python and
its imports cost before the first ping. Each command is timed beside `python3 -c pass` (the
interpreter's own start-up, the floor), alternating one run of each so that a busy moment
falls on all of them alike; medians are compared. The CPU time each takes (user + system) is
shown beside its wall time: on a busy machine it says what the command itself costs. The
HTTP round trip is a fresh connection
and one ping from this process, sent twice per `run` (start and finish).

Target: `run -- true` at most 3× `python3 -c pass` plus its two round trips.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from tests.bench.common import (
    HOST,
    Figure,
    Scale,
    at_most,
    free_port,
    info,
    isolate_config,
    scratch_dir,
    serve_argv,
    server_process,
)

FLOOR_RATIO = 3.0


def run(scale: Scale) -> list[Figure]:
    rounds = scale.pick(30, 5)
    beatwatch = str(Path(sys.executable).with_name("beatwatch"))
    with scratch_dir("startup") as scratch:
        isolate_config(scratch)
        port = free_port()
        data_dir = scratch / "data"
        with server_process(serve_argv(port, data_dir), port, scratch / "serve.log"):
            url = _add_check(beatwatch, data_dir, port)
            commands = {
                "python3 -c pass": [sys.executable, "-c", "pass"],
                "beatwatch --version": [beatwatch, "--version"],
                "beatwatch run URL -- true": [beatwatch, "run", url, "--", "true"],
            }
            wall: dict[str, list[float]] = {name: [] for name in commands}
            cpu: dict[str, list[float]] = {name: [] for name in commands}
            round_trips: list[float] = []
            for _ in range(rounds):
                for name, argv in commands.items():
                    elapsed, used = _timed(argv)
                    wall[name].append(elapsed)
                    cpu[name].append(used)
                round_trips.append(_round_trip(url))
    floor, version, wrapped = (statistics.median(wall[name]) for name in commands)
    floor_cpu, version_cpu, wrapped_cpu = (statistics.median(cpu[name]) for name in commands)
    trip = statistics.median(round_trips)
    limit = FLOOR_RATIO * floor + 2 * trip
    return [
        info(
            "python3 -c pass (median)",
            floor * 1000,
            "ms",
            f"{rounds} runs each, alternating; CPU {floor_cpu * 1000:.0f} ms",
        ),
        info("one ping's HTTP round trip (median)", trip * 1000, "ms", "fresh connection"),
        info(
            "beatwatch --version (median)",
            version * 1000,
            "ms",
            f"{version / floor:.1f}× python3 -c pass; CPU {version_cpu * 1000:.0f} ms, "
            f"{version_cpu / floor_cpu:.1f}× its",
        ),
        at_most(
            "beatwatch run URL -- true (median)",
            wrapped * 1000,
            "ms",
            round(limit * 1000, 1),
            f"{wrapped / floor:.1f}× python3 -c pass (the target: 3× it plus two round trips); "
            f"CPU {wrapped_cpu * 1000:.0f} ms, {wrapped_cpu / floor_cpu:.1f}× its",
        ),
    ]


def _add_check(beatwatch: str, data_dir: Path, port: int) -> str:
    added = subprocess.run(
        [beatwatch, "check", "add", "bench", "--every", "1h", "--json", "--data-dir", data_dir],
        check=True,
        capture_output=True,
        text=True,
    )
    uuid = json.loads(added.stdout)["uuid"]
    return f"http://{HOST}:{port}/ping/{uuid}"


def _timed(argv: Sequence[str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system, its children included) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env=os.environ)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, used


def _round_trip(url: str) -> float:
    started = time.perf_counter()
    with urllib.request.urlopen(url + "/log", timeout=10) as reply:
        reply.read()
    return time.perf_counter() - started
