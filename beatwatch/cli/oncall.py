"""Who is on call: people, rotations, overrides and escalation policies."""

from __future__ import annotations

from datetime import date
from typing import Any

import click

from beatwatch.cli.context import TIME, json_option, location_options, options_named, with_service
from beatwatch.cli.printing import echo, print_json, print_listing, print_table
from beatwatch.core.oncall import HANDOFFS_SHOWN, describe
from beatwatch.core.timefmt import format_relative, utc_iso
from beatwatch.service.oncall_shapes import (
    override_to_dict,
    person_to_dict,
    policy_to_dict,
    rotation_to_dict,
    status_to_dict,
)
from beatwatch.service.service import Service


def _when(t: float, now: float) -> str:
    return f"{utc_iso(t)} ({format_relative(t, now)})"


@click.command("oncall")
@click.option(
    "--handoffs",
    "count",
    type=click.IntRange(1, 50),
    default=HANDOFFS_SHOWN,
    show_default=True,
    help="How many coming hand-offs to show per rotation.",
)
@json_option
@location_options
@click.pass_context
def oncall_command(ctx: click.Context, count: int, as_json: bool, **where: Any) -> None:
    """Who is on call now and next in each rotation, and the coming hand-offs."""

    async def act(service: Service) -> None:
        now = service.clock.now()
        board = await service.oncall.board(now, count)
        if as_json:
            print_json([status_to_dict(s) for s in board])
            return
        if not board:
            echo("No rotations yet. Add one: beatwatch rotation add primary --people alice,bob")
            return
        rows = []
        for status in board:
            now_on = status.on_call or "nobody"
            if status.override is not None:
                now_on += f" (covering until {utc_iso(status.override.ends_at)})"
            coming = status.handoffs[0] if status.handoffs else None
            rows.append(
                [
                    status.rotation.name,
                    now_on,
                    status.next_person or "-",
                    _when(coming.at, now) if coming else "-",
                ]
            )
        print_table(["ROTATION", "ON CALL", "NEXT", "HAND-OFF"], rows)
        for status in board:
            if len(status.handoffs) > 1:
                echo(f"\n{status.rotation.name}, coming hand-offs:")
                for handoff in status.handoffs:
                    echo(f"- {_when(handoff.at, now)}: {handoff.previous} → {handoff.person}")

    with_service(ctx, act, **where)


# -- people ----------------------------------------------------------------------------------


@click.group("person")
def person_group() -> None:
    """People: a name and the channels that reach them (their phone's ntfy topic, mail...)."""


_CHANNEL_HELP = "A channel name or tag that reaches them (repeat for more)."


@person_group.command("add")
@click.argument("name")
@click.option("--channel", "channels", multiple=True, required=True, help=_CHANNEL_HELP)
@location_options
@click.pass_context
def person_add(ctx: click.Context, name: str, channels: tuple[str, ...], **where: Any) -> None:
    """Add a person reached through existing channels."""

    async def act(service: Service) -> None:
        with options_named(ctx, {"name": "NAME", "channels": "--channel"}):
            person = await service.oncall.add_person(name, channels)
        echo(f"added {person.name}, reached through {', '.join(person.channels)}")

    with_service(ctx, act, creates=True, **where)


@person_group.command("edit")
@click.argument("name")
@click.option("--channel", "channels", multiple=True, required=True, help=_CHANNEL_HELP)
@location_options
@click.pass_context
def person_edit(ctx: click.Context, name: str, channels: tuple[str, ...], **where: Any) -> None:
    """Give a person other channels, in place of the ones they have."""

    async def act(service: Service) -> None:
        with options_named(ctx, {"channels": "--channel"}):
            person = await service.oncall.update_person(name, channels)
        echo(f"{person.name} is now reached through {', '.join(person.channels)}")

    with_service(ctx, act, **where)


@person_group.command("list")
@json_option
@location_options
@click.pass_context
def person_list(ctx: click.Context, as_json: bool, **where: Any) -> None:
    """People and the channels that reach them."""

    async def act(service: Service) -> None:
        print_listing(
            await service.oncall.people(),
            as_json=as_json,
            to_json=person_to_dict,
            empty="No people yet. Add one: beatwatch person add alice --channel alice-phone",
            headers=["NAME", "CHANNELS"],
            row=lambda p: [p.name, ", ".join(p.channels)],
        )

    with_service(ctx, act, **where)


@person_group.command("remove")
@click.argument("name")
@location_options
@click.pass_context
def person_remove(ctx: click.Context, name: str, **where: Any) -> None:
    """Remove a person no rotation, policy or override names."""

    async def act(service: Service) -> None:
        await service.oncall.remove_person(name)
        echo(f"removed {name}")

    with_service(ctx, act, **where)


# -- rotations -------------------------------------------------------------------------------


@click.group("rotation")
def rotation_group() -> None:
    """Rotations: people on call in turn, handing off every N days or weeks at a local time."""


def _people(text: str | None) -> tuple[str, ...] | None:
    return None if text is None else tuple(p.strip() for p in text.split(",") if p.strip())


_ROTATION_FLAGS = {
    "name": "NAME",
    "people": "--people",
    "every": "--every",
    "at": "--at",
    "tz": "--tz",
    "start": "--start",
}


def _rotation_options(new: bool) -> Any:
    def decorate(command: Any) -> Any:
        options = [
            click.option(
                "--people", required=new, help="Who is on call in turn, in order: alice,bob,carol."
            ),
            click.option(
                "--every",
                default="1w" if new else None,
                help="How long each shift lasts: 1w, 2w, 7d... (default 1w).",
            ),
            click.option(
                "--at",
                default="09:00" if new else None,
                help="Hand-off time, local (default 09:00).",
            ),
            click.option("--tz", default="UTC" if new else None, help="Its zone (default UTC)."),
            click.option(
                "--start",
                type=click.DateTime(["%Y-%m-%d"]),
                help="The first shift's date (default today); weekly ones hand off on its weekday.",
            ),
        ]
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


def _start_date(start: Any) -> date | None:
    return start.date() if start is not None else None


@rotation_group.command("add")
@click.argument("name")
@_rotation_options(new=True)
@location_options
@click.pass_context
def rotation_add(
    ctx: click.Context,
    name: str,
    people: str,
    every: str,
    at: str,
    tz: str,
    start: Any,
    **where: Any,
) -> None:
    """Add a rotation, e.g. --people alice,bob --every 1w --at 09:00 --tz Europe/Berlin
    --start 2026-11-30 (a Monday: hand-offs on Mondays at 09:00 Berlin time)."""

    async def act(service: Service) -> None:
        with options_named(ctx, _ROTATION_FLAGS):
            rotation = await service.oncall.add_rotation(
                name, _people(people) or (), every, at, tz, _start_date(start)
            )
        echo(f"added rotation {rotation.name}: {', '.join(rotation.people)}, {describe(rotation)}")

    with_service(ctx, act, creates=True, **where)


@rotation_group.command("edit")
@click.argument("name")
@_rotation_options(new=False)
@location_options
@click.pass_context
def rotation_edit(
    ctx: click.Context,
    name: str,
    people: str | None,
    every: str | None,
    at: str | None,
    tz: str | None,
    start: Any,
    **where: Any,
) -> None:
    """Change some of a rotation's settings; the rest keep their values."""
    if people is every is at is tz is start is None:
        raise click.UsageError("nothing to change: give --people, --every, --at, --tz or --start")

    async def act(service: Service) -> None:
        with options_named(ctx, _ROTATION_FLAGS):
            rotation = await service.oncall.update_rotation(
                name, people=_people(people), every=every, at=at, tz=tz, start=_start_date(start)
            )
        echo(
            f"changed rotation {rotation.name}: {', '.join(rotation.people)}, {describe(rotation)}"
        )

    with_service(ctx, act, **where)


@rotation_group.command("list")
@json_option
@location_options
@click.pass_context
def rotation_list(ctx: click.Context, as_json: bool, **where: Any) -> None:
    """Rotations, their people and hand-off rule (`beatwatch oncall` says who is on now)."""

    async def act(service: Service) -> None:
        print_listing(
            await service.oncall.rotations(),
            as_json=as_json,
            to_json=rotation_to_dict,
            empty="No rotations yet. Add one: beatwatch rotation add primary --people alice,bob",
            headers=["NAME", "PEOPLE", "HAND-OFF", "SINCE"],
            row=lambda r: [r.name, ", ".join(r.people), describe(r), r.start_date.isoformat()],
        )

    with_service(ctx, act, **where)


@rotation_group.command("remove")
@click.argument("name")
@location_options
@click.pass_context
def rotation_remove(ctx: click.Context, name: str, **where: Any) -> None:
    """Remove a rotation no policy names, with its overrides."""

    async def act(service: Service) -> None:
        await service.oncall.remove_rotation(name)
        echo(f"removed rotation {name}")

    with_service(ctx, act, **where)


# -- overrides -------------------------------------------------------------------------------


@click.group("override")
def override_group() -> None:
    """Overrides: someone else on call in a rotation for a while."""


@override_group.command("add")
@click.argument("rotation")
@click.argument("person")
@click.option("--from", "starts_at", type=TIME, help="When it starts (default now).")
@click.option("--until", "ends_at", type=TIME, required=True, help="When it ends.")
@location_options
@click.pass_context
def override_add(
    ctx: click.Context,
    rotation: str,
    person: str,
    starts_at: float | None,
    ends_at: float,
    **where: Any,
) -> None:
    """PERSON covers ROTATION, e.g. --from 2026-12-04T18:00 --until 2026-12-07T09:00."""

    async def act(service: Service) -> None:
        flags = {"person": "PERSON", "starts_at": "--from", "ends_at": "--until"}
        with options_named(ctx, flags):
            override = await service.oncall.add_override(rotation, person, starts_at, ends_at)
        echo(
            f"override #{override.id}: {person} covers {rotation} from "
            f"{utc_iso(override.starts_at)} until {utc_iso(override.ends_at)}"
        )

    with_service(ctx, act, **where)


@override_group.command("list")
@json_option
@location_options
@click.pass_context
def override_list(ctx: click.Context, as_json: bool, **where: Any) -> None:
    """Overrides in force now or to come."""

    async def act(service: Service) -> None:
        names = {r.id: r.name for r in await service.oncall.rotations()}
        print_listing(
            await service.oncall.overrides(),
            as_json=as_json,
            to_json=lambda o: override_to_dict(o, names.get(o.rotation_id)),
            empty="No overrides in force or to come.",
            headers=["ID", "ROTATION", "PERSON", "FROM", "UNTIL"],
            row=lambda o: [
                str(o.id),
                names.get(o.rotation_id, "?"),
                o.person,
                utc_iso(o.starts_at) or "",
                utc_iso(o.ends_at) or "",
            ],
        )

    with_service(ctx, act, **where)


@override_group.command("remove")
@click.argument("override_id", type=int)
@location_options
@click.pass_context
def override_remove(ctx: click.Context, override_id: int, **where: Any) -> None:
    """Remove an override: the rotation's own schedule applies again."""

    async def act(service: Service) -> None:
        await service.oncall.remove_override(override_id)
        echo(f"removed override #{override_id}")

    with_service(ctx, act, **where)


# -- escalation policies ---------------------------------------------------------------------


@click.group("policy")
def policy_group() -> None:
    """Escalation policies: whom each step of an unacknowledged incident tells.

    A step is "[DELAY ]KIND:NAME", its delay counted from the first alert: rotation:primary
    (whoever is on call), next:primary (the person after them), person:alice, channel:ops."""


_STEP_HELP = 'A step, in order (repeat): "rotation:primary", "15m next:primary", "30m channel:ops".'
_POLICY_FLAGS = {"name": "NAME", "steps": "--step", "tags": "--tag"}


@policy_group.command("add")
@click.argument("name")
@click.option("--step", "steps", multiple=True, required=True, help=_STEP_HELP)
@click.option("--tag", "tags", multiple=True, help="Checks with this tag follow it (repeat).")
@click.option(
    "--default", "is_default", is_flag=True, help="Checks naming no policy nor channel follow it."
)
@location_options
@click.pass_context
def policy_add(
    ctx: click.Context,
    name: str,
    steps: tuple[str, ...],
    tags: tuple[str, ...],
    is_default: bool,
    **where: Any,
) -> None:
    """Add an escalation policy; a check follows it with `check edit REF --policy NAME`."""

    async def act(service: Service) -> None:
        with options_named(ctx, _POLICY_FLAGS):
            policy = await service.oncall.add_policy(name, steps, tags, is_default)
        echo(f"added policy {policy.name}: {'; '.join(s.text for s in policy.steps)}")

    with_service(ctx, act, creates=True, **where)


@policy_group.command("edit")
@click.argument("name")
@click.option("--step", "steps", multiple=True, help=_STEP_HELP + " Replaces its steps.")
@click.option("--tag", "tags", multiple=True, help="Its tags, instead of the ones it has.")
@click.option("--no-tags", is_flag=True, help="Take all its tags away.")
@click.option("--default/--no-default", "is_default", default=None, help="The default, or not.")
@location_options
@click.pass_context
def policy_edit(
    ctx: click.Context,
    name: str,
    steps: tuple[str, ...],
    tags: tuple[str, ...],
    no_tags: bool,
    is_default: bool | None,
    **where: Any,
) -> None:
    """Change a policy's steps, tags or default flag; the rest keep their values."""
    if tags and no_tags:
        raise click.UsageError("give --tag or --no-tags, not both")
    if not steps and not tags and not no_tags and is_default is None:
        raise click.UsageError("nothing to change: give --step, --tag or --default")

    async def act(service: Service) -> None:
        with options_named(ctx, _POLICY_FLAGS):
            policy = await service.oncall.update_policy(
                name,
                steps=steps or None,
                tags=() if no_tags else (tags or None),
                is_default=is_default,
            )
        echo(f"changed policy {policy.name}: {'; '.join(s.text for s in policy.steps)}")

    with_service(ctx, act, **where)


@policy_group.command("list")
@json_option
@location_options
@click.pass_context
def policy_list(ctx: click.Context, as_json: bool, **where: Any) -> None:
    """Escalation policies and their steps."""

    async def act(service: Service) -> None:
        print_listing(
            await service.oncall.policies(),
            as_json=as_json,
            to_json=policy_to_dict,
            empty='No policies yet. Add one: beatwatch policy add night --step "rotation:primary"',
            headers=["NAME", "DEFAULT", "TAGS", "STEPS"],
            row=lambda p: [
                p.name,
                "yes" if p.is_default else "",
                ",".join(p.tags),
                "; ".join(s.text for s in p.steps),
            ],
        )

    with_service(ctx, act, **where)


@policy_group.command("remove")
@click.argument("name")
@location_options
@click.pass_context
def policy_remove(ctx: click.Context, name: str, **where: Any) -> None:
    """Remove a policy no check names."""

    async def act(service: Service) -> None:
        await service.oncall.remove_policy(name)
        echo(f"removed policy {name}")

    with_service(ctx, act, **where)
