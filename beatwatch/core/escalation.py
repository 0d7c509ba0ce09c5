"""Escalation policies: who is told at each step of an unacknowledged incident, and which
policy a check follows. Pure: the policies and `now` come in.

A step is "[DELAY ]KIND:NAME": `rotation:primary` (whoever is on call there), `next:primary`
(the person after them), `person:alice`, `channel:ops` (a channel's name or tag). Its delay
counts from the incident's first alert, so "15m next:primary" tells the next person a
quarter of an hour after the first alert if nobody has acknowledged it by then.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise

from beatwatch.core.model import Channel, Check, IncidentStep
from beatwatch.core.oncall import Override, Person, Rotation, next_in_line, on_call
from beatwatch.core.timefmt import format_duration_exact, parse_duration

STEPS_MAX = 10


class TargetKind(StrEnum):
    ROTATION = "rotation"
    NEXT = "next"
    PERSON = "person"
    CHANNEL = "channel"


@dataclass(frozen=True, slots=True)
class Step:
    after_seconds: int
    kind: TargetKind
    target: str

    @property
    def target_text(self) -> str:
        return f"{self.kind.value}:{self.target}"

    @property
    def text(self) -> str:
        """As `parse_step` reads it back."""
        if not self.after_seconds:
            return self.target_text
        return f"{format_duration_exact(self.after_seconds)} {self.target_text}"


@dataclass(frozen=True, slots=True)
class Policy:
    """Steps in order; `tags`: checks with one of these tags follow it; `is_default`: checks
    that name neither a policy nor a channel follow it."""

    id: int
    name: str
    steps: tuple[Step, ...]
    tags: tuple[str, ...]
    is_default: bool
    created_at: float


_STEP = re.compile(r"^\s*(?:(?P<after>[0-9][0-9a-z ]*?)\s+)?(?P<kind>[a-z]+):(?P<target>.+?)\s*$")


def parse_step(text: str) -> Step:
    """ "rotation:primary", "15m next:primary", "1h channel:ops". Raises ValueError fit to
    show the user."""
    match = _STEP.match(text)
    example = 'try "rotation:primary", "15m next:primary" or "30m channel:ops"'
    if not match:
        raise ValueError(f"{text!r} is not a step ({example})")
    try:
        kind = TargetKind(match["kind"].lower())
    except ValueError:
        kinds = ", ".join(k.value for k in TargetKind)
        raise ValueError(f"{match['kind']!r} is not a kind of step (one of {kinds})") from None
    after = parse_duration(match["after"]) if match["after"] else 0
    return Step(after, kind, match["target"].strip())


def check_steps(steps: tuple[Step, ...]) -> None:
    """Raise ValueError unless the steps make a policy: 1 to STEPS_MAX of them, the first at
    once, the others each no earlier than the one before."""
    if not steps:
        raise ValueError("a policy needs at least one step (e.g. rotation:primary)")
    if len(steps) > STEPS_MAX:
        raise ValueError(f"a policy has at most {STEPS_MAX} steps")
    if steps[0].after_seconds:
        raise ValueError("the first step is taken at the first alert: give it no delay")
    for number, (before, step) in enumerate(pairwise(steps), start=2):
        if step.after_seconds < before.after_seconds:
            raise ValueError(
                f"step {number} comes before step {number - 1}: delays count from the first "
                "alert, so each must be at least the one before"
            )


def policy_for(check: Check, policies: list[Policy]) -> Policy | None:
    """The policy the check follows: the one it names, else the first (by name) covering one
    of its tags, else the default one if the check names no channels; None: it alerts its
    channels as checks without a policy do."""
    by_name = {p.name: p for p in policies}
    if check.escalation_policy is not None and check.escalation_policy in by_name:
        return by_name[check.escalation_policy]
    for policy in sorted(policies, key=lambda p: p.name):
        if set(policy.tags) & set(check.tags):
            return policy
    if not check.channels:
        return next((p for p in policies if p.is_default), None)
    return None


def due_steps(policy: Policy, reached: int, notified_at: float, now: float) -> list[int]:
    """The numbers (1-based) of the steps after the first `reached` that are due at `now`."""
    return [
        number
        for number, step in enumerate(policy.steps, start=1)
        if number > reached and notified_at + step.after_seconds <= now
    ]


def next_step_at(policy: Policy, reached: int, notified_at: float) -> float | None:
    """When the first step not yet reached is due; None when every step has been."""
    if reached >= len(policy.steps):
        return None
    return notified_at + policy.steps[reached].after_seconds


def step_rows(steps: list[IncidentStep], when: Callable[[float], str | None]) -> list[list[str]]:
    """Who was told, a row per step or hand-off: step, target, person, channels, time."""
    return [
        [
            "hand-off" if s.is_handoff else str(s.step),
            s.target,
            s.person or "-",
            ", ".join(s.channels) or "nobody (no channel)",
            when(s.at) or "",
        ]
        for s in steps
    ]


@dataclass(frozen=True, slots=True)
class OnCallFacts:
    """Everything a step is resolved against, read once."""

    channels: list[Channel]
    people: dict[str, Person]
    rotations: dict[str, Rotation]
    overrides: list[Override]

    def channels_of(self, refs: tuple[str, ...]) -> list[Channel]:
        """The channels named or tagged by `refs`, and no defaults: a person reached through
        the defaults would not be the person meant."""
        wanted = set(refs)
        return [c for c in self.channels if c.name in wanted or wanted & set(c.tags)]

    def person_channels(self, name: str | None) -> list[Channel]:
        found = self.people.get(name) if name else None
        return self.channels_of(found.channels) if found else []


@dataclass(frozen=True, slots=True)
class Reached:
    """Whom a step reaches at a moment: through a rotation or not, a person or channels."""

    rotation: str | None
    person: str | None
    channels: list[Channel]


def step_reaches(facts: OnCallFacts, step: Step, now: float) -> Reached:
    rotation = person = None
    if step.kind in (TargetKind.ROTATION, TargetKind.NEXT):
        found = facts.rotations.get(step.target)
        if found is not None:
            rotation = found.name
            if step.kind is TargetKind.ROTATION:
                person = on_call(found, facts.overrides, now)
            else:
                person = next_in_line(found, now)
    elif step.kind is TargetKind.PERSON and step.target in facts.people:
        person = step.target
    if step.kind is TargetKind.CHANNEL:
        return Reached(None, None, facts.channels_of((step.target,)))
    return Reached(rotation, person, facts.person_channels(person))
