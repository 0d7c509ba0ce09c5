"""Per-client token buckets: how many requests one source address may make. Pure: every
decision takes `now` (a monotonic time, so a stepped wall clock neither blocks nor frees
anyone).

Memory stays bounded. A bucket left alone long enough to refill completely is the same as no
bucket, so idle clients are forgotten as they reach that point; and the table never holds more
than `max_clients`, dropping the least recently seen first (that client merely starts again
with a full burst).
"""

from __future__ import annotations

import math
import re
from collections import OrderedDict
from dataclasses import dataclass

# Enough for every address of a large LAN at once, at about 100 bytes each.
MAX_CLIENTS = 10_000
# A burst, when the setting names none, covers this many seconds of the sustained rate.
DEFAULT_BURST_SECONDS = 10
_UNITS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600}
_RATE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*/\s*([a-z]+)\s*(?:,?\s*burst\s+(\d+))?\s*$")


@dataclass(frozen=True, slots=True)
class Rate:
    per_second: float
    burst: int


def parse_rate(text: str) -> Rate | None:
    """ "50/s", "600/min", "20/s burst 100"; "0" or "off" for no limit (None).
    Raises ValueError saying what is accepted."""
    if text.strip().lower() in ("0", "off"):
        return None
    match = _RATE.match(text.lower())
    if not match or match[2] not in _UNITS:
        raise ValueError(
            f"{text!r} is not a rate; use a number per second, minute or hour, such as "
            '"50/s", "600/min" or "20/s burst 100" ("off" for no limit)'
        )
    per_second = float(match[1]) / _UNITS[match[2]]
    if per_second <= 0:
        raise ValueError(f'{text!r} allows nothing; use "off" for no limit')
    burst = int(match[3]) if match[3] else math.ceil(per_second * DEFAULT_BURST_SECONDS)
    if burst < 1:
        raise ValueError(f"{text!r}: the burst must be at least 1")
    return Rate(per_second, burst)


class RateLimiter:
    """One token bucket per client key."""

    def __init__(self, rate: Rate, max_clients: int = MAX_CLIENTS) -> None:
        self.rate = rate
        self.max_clients = max_clients
        # key -> (tokens, when they were counted); least recently seen first.
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, key: str, now: float) -> float:
        """Spend one request for `key`: 0.0 if allowed, else the seconds until it would be."""
        self._forget_idle(now)
        tokens, since = self._buckets.pop(key, (float(self.rate.burst), now))
        tokens = min(self.rate.burst, tokens + max(0.0, now - since) * self.rate.per_second)
        wait = 0.0
        if tokens >= 1:
            tokens -= 1
        else:
            wait = (1 - tokens) / self.rate.per_second
        self._buckets[key] = (tokens, now)
        if len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)
        return wait

    def _forget_idle(self, now: float) -> None:
        # The oldest entry is the longest idle: once it would be full again, drop it and look
        # at the next; the first that is still refilling ends the sweep.
        while self._buckets:
            key, (tokens, since) = next(iter(self._buckets.items()))
            if tokens + (now - since) * self.rate.per_second < self.rate.burst:
                return
            del self._buckets[key]


def retry_after(wait: float) -> str:
    """A Retry-After header value: whole seconds, at least one."""
    return str(max(1, math.ceil(wait)))


def limiter_for(rate: Rate | None) -> RateLimiter | None:
    """A fresh limiter for a setting; None when the setting is off."""
    return None if rate is None else RateLimiter(rate)
