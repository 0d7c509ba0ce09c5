"""Who watches the watcher: while the evaluator is healthy, ping an external heartbeat URL
every minute, so a second monitor notices when beatwatch itself stops."""

from __future__ import annotations

import logging
from collections.abc import Callable

import aiohttp

from beatwatch.engine.clock import Clock

log = logging.getLogger("beatwatch.self_ping")

PERIOD = 60.0
# A pass of the evaluator takes milliseconds; one going on this long means it is wedged.
HEALTHY_WITHIN = 10.0


async def self_ping_loop(url: str, evaluator_busy_for: Callable[[], float], clock: Clock) -> None:
    timeout = aiohttp.ClientTimeout(total=10)
    failing = False
    async with aiohttp.ClientSession(timeout=timeout) as session:
        while True:
            if evaluator_busy_for() <= HEALTHY_WITHIN:
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
            await clock.sleep_until(clock.now() + PERIOD)
