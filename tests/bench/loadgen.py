"""Load generator: keep-alive HTTP clients pinging check uuids, bounded in count and time.

Run as its own process (`python -m tests.bench.loadgen ...`) so the clients never share a
GIL with the server they measure. Prints one JSON object: requests sent, 200s received,
errors by kind, elapsed seconds, the CPU seconds the clients used, and latency percentiles
in milliseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import Counter
from pathlib import Path

import aiohttp

from tests.bench.common import HOST, percentile

# One request's own limit; the run as a whole stops starting requests after --max-seconds.
REQUEST_TIMEOUT = 30.0


async def generate(
    base_url: str,
    uuids: list[str],
    concurrency: int,
    max_requests: int,
    max_seconds: float,
    each_once: bool,
) -> dict[str, object]:
    assert f"//{HOST}:" in base_url, "load goes to the loopback address only"
    limit = min(max_requests, len(uuids)) if each_once else max_requests
    tickets = iter(range(limit))
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=concurrency)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    started = time.perf_counter()
    cpu_started = time.process_time()
    deadline = started + max_seconds

    async def client(session: aiohttp.ClientSession) -> None:
        for ticket in tickets:
            if time.perf_counter() > deadline:
                return
            url = f"{base_url}/ping/{uuids[ticket % len(uuids)]}"
            sent = time.perf_counter()
            try:
                async with session.get(url) as response:
                    await response.read()
                    status = response.status
            except (aiohttp.ClientError, TimeoutError) as exc:
                errors[type(exc).__name__] += 1
                continue
            if status == 200:
                latencies.append(time.perf_counter() - sent)
            else:
                errors[f"HTTP {status}"] += 1

    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(*(client(session) for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    return {
        "cpu_seconds": time.process_time() - cpu_started,
        "sent": len(latencies) + sum(errors.values()),
        "ok": len(latencies),
        "errors": dict(errors),
        "seconds": elapsed,
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "max_ms": max(latencies, default=0.0) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--uuids-file", type=Path, required=True)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--max-requests", type=int, required=True)
    parser.add_argument("--max-seconds", type=float, required=True)
    parser.add_argument("--each-once", action="store_true", help="ping every uuid once, in order")
    args = parser.parse_args()
    uuids = args.uuids_file.read_text().split()
    result = asyncio.run(
        generate(
            args.base_url,
            uuids,
            args.concurrency,
            args.max_requests,
            args.max_seconds,
            args.each_once,
        )
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
