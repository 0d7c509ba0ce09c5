"""Load generator: keep-alive HTTP clients pinging check uuids, bounded in count and time.

Run as its own process (`python -m tests.bench.loadgen ...`) so the clients never share a
GIL with the server they measure. With --rate, requests are paced to that many a second
rather than sent as fast as the server answers. SIGTERM ends the run early, as its time
bound would. Prints one JSON object: requests sent, 200s received,
errors by kind, elapsed seconds, the CPU seconds the clients used, and latency percentiles
in milliseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
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
    rate: float | None = None,
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
    stopped = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stopped.set)

    async def client(session: aiohttp.ClientSession) -> None:
        for ticket in tickets:
            if rate:
                # Each request at its own moment, so the clients together send `rate` a second.
                wait = started + ticket / rate - time.perf_counter()
                if wait > 0:
                    await asyncio.sleep(wait)
            if time.perf_counter() > deadline or stopped.is_set():
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
    parser.add_argument("--rate", type=float, help="requests a second, paced (default: no limit)")
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
            args.rate,
        )
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
