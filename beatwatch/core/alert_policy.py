"""How alerts are paced, in one place: the storm guard (many checks going bad at once are
told in one digest per channel) and the retry backoff of a failing channel. Pure numbers
and arithmetic; incidents.py and the outbox apply them.
"""

from __future__ import annotations

# More checks than this going bad (or coming back) within STORM_WINDOW seconds: the rest go
# out as a digest.
STORM_LIMIT = 50
STORM_WINDOW = 60.0
# A storm's held messages go out as one digest per channel once the channel has held
# nothing new for a whole storm window: the storm is over. One that goes on longer than
# this sends what it holds anyway, and then at most one more digest per this long.
DIGEST_AT_MOST_EVERY = 600.0

FIRST_RETRY = 10.0
MAX_RETRY = 30 * 60.0
# A message still failing this long after it was queued is given up on.
GIVE_UP_AFTER = 24 * 3600.0


def retry_delay(attempts: int) -> float:
    """10 s, 20 s, 40 s, ... up to 30 minutes."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), MAX_RETRY)
