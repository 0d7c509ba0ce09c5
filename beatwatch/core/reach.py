"""Whether a check's alert would reach a person now: held by its host's maintenance, already
acknowledged, or told to nobody (no channel would get it, or every one that would is failing).
Pure: the facts and `now` come in, so every interface works them out the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Flag, auto
from functools import cached_property

from beatwatch.core.escalation import Policy, policy_for
from beatwatch.core.maintenance import is_open
from beatwatch.core.model import Channel, Check, MaintenanceWindow


def chosen_channels(channels: list[Channel], refs: tuple[str, ...]) -> list[Channel]:
    """Of `channels`, those named by `refs` (by name or tag); with no refs, or refs that no
    longer match any channel (removed since), the defaults: an alert must reach someone."""
    wanted = set(refs)
    named = [c for c in channels if c.name in wanted or wanted & set(c.tags)]
    return named or [c for c in channels if c.is_default]


class Reach(Flag):
    """What stands between a check's alert and a person; no flag: it would be told."""

    HELD = auto()  # its host is in maintenance: alerts are held until the window ends
    ACKNOWLEDGED = auto()  # its open incident is acknowledged: no escalation or reminder
    # No channel would get its alert (its policy's first step, else its channels), or every
    # one that would is failing.
    NOBODY = auto()


@dataclass(frozen=True)
class AlertFacts:
    """What the reach of every check is worked out from: read together, once."""

    channels: tuple[Channel, ...] = ()
    windows: tuple[MaintenanceWindow, ...] = ()
    # The checks whose open incident someone has acknowledged.
    acknowledged: frozenset[int] = frozenset()
    # Escalation policies, and the channels each one's first step reaches now (none: the
    # alert goes to the check's own channels instead).
    policies: tuple[Policy, ...] = ()
    first_reach: dict[str, tuple[Channel, ...]] = field(default_factory=dict)
    _told: dict[tuple[str, ...], bool] = field(default_factory=dict, compare=False, repr=False)

    @cached_property
    def failing_channels(self) -> tuple[Channel, ...]:
        return tuple(c for c in self.channels if c.failing)

    def hosts_held(self, now: float) -> frozenset[str]:
        """The hosts with a maintenance window open at `now`."""
        return frozenset(w.host for w in self.windows if is_open(w, now))

    def would_tell_someone(self, refs: tuple[str, ...]) -> bool:
        """Whether an alert to the channels `refs` names (or the defaults) reaches a channel
        that is not failing. Checks share a handful of channel lists: each is worked out once."""
        told = self._told.get(refs)
        if told is None:
            told = any(not c.failing for c in chosen_channels(list(self.channels), refs))
            self._told[refs] = told
        return told

    def reach(self, check: Check, hosts_held: frozenset[str]) -> Reach:
        flags = Reach(0)
        if check.host is not None and check.host in hosts_held:
            flags |= Reach.HELD
        if check.id in self.acknowledged:
            flags |= Reach.ACKNOWLEDGED
        first = policy_for(check, list(self.policies)) if self.policies else None
        reached = self.first_reach.get(first.name) if first else None
        if reached:
            told = any(not c.failing for c in reached)
        else:
            told = self.would_tell_someone(check.channels)
        if not told:
            flags |= Reach.NOBODY
        return flags
