"""The open-file limit, and how many connections it leaves room for.

Every connection holds a descriptor; so do the database, the log, Apprise's sends and the
terminal. Service managers start processes with a low soft limit (systemd: 1024) and a high
hard one, which a process may raise itself to.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

try:
    import resource
except ImportError:  # Windows: no such limit to raise
    resource = None  # type: ignore[assignment]

log = logging.getLogger("beatwatch.engine")

# Descriptors kept for everything but connections: the database and its WAL (for each of its
# connections), the log, Apprise's concurrent sends, the self-ping, the terminal.
RESERVED = 128
# Where the hard limit is unlimited, Linux still refuses more than fs.nr_open (by default this).
NR_OPEN = 1 << 20


@dataclass(frozen=True, slots=True)
class DescriptorLimit:
    before: int | None  # the soft limit the process started with; None where unknown
    now: int | None  # after raising it to the hard limit

    def connection_room(self, wanted: int) -> int:
        """How many connections may be open at once: `wanted`, or less to leave RESERVED."""
        if self.now is None:
            return wanted
        return max(1, min(wanted, max(self.now - RESERVED, self.now // 2)))


def raise_descriptor_limit() -> DescriptorLimit:
    """Raise the soft open-file limit to the hard one."""
    if resource is None:
        return DescriptorLimit(None, None)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = NR_OPEN if hard == resource.RLIM_INFINITY else hard
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError) as exc:
            log.warning("could not raise the open-file limit from %d to %d: %s", soft, target, exc)
            return DescriptorLimit(soft, soft)
        return DescriptorLimit(soft, target)
    return DescriptorLimit(soft, NR_OPEN if soft == resource.RLIM_INFINITY else soft)


def log_connection_room(limit: DescriptorLimit, wanted: int) -> int:
    """The connection cap for `wanted`, saying in the log what the limit allows."""
    room = limit.connection_room(wanted)
    if limit.before is not None and limit.now is not None and limit.now > limit.before:
        log.info("open-file limit raised from %d to %d", limit.before, limit.now)
    if room < wanted:
        log.warning(
            "the open-file limit is %s, so at most %d connections are taken at once "
            "(max_connections is %d); raise it with LimitNOFILE= in the systemd unit or "
            "ulimit -n",
            limit.now,
            room,
            wanted,
        )
    return room
