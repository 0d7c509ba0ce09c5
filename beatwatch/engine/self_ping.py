"""Who watches the watcher: while the evaluator is healthy, ping an external heartbeat URL
every minute, so a second monitor notices when beatwatch itself stops."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

import aiohttp

log = logging.getLogger("beatwatch.self_ping")

PERIOD = 60.0
# The evaluator looks around at least twice a second; silence this long means it is wedged.
HEALTHY_WITHIN = 10.0


async def self_ping_loop(url: str, evaluator_alive_at: Callable[[], float | None]) -> None:
    timeout = aiohttp.ClientTimeout(total=10)
    failing = False
    async with aiohttp.ClientSession(timeout=timeout) as session:
        while True:
            alive_at = evaluator_alive_at()
            if alive_at is not None and time.monotonic() - alive_at <= HEALTHY_WITHIN:
                try:
                    async with session.get(url) as response:
                        ok = response.status < 400
                        problem = f"HTTP {response.status}"
                except (aiohttp.ClientError, TimeoutError) as exc:
                    ok, problem = False, type(exc).__name__
                if not ok and not failing:
                    log.warning("the self-ping to the external monitor failed (%s)", problem)
                elif ok and failing:
                    log.info("the self-ping to the external monitor works again")
                failing = not ok
            else:
                log.error("the evaluator looks stuck; not sending the self-ping")
            await asyncio.sleep(PERIOD)
