"""Who is on call in the setup file: [[person]], [[rotation]] and [[policy]] entries, written
by export and read, checked and applied by import beside channels, hosts and checks.

Overrides are left out: they say who covers this weekend, not how the instance is set up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

from beatwatch.core.errors import SetupError, ValidationError
from beatwatch.core.escalation import Policy, Step, TargetKind, check_steps, parse_step
from beatwatch.core.oncall import Person, Rotation
from beatwatch.core.validation import refuse_control, refuse_control_in
from beatwatch.service.oncall import rotation_asked
from beatwatch.service.oncall_shapes import rotation_settings
from beatwatch.service.service import Service

PERSON_KEYS = {"name", "channels"}
ROTATION_KEYS = {"name", "people", "every", "at", "tz", "start"}
POLICY_KEYS = {"name", "steps", "tags", "default"}

# (symbol, what, detail, apply), as setup_file.Change takes them.
ChangeParts = tuple[str, str, str, Callable[[], Any]]


@dataclass(frozen=True, slots=True)
class OnCallSetup:
    people: list[Person]
    rotations: list[Rotation]
    policies: list[Policy]


# -- export --------------------------------------------------------------------------------


def person_entry(person: Person) -> dict[str, Any]:
    return {"name": person.name, "channels": list(person.channels)}


def policy_entry(policy: Policy) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": policy.name, "steps": [s.text for s in policy.steps]}
    if policy.tags:
        entry["tags"] = list(policy.tags)
    entry["default"] = policy.is_default
    return entry


async def oncall_sections(service: Service) -> dict[str, list[dict[str, Any]]]:
    oncall = service.oncall
    return {
        "person": [person_entry(p) for p in await oncall.people()],
        "rotation": [rotation_settings(r) for r in await oncall.rotations()],
        "policy": [policy_entry(p) for p in await oncall.policies()],
    }


# -- reading -------------------------------------------------------------------------------


@contextmanager
def _entry(what: str, name: object) -> Iterator[None]:
    try:
        yield
    except (ValidationError, ValueError) as exc:
        message = exc.message if isinstance(exc, ValidationError) else str(exc)
        raise SetupError(f"{what} {name!r}: {message}") from None


def _strings(entry: dict[str, Any], key: str, what: str) -> tuple[str, ...]:
    value = entry.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SetupError(f"{what} {entry.get('name')!r}: {key} must be a list of strings")
    return tuple(value)


def _name(entry: dict[str, Any], what: str) -> str:
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise SetupError(f"{what} entry without a name (every {what} needs one)")
    with _entry(what, name):
        refuse_control("name", name)
    return name.strip()


def parse_person(entry: dict[str, Any]) -> Person:
    name = _name(entry, "person")
    channels = _strings(entry, "channels", "person")
    with _entry("person", name):
        refuse_control_in("channels", channels)
        if not channels:
            raise ValueError("a person needs a channel that reaches them")
    return Person(0, name, channels, 0.0)


def parse_rotation(entry: dict[str, Any], now: float) -> Rotation:
    name = _name(entry, "rotation")
    with _entry("rotation", name):
        start = entry.get("start")
        if start is not None and not isinstance(start, date):
            start = date.fromisoformat(str(start))
        return rotation_asked(
            name,
            _strings(entry, "people", "rotation"),
            str(entry.get("every", "1w")),
            str(entry.get("at", "09:00")),
            str(entry.get("tz", "UTC")),
            start,
            now,
        )


def parse_policy(entry: dict[str, Any]) -> Policy:
    name = _name(entry, "policy")
    texts = _strings(entry, "steps", "policy")
    tags = _strings(entry, "tags", "policy")
    with _entry("policy", name):
        refuse_control_in("steps", texts)
        refuse_control_in("tags", tags)
        steps = tuple(parse_step(text) for text in texts)
        check_steps(steps)
    return Policy(0, name, steps, tags, bool(entry.get("default", False)), 0.0)


# -- planning ------------------------------------------------------------------------------


def _texts(steps: tuple[Step, ...]) -> tuple[str, ...]:
    return tuple(s.text for s in steps)


async def plan_oncall(
    service: Service, wanted: OnCallSetup, channels_known: set[str], prune: bool
) -> tuple[list[ChangeParts], list[ChangeParts]]:
    """The additions and changes, and (with prune) the removals, each in the order they can
    be applied: people before the rotations naming them, rotations before policies; the
    removals the other way round. Refs that exist neither here nor in the file are refused
    now, before anything changes."""
    oncall = service.oncall
    people = {p.name: p for p in await oncall.people()}
    rotations = {r.name: r for r in await oncall.rotations()}
    policies = {p.name: p for p in await oncall.policies()}
    known_people = set(people) | {p.name for p in wanted.people}
    known_rotations = set(rotations) | {r.name for r in wanted.rotations}
    changes: list[ChangeParts] = []
    for person in wanted.people:
        for ref in person.channels:
            if ref not in channels_known:
                raise SetupError(
                    f"person {person.name!r}: no channel is named or tagged {ref!r}, neither "
                    "in beatwatch nor in the file"
                )
        have = people.get(person.name)
        if have is None:
            add = partial(oncall.add_person, person.name, person.channels)
            changes.append(("+", "person", person.name, add))
        elif have.channels != person.channels:
            update = partial(oncall.update_person, person.name, person.channels)
            changes.append(("~", "person", f"{person.name}: channels", update))
    for rotation in wanted.rotations:
        for name in rotation.people:
            if name not in known_people:
                raise SetupError(
                    f"rotation {rotation.name!r}: no person is named {name!r}, neither in "
                    "beatwatch nor in the file"
                )
        entry = rotation_settings(rotation)
        settings = {k: entry[k] for k in ("every", "at", "tz")}
        have = rotations.get(rotation.name)
        if have is None:
            add = partial(
                oncall.add_rotation,
                rotation.name,
                rotation.people,
                **settings,
                start=rotation.start_date,
            )
            changes.append(("+", "rotation", rotation.name, add))
        elif rotation_settings(have) != entry:
            update = partial(
                oncall.update_rotation,
                rotation.name,
                people=rotation.people,
                start=rotation.start_date,
                **settings,
            )
            changes.append(("~", "rotation", rotation.name, update))
    known = {
        TargetKind.ROTATION: known_rotations,
        TargetKind.NEXT: known_rotations,
        TargetKind.PERSON: known_people,
        TargetKind.CHANNEL: channels_known,
    }
    for policy in wanted.policies:
        for step in policy.steps:
            if step.target not in known[step.kind]:
                raise SetupError(
                    f"policy {policy.name!r}: step {step.text!r} names what exists neither "
                    "in beatwatch nor in the file"
                )
        have = policies.get(policy.name)
        steps = _texts(policy.steps)
        if have is None:
            add = partial(oncall.add_policy, policy.name, steps, policy.tags, policy.is_default)
            changes.append(("+", "policy", policy.name, add))
        elif (have.steps, have.tags, have.is_default) != (
            policy.steps,
            policy.tags,
            policy.is_default,
        ):
            update = partial(
                oncall.update_policy,
                policy.name,
                steps=steps,
                tags=policy.tags,
                is_default=policy.is_default,
            )
            changes.append(("~", "policy", policy.name, update))
    removals: list[ChangeParts] = []
    if prune:
        for what, current, listed, remove in (
            ("policy", policies, wanted.policies, oncall.remove_policy),
            ("rotation", rotations, wanted.rotations, oncall.remove_rotation),
            ("person", people, wanted.people, oncall.remove_person),
        ):
            names = {p.name for p in listed}
            removals += [("-", what, n, partial(remove, n)) for n in current if n not in names]
    return changes, removals
