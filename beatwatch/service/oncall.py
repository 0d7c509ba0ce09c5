"""The on-call side of the service: people, rotations, overrides and escalation policies, and
who is on call now. Reached as `service.oncall`; the CLI, the API and the TUI go through here.

Every change that can move who is on call also has open, unacknowledged incidents looked at
again at once, so a hand-off it causes is told without waiting.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import partial
from typing import Any, TypeVar

from beatwatch.core.errors import Conflict, OnCallNotFound, ScheduleError, ValidationError
from beatwatch.core.escalation import Policy, Step, TargetKind, check_steps, parse_step
from beatwatch.core.maintenance import parse_time_of_day
from beatwatch.core.model import is_row_id
from beatwatch.core.oncall import (
    HANDOFFS_SHOWN,
    ROTATION_PEOPLE_MAX,
    Handoff,
    Override,
    Person,
    Rotation,
    covering,
    every_text,
    handoffs,
    next_in_line,
    on_call,
    parse_every,
)
from beatwatch.core.schedule import zone
from beatwatch.core.validation import refuse_control, refuse_control_in, refuse_far_time
from beatwatch.engine.check_edits import channel_refs
from beatwatch.engine.clock import Clock
from beatwatch.engine.events import EventBus, SetupChanged
from beatwatch.store import alert_rows, oncall_rows
from beatwatch.store.connection import Connection, IntegrityError
from beatwatch.store.database import Store

log = logging.getLogger("beatwatch.oncall")
T = TypeVar("T")
_BY_ROTATION = (TargetKind.ROTATION, TargetKind.NEXT)


@dataclass(frozen=True, slots=True)
class RotationStatus:
    """A rotation as `beatwatch oncall` shows it at `now`."""

    rotation: Rotation
    on_call: str | None
    # In force now, if someone covers.
    override: Override | None
    next_person: str | None
    handoffs: list[Handoff]


def _name(field_name: str, value: str, what: str) -> str:
    refuse_control(field_name, value)
    value = value.strip()
    if not value or len(value) > 100:
        raise ValidationError(field_name, f"a {what} name is 1 to 100 characters")
    return value


def _unknown_person(field_name: str, name: str) -> ValidationError:
    return ValidationError(
        field_name, f"no person is named {name!r}; add them first (beatwatch person add)"
    )


def _taken(what: str, name: str) -> Conflict:
    return Conflict("name", f"a {what} named {name!r} already exists")


def rotation_asked(
    name: str,
    people: tuple[str, ...],
    every: str,
    at: str,
    tz: str,
    start: date | None,
    now: float,
) -> Rotation:
    """The rotation these fields make (id 0, not stored), or the ValidationError naming the
    field that is wrong; `start` None: today in the rotation's zone."""
    name = _name("name", name, "rotation")
    refuse_control_in("people", people)
    people = tuple(p.strip() for p in people if p.strip())
    if not people:
        raise ValidationError("people", "a rotation needs at least one person")
    if len(people) > ROTATION_PEOPLE_MAX:
        raise ValidationError("people", f"a rotation has at most {ROTATION_PEOPLE_MAX} people")
    try:
        count, unit = parse_every(every)
    except ValueError as exc:
        raise ValidationError("every", str(exc)) from None
    try:
        minute = parse_time_of_day(at)
    except ValueError as exc:
        raise ValidationError("at", str(exc)) from None
    refuse_control("tz", tz)
    try:
        zone_info = zone(tz.strip())
    except ScheduleError as exc:
        raise ValidationError("tz", str(exc)) from None
    start_date = start or datetime.fromtimestamp(now, zone_info).date()
    if abs((start_date - datetime.fromtimestamp(now, zone_info).date()).days) > 3650:
        raise ValidationError("start", "the start date must lie within ten years of today")
    return Rotation(0, name, people, count, unit, start_date, minute, tz.strip(), now)


class OnCall:
    def __init__(self, db: Store, events: EventBus, clock: Clock) -> None:
        self._db = db
        self._events = events
        self._clock = clock

    async def _change(self, job: Callable[[Connection], T], now: float) -> T:
        """Run `job`, then have open incidents looked at again: who is on call may differ."""

        def changed(conn: Connection) -> T:
            result = job(conn)
            oncall_rows.recheck_escalations(conn, now)
            return result

        try:
            result = await self._db.write(changed)
        except IntegrityError:
            raise Conflict("name", "that name is taken") from None
        self._events.publish(SetupChanged())
        return result

    # -- people ----------------------------------------------------------------------------

    async def people(self) -> list[Person]:
        return await self._db.people()

    async def person(self, name: str) -> Person:
        for person in await self._db.people():
            if person.name == name:
                return person
        raise OnCallNotFound(f"no person is named {name!r}", "person list")

    def _person_channels(self, conn: Connection, channels: tuple[str, ...]) -> tuple[str, ...]:
        refuse_control_in("channels", channels)
        channels = tuple(dict.fromkeys(c.strip() for c in channels if c.strip()))
        if not channels:
            raise ValidationError("channels", "a person needs a channel that reaches them")
        known = channel_refs(alert_rows.load_channels(conn))
        for ref in channels:
            if ref not in known:
                raise ValidationError(
                    "channels",
                    f"no channel is named or tagged {ref!r}; add it first "
                    "(beatwatch channel add NAME URL)",
                )
        return channels

    async def add_person(
        self, name: str, channels: tuple[str, ...], now: float | None = None
    ) -> Person:
        name = _name("name", name, "person")
        at = self._clock.now() if now is None else now

        def job(conn: Connection) -> None:
            if any(p.name == name for p in oncall_rows.load_people(conn)):
                raise _taken("person", name)
            oncall_rows.insert_person(conn, name, self._person_channels(conn, channels), at)

        await self._change(job, at)
        log.info("person %s added", name)
        return await self.person(name)

    async def update_person(self, name: str, channels: tuple[str, ...]) -> Person:
        await self.person(name)

        def job(conn: Connection) -> None:
            oncall_rows.update_person(conn, name, self._person_channels(conn, channels))

        await self._change(job, self._clock.now())
        return await self.person(name)

    async def remove_person(self, name: str) -> Person:
        person = await self.person(name)
        uses = [f"rotation {r.name}" for r in await self._db.rotations() if name in r.people]
        uses += [
            f"policy {p.name}"
            for p in await self._db.policies()
            if any(s.kind is TargetKind.PERSON and s.target == name for s in p.steps)
        ]
        uses += [
            f"override #{o.id}"
            for o in await self._db.overrides(self._clock.now())
            if o.person == name
        ]
        if uses:
            raise Conflict(
                "name", f"{name} is still named by {', '.join(uses)}; take them out first"
            )
        await self._change(partial(oncall_rows.delete_person, name=name), self._clock.now())
        log.info("person %s removed", name)
        return person

    # -- rotations -------------------------------------------------------------------------

    async def rotations(self) -> list[Rotation]:
        return await self._db.rotations()

    async def rotation(self, name: str) -> Rotation:
        for rotation in await self._db.rotations():
            if rotation.name == name:
                return rotation
        raise OnCallNotFound(f"no rotation is named {name!r}", "rotation list")

    async def _save_rotation(self, rotation: Rotation, now: float) -> Rotation:
        known = {p.name for p in await self._db.people()}
        for person in rotation.people:
            if person not in known:
                raise ValidationError(
                    "people",
                    f"no person is named {person!r}; add them first (beatwatch person add)",
                )
        if not rotation.id and any(r.name == rotation.name for r in await self._db.rotations()):
            raise _taken("rotation", rotation.name)
        await self._change(partial(oncall_rows.save_rotation, rotation=rotation), now)
        return await self.rotation(rotation.name)

    async def add_rotation(
        self,
        name: str,
        people: tuple[str, ...],
        every: str,
        at: str,
        tz: str,
        start: date | None = None,
        now: float | None = None,
    ) -> Rotation:
        at_time = self._clock.now() if now is None else now
        rotation = rotation_asked(name, people, every, at, tz, start, at_time)
        saved = await self._save_rotation(rotation, at_time)
        log.info("rotation %s added", saved.name)
        return saved

    async def update_rotation(self, name: str, **changes: Any) -> Rotation:
        """Change some of people, every, at, tz and start; the rest keep their values."""
        stored = await self.rotation(name)
        now = self._clock.now()
        hour, minute = divmod(stored.handoff_minute, 60)
        current = {
            "people": stored.people,
            "every": every_text(stored.every, stored.unit),
            "at": f"{hour:02d}:{minute:02d}",
            "tz": stored.tz,
            "start": stored.start_date,
        }
        given = {k: v for k, v in changes.items() if v is not None}
        unknown = given.keys() - current.keys()
        assert not unknown, unknown
        merged = {**current, **given}
        asked = rotation_asked(name, now=now, **merged)
        changed = replace(asked, id=stored.id, created_at=stored.created_at)
        return await self._save_rotation(changed, now)

    async def remove_rotation(self, name: str) -> Rotation:
        rotation = await self.rotation(name)
        naming = [
            p.name
            for p in await self._db.policies()
            if any(s.kind in _BY_ROTATION and s.target == name for s in p.steps)
        ]
        if naming:
            raise Conflict(
                "name",
                f"rotation {name} is a step of {', '.join(naming)}; change those policies first",
            )
        await self._change(
            partial(oncall_rows.delete_rotation, rotation_id=rotation.id), self._clock.now()
        )
        log.info("rotation %s removed", name)
        return rotation

    # -- overrides -------------------------------------------------------------------------

    async def overrides(self, now: float | None = None) -> list[Override]:
        """Overrides in force or to come."""
        return await self._db.overrides(self._clock.now() if now is None else now)

    async def add_override(
        self,
        rotation_name: str,
        person: str,
        starts_at: float | None,
        ends_at: float,
        now: float | None = None,
    ) -> Override:
        """`person` on call in the rotation from `starts_at` (None: now) until `ends_at`."""
        at = self._clock.now() if now is None else now
        rotation = await self.rotation(rotation_name)
        refuse_control("person", person)
        if person not in {p.name for p in await self._db.people()}:
            raise _unknown_person("person", person)
        start = at if starts_at is None else starts_at
        refuse_far_time("starts_at", start, at)
        refuse_far_time("ends_at", ends_at, at)
        if ends_at <= start:
            raise ValidationError("ends_at", "an override must end after it starts")
        if ends_at <= at:
            raise ValidationError("ends_at", "that override would already be over")
        override = Override(0, rotation.id, person, start, ends_at, at)
        override_id = await self._change(
            partial(oncall_rows.insert_override, override=override), at
        )
        log.info("override #%d: %s covers %s", override_id, person, rotation.name)
        return replace(override, id=override_id)

    async def remove_override(self, override_id: int) -> None:
        removed = is_row_id(override_id) and await self._change(
            partial(oncall_rows.delete_override, override_id=override_id), self._clock.now()
        )
        if not removed:
            raise OnCallNotFound(f"no override has the id {override_id}", "override list")

    # -- escalation policies ---------------------------------------------------------------

    async def policies(self) -> list[Policy]:
        return await self._db.policies()

    async def policy(self, name: str) -> Policy:
        for policy in await self._db.policies():
            if policy.name == name:
                return policy
        raise OnCallNotFound(f"no escalation policy is named {name!r}", "policy list")

    async def _steps(self, texts: tuple[str, ...]) -> tuple[Step, ...]:
        refuse_control_in("steps", texts)
        try:
            steps = tuple(parse_step(text) for text in texts)
            check_steps(steps)
        except ValueError as exc:
            raise ValidationError("steps", str(exc)) from None
        rotations = {r.name for r in await self._db.rotations()}
        people = {p.name for p in await self._db.people()}
        channels = channel_refs(await self._db.channels())
        known = {
            TargetKind.ROTATION: (rotations, "rotation"),
            TargetKind.NEXT: (rotations, "rotation"),
            TargetKind.PERSON: (people, "person"),
            TargetKind.CHANNEL: (channels, "channel (name or tag)"),
        }
        for step in steps:
            names, what = known[step.kind]
            if step.target not in names:
                raise ValidationError("steps", f"no {what} is named {step.target!r}")
        return steps

    async def add_policy(
        self,
        name: str,
        steps: tuple[str, ...],
        tags: tuple[str, ...] = (),
        is_default: bool = False,
        now: float | None = None,
    ) -> Policy:
        at = self._clock.now() if now is None else now
        name = _name("name", name, "policy")
        refuse_control_in("tags", tags)
        if any(p.name == name for p in await self._db.policies()):
            raise _taken("policy", name)
        policy = Policy(0, name, await self._steps(steps), tags, is_default, at)
        await self._change(partial(oncall_rows.save_policy, policy=policy), at)
        log.info("escalation policy %s added", name)
        return await self.policy(name)

    async def update_policy(
        self,
        name: str,
        *,
        steps: tuple[str, ...] | None = None,
        tags: tuple[str, ...] | None = None,
        is_default: bool | None = None,
    ) -> Policy:
        stored = await self.policy(name)
        refuse_control_in("tags", tags or ())
        changed = replace(
            stored,
            steps=stored.steps if steps is None else await self._steps(steps),
            tags=stored.tags if tags is None else tags,
            is_default=stored.is_default if is_default is None else is_default,
        )
        await self._change(partial(oncall_rows.save_policy, policy=changed), self._clock.now())
        return await self.policy(name)

    async def remove_policy(self, name: str) -> Policy:
        """Remove a policy no check names."""
        policy = await self.policy(name)
        checks_naming = [
            c.name for c in await self._db.list_checks() if c.escalation_policy == name
        ]
        if checks_naming:
            raise Conflict(
                "name",
                f"checks still name policy {name}: {', '.join(checks_naming)}; "
                "give them another one first",
            )
        await self._change(
            partial(oncall_rows.delete_policy, policy_id=policy.id), self._clock.now()
        )
        log.info("escalation policy %s removed", name)
        return policy

    # -- who is on call --------------------------------------------------------------------

    async def board(
        self, now: float | None = None, count: int = HANDOFFS_SHOWN
    ) -> list[RotationStatus]:
        """Each rotation: who is on call at `now`, who is next, and the coming hand-offs."""
        at = self._clock.now() if now is None else now
        overrides = await self._db.overrides(at)
        board = []
        for rotation in await self._db.rotations():
            coming = handoffs(rotation, overrides, at, count)
            board.append(
                RotationStatus(
                    rotation=rotation,
                    on_call=on_call(rotation, overrides, at),
                    override=covering(rotation, overrides, at),
                    next_person=coming[0].person if coming else next_in_line(rotation, at),
                    handoffs=coming,
                )
            )
        return board
