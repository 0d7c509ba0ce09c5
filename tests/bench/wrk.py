"""wrk as the load generator: C, one event-loop thread, far cheaper per request than any
Python client, so that even the bare handler is saturated before wrk is.

`run_wrk` drives one server for a bounded time with keep-alive connections, each request to
the next uuid of a list (a Lua script rotates over them), and reads what wrk counted from the
JSON its `done` hook prints: requests, non-2xx answers, socket errors, latency percentiles.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import time
from pathlib import Path

from tests.bench.common import HOST, LOADGEN_GRACE, LoadResult, debian_tool

# The uuids are read once per wrk thread; each request takes the next, wrapping around.
ROTATE_SCRIPT = """
local uuids = {}
for line in io.lines(os.getenv("BENCH_UUIDS")) do
  uuids[#uuids + 1] = "/ping/" .. line
end
local next_one = 0

request = function()
  next_one = next_one % #uuids + 1
  return wrk.format("GET", uuids[next_one])
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\\nBENCH {"requests": %d, "micros": %d, "status": %d, "connect": %d, "read": %d, ' ..
    '"write": %d, "timeout": %d, "p50": %d, "p99": %d, "max": %d}\\n',
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
"""


def ensure_wrk() -> str:
    """The wrk binary, installed from Debian's packages if absent (as root, with apt-get)."""
    return debian_tool("wrk", "the ingest benchmark, as its load generator,")


def run_wrk(
    wrk: str, port: int, uuids_file: Path, connections: int, seconds: int, script_dir: Path
) -> LoadResult:
    """`connections` keep-alive connections on one wrk thread for `seconds`."""
    script = script_dir / "rotate.lua"
    if not script.exists():
        script.write_text(ROTATE_SCRIPT)
    argv = [wrk, "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s"]
    argv += ["-s", str(script), f"http://{HOST}:{port}/"]
    env = {**os.environ, "BENCH_UUIDS": str(uuids_file)}
    started = time.monotonic()
    # The servers outlive this call, so the children's CPU that grows meanwhile is wrk's.
    children_before = _children_cpu()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        stdout, stderr = proc.communicate(timeout=seconds + LOADGEN_GRACE)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise
    if proc.returncode != 0:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {stderr.decode()[-2000:]}")
    [line] = [ln for ln in stdout.decode().splitlines() if ln.startswith("BENCH ")]
    counts = json.loads(line.removeprefix("BENCH "))
    errors = {
        kind: counts[kind]
        for kind in ("status", "connect", "read", "write", "timeout")
        if counts[kind]
    }
    return LoadResult(
        sent=counts["requests"],
        ok=counts["requests"] - counts["status"],
        errors={("non-2xx" if k == "status" else k): v for k, v in errors.items()},
        seconds=counts["micros"] / 1e6 or time.monotonic() - started,
        p50_ms=counts["p50"] / 1000,
        p99_ms=counts["p99"] / 1000,
        max_ms=counts["max"] / 1000,
        cpu_seconds=_children_cpu() - children_before,
    )


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
