"""Creating, editing, pausing, resuming and deleting checks: writer jobs, validated input only.

An edit, a pause or a resume returns the check with the transition it caused, if any, so the
service can publish it like one a ping caused."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from beatwatch.core.errors import CheckNotFound, Conflict, ValidationError
from beatwatch.core.model import Channel, Check, State, Transition
from beatwatch.core.rules import is_paused
from beatwatch.core.validation import SLUG_STAND_IN, CheckSpec, gets_stand_in_slug
from beatwatch.engine.transitions import end_pause, settle
from beatwatch.store import alert_rows, check_rows, database, oncall_rows
from beatwatch.store.connection import Connection

# Channel names and tags listed when a check names one that does not exist.
CHOICES_SHOWN = 10


def _ensure_unique(conn: Connection, spec: CheckSpec, own_id: int | None) -> None:
    for column, value in (("name", spec.name), ("slug", spec.slug)):
        assert value is not None
        other = check_rows.load_check_by(conn, column, value)
        if other is not None and other.id != own_id:
            raise _taken(column, value, spec.name, other)


def _taken(column: str, value: str, name: str, other: Check) -> Conflict:
    if column == "slug" and value == SLUG_STAND_IN and gets_stand_in_slug(name):
        # The user never typed this slug: say where it came from, and what to change.
        return Conflict(
            "name",
            f"{name!r} has no letters or digits (a-z, 0-9) to make a slug of, and the slug "
            f"used instead, {SLUG_STAND_IN!r}, is taken by {other.name!r} (id {other.id}); "
            "put a letter or digit in the name",
        )
    return Conflict(column, f"a check with the {column} {value!r} already exists (id {other.id})")


class NamedChannel(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def tags(self) -> tuple[str, ...]: ...


def channel_refs(channels: Iterable[NamedChannel]) -> set[str]:
    """What a check may name to reach `channels`: their names and their tags."""
    return {ref for channel in channels for ref in (channel.name, *channel.tags)}


def unknown_channel_ref(
    spec: CheckSpec, known: set[str], kept: Check | None = None
) -> tuple[str, str] | None:
    """The first (field, ref) by which `spec` names no channel in `known`, or None. Refs
    `kept` (the check as stored) already has pass: a channel removed since must not stop
    every other edit of the check."""
    allowed = known | ({*kept.channels, *kept.escalation_channels} if kept else set())
    for field_name, refs in (
        ("channels", spec.channels),
        ("escalate_to", spec.escalation_channels),
    ):
        for ref in refs:
            if ref not in allowed:
                return field_name, ref
    return None


def unknown_channel_error(
    spec: CheckSpec, known: set[str], kept: Check | None = None
) -> ValidationError | None:
    """The refusal of a spec naming a channel not in `known`, saying what there is."""
    if (unknown := unknown_channel_ref(spec, known, kept)) is None:
        return None
    field_name, ref = unknown
    return ValidationError(field_name, f"no channel is named or tagged {ref!r}; {_choices(known)}")


def _ensure_channels_exist(conn: Connection, spec: CheckSpec, kept: Check | None = None) -> None:
    """The channels and the escalation policy the spec names exist (or the check as stored
    already named them)."""
    known = channel_refs(alert_rows.load_channels(conn))
    if (error := unknown_channel_error(spec, known, kept)) is not None:
        raise error
    policy = spec.escalation_policy
    if policy is None or (kept is not None and kept.escalation_policy == policy):
        return
    policies = [p.name for p in oncall_rows.load_policies(conn)]
    if policy not in policies:
        choices = f"known: {', '.join(policies)}" if policies else "none exists yet"
        raise ValidationError(
            "escalation_policy", f"no escalation policy is named {policy!r}; {choices}"
        )


def edit_channel(conn: Connection, channel: Channel, changed: Channel) -> list[Check]:
    """Write `changed` over `channel`, same id, so its queued messages stay queued. A new name
    follows into the checks that named the old one, so their alerts still reach it (the old
    name stays beside it where it is still a tag). Returns the checks so rewritten."""
    alert_rows.update_channel(
        conn,
        channel.id,
        name=changed.name,
        url=changed.url,
        is_default=changed.is_default,
        tags=changed.tags,
    )
    if changed.name == channel.name:
        return []
    still_a_tag = channel.name in channel_refs(alert_rows.load_channels(conn))

    def renamed(refs: tuple[str, ...]) -> tuple[str, ...]:
        new = (*((channel.name,) if still_a_tag else ()), changed.name)
        return tuple(
            dict.fromkeys(n for ref in refs for n in (new if ref == channel.name else (ref,)))
        )

    rewritten = []
    for stored in database.load_checks_naming(conn, channel.name):
        check = stored.evolve(
            channels=renamed(stored.channels),
            escalation_channels=renamed(stored.escalation_channels),
        )
        check_rows.update_check(conn, check, stored)
        rewritten.append(check)
    return rewritten


def _choices(known: set[str]) -> str:
    """What can be named instead, for the error beside the field in every interface."""
    if not known:
        return "no channels exist yet: add one first"
    shown = sorted(known)[:CHOICES_SHOWN]
    more = f" and {len(known) - len(shown)} more" if len(known) > len(shown) else ""
    return f"known: {', '.join(shown)}{more}"


def _apply_spec(check: Check, spec: CheckSpec) -> Check:
    assert spec.slug is not None and spec.grace_seconds is not None and spec.alerts is not None
    return check.evolve(
        name=spec.name,
        slug=spec.slug,
        schedule=spec.schedule,
        grace_seconds=spec.grace_seconds,
        max_duration_seconds=spec.max_duration_seconds,
        host=spec.host,
        tags=spec.tags,
        description=spec.description,
        alerts=spec.alerts,
        channels=spec.channels,
        failure_threshold=spec.failure_threshold,
        escalation_channels=spec.escalation_channels,
        escalate_after_seconds=spec.escalate_after_seconds,
        remind_every_seconds=spec.remind_every_seconds,
        escalation_policy=spec.escalation_policy,
    )


def create_check(
    conn: Connection, spec: CheckSpec, now: float, uuid_text: str | None = None
) -> Check:
    """Store a new check (spec already validated); its missed clock starts now. A uuid is
    given only when a setup is restored, so ping URLs in crontabs keep working."""
    _ensure_unique(conn, spec, None)
    _ensure_channels_exist(conn, spec)
    database.ensure_host(conn, spec.host, now)
    blank = Check(
        id=0,
        uuid=uuid_text or str(uuid.uuid4()),
        name=spec.name,
        slug=spec.slug or "",
        schedule=spec.schedule,
        grace_seconds=0,
        created_at=now,
        clock_start=now,
        state=State.NEW,
        state_since=now,
    )
    check = _apply_spec(blank, spec)
    check = check.evolve(id=database.insert_check(conn, check))
    check, _ = settle(conn, check, now, clock_driven=False, stored=check)
    return check


def _load(conn: Connection, check_id: int) -> Check:
    check = database.load_check(conn, check_id)
    if check is None:
        raise CheckNotFound(str(check_id))
    return check


def update_check(
    conn: Connection,
    check_id: int,
    spec: CheckSpec,
    now: float,
) -> tuple[Check, Transition | None]:
    stored = _load(conn, check_id)
    _ensure_unique(conn, spec, check_id)
    _ensure_channels_exist(conn, spec, kept=stored)
    database.ensure_host(conn, spec.host, now)
    return settle(conn, _apply_spec(stored, spec), now, clock_driven=False, stored=stored)


def delete_check(conn: Connection, check_id: int) -> Check:
    check = _load(conn, check_id)
    alert_rows.drop_pending_for_check(conn, check_id)
    database.delete_check(conn, check_id)
    return check


def pause_check(
    conn: Connection,
    check_id: int,
    until: float | None,
    now: float,
) -> tuple[Check, Transition | None]:
    """Pause by hand (until None) or until a time, which the service has found to lie
    ahead; pausing again only moves the end."""
    stored = _load(conn, check_id)
    paused_at = stored.paused_at if is_paused(stored, now) else now
    check = stored.evolve(paused_at=paused_at, paused_until=until)
    return settle(conn, check, now, clock_driven=False, stored=stored)


@dataclass(frozen=True, slots=True)
class Resumed:
    """The check after a resume, whether it was paused at all (one that was not, or whose
    pause has run out, is left as it is), and the state change the resume made."""

    check: Check
    was_paused: bool
    transition: Transition | None = None


def resume_check(conn: Connection, check_id: int, now: float) -> Resumed:
    stored = _load(conn, check_id)
    if not is_paused(stored, now):
        return Resumed(stored, was_paused=False)
    check, transition = settle(
        conn, end_pause(conn, stored, now), now, clock_driven=False, stored=stored
    )
    return Resumed(check, was_paused=True, transition=transition)
