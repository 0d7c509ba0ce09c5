"""What the UI knows about the checks: the latest stored checks, their states at the UI's clock,
and their recent results. Plain data, no Textual, every method takes `now`.

Work is proportional to what changed: each check's evaluation says when its state next changes
by the clock, and a heap of those moments means a tick re-evaluates only the checks that are
due, never the whole fleet. The counts the summary line and the banner show are kept the same
way, adjusted as each check changes rather than counted over the fleet on every pass.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

from beatwatch.core.model import Check, Ping, PingKind, State
from beatwatch.core.reach import AlertFacts, Reach
from beatwatch.core.rules import Evaluation, evaluate

RESULTS_SHOWN = 10
# The heap is rebuilt when outdated entries outnumber the checks this many times over.
STALE_FACTOR = 4


@dataclass(frozen=True, slots=True)
class Result:
    """One finished run, for the recent-results strip."""

    kind: PingKind
    exit_code: int | None


@cache
def result_of(kind: PingKind, exit_code: int | None) -> Result:
    """The one shared Result for a kind and exit code: strips hold up to ten each, so at
    thousands of checks a fresh object per ping would weigh on every garbage collection."""
    return Result(kind, exit_code)


# Someone is already on a check whose alert is held by maintenance or acknowledged.
HANDLED = Reach.HELD | Reach.ACKNOWLEDGED
# Made once: a Flag built per call costs a sort or filter of 10,000 checks milliseconds.
NO_REACH = Reach(0)


def needs_action(state: State, reach: Reach) -> bool:
    """A check in a bad state that no one is handling yet: what `!` keeps."""
    return state.is_bad and not reach & HANDLED


@dataclass(slots=True)
class Fleet:
    checks: dict[int, Check] = field(default_factory=dict)
    evaluations: dict[int, Evaluation] = field(default_factory=dict)
    results: dict[int, deque[Result]] = field(default_factory=dict)
    # Whether each check's alert would reach a person, from the latest facts read (none
    # before the first read: no flag is better than a wrong one).
    reach: dict[int, Reach] = field(default_factory=dict)
    facts: AlertFacts | None = None
    hosts_held: frozenset[str] = frozenset()
    # Bumped on every change to a check (or its pings), so a screen showing one check can tell.
    versions: dict[int, int] = field(default_factory=dict)
    # Bumped whenever a check's state, name or host changes, one comes or one goes: for
    # screens that show states and name checks, not every ping.
    states_version: int = 0
    changed: set[int] = field(default_factory=set)
    removed: set[int] = field(default_factory=set)
    _due: list[tuple[float, int]] = field(default_factory=list)
    # Over every evaluated check: how many are in each state, how many carry each set of
    # flags, and how many in a bad state would reach nobody.
    _by_state: dict[State, int] = field(default_factory=dict)
    _by_reach: dict[Reach, int] = field(default_factory=dict)
    _unheard: int = 0

    def replace_all(self, checks: list[Check], now: float) -> set[int]:
        """Take a fresh list of every check; returns the ids of checks new or changed."""
        fresh = {c.id: c for c in checks}
        for check_id in self.checks.keys() - fresh.keys():
            self.remove(check_id)
        touched = {i for i, c in fresh.items() if self.checks.get(i) != c}
        for check_id in touched:
            self.upsert(fresh[check_id], now)
        return touched

    def upsert(self, check: Check, now: float) -> None:
        before = self.evaluations.get(check.id)
        old = self.checks.get(check.id)
        self.checks[check.id] = check
        self.removed.discard(check.id)
        self._tally(check.id, -1)
        self._evaluate(check.id, now)
        if self.facts is not None:
            self.reach[check.id] = self.facts.reach(check, self.hosts_held)
        self._tally(check.id, +1)
        if (
            before is None
            or before.state is not self.evaluations[check.id].state
            or (old is not None and (old.host, old.name) != (check.host, check.name))
        ):
            self.states_version += 1
        self._touch(check.id)

    def set_facts(self, facts: AlertFacts, now: float) -> None:
        """Take freshly read alerting facts: only the checks whose reach changes are touched."""
        self.facts = facts
        self.hosts_held = facts.hosts_held(now)
        self._reach_again(self.checks.values())

    def remove(self, check_id: int) -> None:
        if self.checks.pop(check_id, None) is None:
            return
        self._tally(check_id, -1)
        self.evaluations.pop(check_id, None)
        self.reach.pop(check_id, None)
        self.results.pop(check_id, None)
        self.versions.pop(check_id, None)
        self.changed.discard(check_id)
        self.removed.add(check_id)
        self.states_version += 1

    def record(self, ping: Ping) -> None:
        """A ping of a known check: finishes go onto its strip."""
        if ping.check_id not in self.checks:
            return
        if ping.kind.is_finish:
            strip = self.results.setdefault(ping.check_id, deque(maxlen=RESULTS_SHOWN))
            strip.append(result_of(ping.kind, ping.exit_code))
        self._touch(ping.check_id)

    def set_results(self, check_id: int, newest_first: list[tuple[PingKind, int | None]]) -> None:
        """The strip of a check from how its newest runs ended (kind and exit code)."""
        if check_id not in self.checks:
            return
        finishes = [result_of(kind, exit_code) for kind, exit_code in newest_first[:RESULTS_SHOWN]]
        self.results[check_id] = deque(reversed(finishes), maxlen=RESULTS_SHOWN)
        self._touch(check_id)

    def advance(self, now: float) -> None:
        """Re-evaluate the checks whose state changes by the clock at or before `now`, and
        those on hosts whose maintenance began or ended."""
        if self.facts is not None and self.facts.windows:
            held = self.facts.hosts_held(now)
            if held != self.hosts_held:
                moved = held ^ self.hosts_held
                self.hosts_held = held
                self._reach_again(c for c in self.checks.values() if c.host in moved)
        while self._due and self._due[0][0] <= now:
            at, check_id = heapq.heappop(self._due)
            evaluation = self.evaluations.get(check_id)
            # Entries left over from an earlier evaluation are skipped.
            if evaluation is not None and evaluation.next_change_at == at:
                before = evaluation.state
                self._tally(check_id, -1)
                self._evaluate(check_id, now)
                self._tally(check_id, +1)
                if self.evaluations[check_id].state is not before:
                    self.states_version += 1
                    self._touch(check_id)

    def take_changes(self) -> tuple[set[int], set[int]]:
        """The checks changed and removed since the last call."""
        changed, removed = self.changed, self.removed
        self.changed, self.removed = set(), set()
        return changed, removed

    def state_of(self, check_id: int) -> State:
        return self.evaluations[check_id].state

    def counts(self) -> dict[State, int]:
        return {state: count for state, count in self._by_state.items() if count}

    def counts_by_host(self) -> dict[str, dict[State, int]]:
        """How many checks of each host are in each state."""
        by_host: dict[str, dict[State, int]] = {}
        for check_id, check in self.checks.items():
            if check.host:
                counts = by_host.setdefault(check.host, {})
                state = self.evaluations[check_id].state
                counts[state] = counts.get(state, 0) + 1
        return by_host

    def reach_of(self, check_id: int) -> Reach:
        return self.reach.get(check_id, NO_REACH)

    def needs_action(self, check_id: int) -> bool:
        return needs_action(self.state_of(check_id), self.reach_of(check_id))

    def reach_counts(self) -> dict[Reach, int]:
        """How many checks carry each flag; a check may carry several."""
        counts: dict[Reach, int] = {}
        for reach, count in self._by_reach.items():
            if count:
                for flag in reach:
                    counts[flag] = counts.get(flag, 0) + count
        return counts

    def unheard_in_trouble(self) -> int:
        """How many checks in a bad state have an alert that would reach nobody."""
        return self._unheard

    def _reach_again(self, checks: Iterable[Check]) -> None:
        assert self.facts is not None
        for check in checks:
            reach = self.facts.reach(check, self.hosts_held)
            if self.reach.get(check.id) != reach:
                self._tally(check.id, -1)
                self.reach[check.id] = reach
                self._tally(check.id, +1)
                self._touch(check.id)

    def _evaluate(self, check_id: int, now: float) -> None:
        evaluation = evaluate(self.checks[check_id], now)
        self.evaluations[check_id] = evaluation
        if evaluation.next_change_at is not None:
            heapq.heappush(self._due, (evaluation.next_change_at, check_id))
        if len(self._due) > STALE_FACTOR * len(self.checks) + 64:
            self._due = [
                (e.next_change_at, i)
                for i, e in self.evaluations.items()
                if e.next_change_at is not None
            ]
            heapq.heapify(self._due)

    def _tally(self, check_id: int, step: int) -> None:
        """Add a check to the counts (+1) or take it out (-1), as its state and reach are now:
        out before either changes, back in after."""
        evaluation = self.evaluations.get(check_id)
        if evaluation is None:
            return
        state = evaluation.state
        self._by_state[state] = self._by_state.get(state, 0) + step
        reach = self.reach.get(check_id, NO_REACH)
        if reach:
            self._by_reach[reach] = self._by_reach.get(reach, 0) + step
            if reach & Reach.NOBODY and state.is_bad:
                self._unheard += step

    def _touch(self, check_id: int) -> None:
        self.changed.add(check_id)
        self.versions[check_id] = self.versions.get(check_id, 0) + 1
