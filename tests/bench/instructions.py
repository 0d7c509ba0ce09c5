"""Instructions per ping: `serve`, the durable floor and the bare handler, under callgrind.

On a shared machine the rates under wrk swing by a fifth from one round to the next, more
than most single changes to a ping's path move them. Instruction counts do not: valgrind's
callgrind counts what a server executes whatever else the machine is doing. Each server
runs under callgrind twice, answering exactly FEW and then MANY pings sent by the load
generator (its own process, not counted) over 16 keep-alive connections; the difference
over MANY - FEW is one ping's cost, start-up, imports and shutdown cancelled out. `serve`
is measured on one hot check and over a fleet of checks holding their 100 pings each,
pinged in turn: FEW is one ping to each check, the same in both runs, so what is left is a
check already in the cache, as on a server that has run a while. The bare handler and the
floor do the same for every ping, whichever check it names; they are measured on the fleet.

Under wrk each server's own CPU sets its rate (94-99% of a core each), so the floor's
instructions over serve's are what serve's share of the floor's rate tends to.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.bench.common import (
    Figure,
    Scale,
    bare_argv,
    db_path,
    debian_tool,
    floor_argv,
    free_port,
    full_fleet,
    has_uvloop,
    info,
    isolate_config,
    run_load,
    scratch_dir,
    serve_argv,
    serve_env,
    server_process,
    write_lines,
)

CONNECTIONS = 16
TARGET_FLOOR_SHARE = 0.85
# Under callgrind a server starts and stops some fifty times slower than it would alone.
SLOWED_DOWN_TIMEOUT = 600.0
LOAD_TIMEOUT = 1200.0
_COLLECTED = re.compile(r"Collected : (\d+)")

# The command line of a server on a port, given the run's own copy of the data.
Server = Callable[[int, Path], tuple[list[str], dict[str, str]]]


def run(scale: Scale) -> list[Figure]:
    valgrind = debian_tool("valgrind", "the instructions benchmark")
    checks = scale.pick(1_000, 200)
    few, many = checks, 3 * checks
    uvloop = has_uvloop()
    servers: dict[str, Server] = {
        "bare aiohttp handler": lambda port, _: (bare_argv(port, uvloop), {}),
        "floor, bare + 1 INSERT": lambda port, data: (floor_argv(port, data, uvloop), {}),
        "beatwatch serve": lambda port, data: (serve_argv(port, data), serve_env(uvloop)),
    }
    with scratch_dir("instructions") as scratch:
        isolate_config(scratch)
        template = full_fleet(scratch / "template", checks).parent
        uuids = _uuids(template)
        loads = {
            f"fleet of {checks:,}": write_lines(scratch / "fleet.txt", uuids),
            "hot check": write_lines(scratch / "hot.txt", uuids[:1]),
        }
        measure = _Measure(valgrind, scratch, template, few, many)
        per_ping: dict[tuple[str, str], float] = {}
        for load, uuids_file in loads.items():
            for name, server in servers.items():
                if name == "beatwatch serve" or load.startswith("fleet"):
                    per_ping[name, load] = measure(server, uuids_file, f"{name} {load}")
    figures = [
        info(f"{name} ({load})", count / 1000, "k instr", f"per ping, {many} less {few} pings")
        for (name, load), count in per_ping.items()
    ]
    fleet = next(iter(loads))
    floor = per_ping["floor, bare + 1 INSERT", fleet]
    for load in loads:
        serve = per_ping["beatwatch serve", load]
        figures.append(
            info(
                f"floor's instructions over serve's ({load})",
                100 * floor / serve,
                "%",
                f"what serve's share of the floor's rate tends to; {TARGET_FLOOR_SHARE:.0%} "
                f"would need serve at {floor / TARGET_FLOOR_SHARE / 1000:.0f}k or fewer",
            )
        )
    return figures


def _uuids(data_dir: Path) -> list[str]:
    with contextlib.closing(sqlite3.connect(db_path(data_dir))) as conn:
        return [row[0] for row in conn.execute("SELECT uuid FROM checks ORDER BY id")]


class _Measure:
    """One server's instructions per ping on one load: its two runs side by side (the
    counts do not depend on what else runs)."""

    def __init__(self, valgrind: str, scratch: Path, template: Path, few: int, many: int):
        self._valgrind = valgrind
        self._scratch = scratch
        self._template = template
        self._few, self._many = few, many

    def __call__(self, server: Server, uuids_file: Path, label: str) -> float:
        with ThreadPoolExecutor(max_workers=2) as pool:
            few, many = pool.map(
                lambda pings: self._instructions(server, uuids_file, pings, label),
                (self._few, self._many),
            )
        return (many - few) / (self._many - self._few)

    def _instructions(self, server: Server, uuids_file: Path, pings: int, label: str) -> int:
        run_dir = self._scratch / f"run-{pings}"
        shutil.rmtree(run_dir, ignore_errors=True)
        shutil.copytree(self._template, run_dir / "data")
        port = free_port()
        argv, env = server(port, run_dir / "data")
        counted = run_dir / "valgrind.log"
        callgrind = [
            self._valgrind,
            "--tool=callgrind",
            f"--callgrind-out-file={run_dir / 'callgrind.out'}",
            f"--log-file={counted}",
        ]
        with server_process(
            callgrind + argv,
            port,
            run_dir / "server.log",
            env,
            startup_timeout=SLOWED_DOWN_TIMEOUT,
            stop_timeout=SLOWED_DOWN_TIMEOUT,
        ):
            result = run_load(port, uuids_file, CONNECTIONS, pings, LOAD_TIMEOUT)
        if result.ok != pings:
            raise RuntimeError(f"{label}: {result.ok} of {pings} pings answered 200")
        # Written as valgrind exits, after the server stopped on its SIGTERM.
        counts = _COLLECTED.findall(counted.read_text())
        if len(counts) != 1:
            raise RuntimeError(f"{label}: valgrind counted nothing; its log: {counted}")
        return int(counts[0])
