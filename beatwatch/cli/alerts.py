"""Channels, hosts and maintenance windows, incidents: the alerting commands."""

from __future__ import annotations

from typing import Any

import click

from beatwatch.cli.context import (
    DURATION,
    TIME,
    json_option,
    location_options,
    options_named,
    with_service,
)
from beatwatch.cli.printing import echo, print_facts, print_json, print_listing, print_table
from beatwatch.core.errors import HostUnwatched
from beatwatch.core.escalation import step_rows
from beatwatch.core.maintenance import check_window_fields, is_open
from beatwatch.core.maintenance import describe as describe_window
from beatwatch.core.timefmt import format_relative, long_time, short_time
from beatwatch.engine.clock import WALL_CLOCK
from beatwatch.service.json_shapes import channel_to_dict, host_to_dict, incident_to_dict
from beatwatch.service.service import Service


@click.group("channel")
def channel_group() -> None:
    """Where alerts go: named Apprise URLs (mailto://, slack://, ntfys://, ...)."""


@channel_group.command("add")
@click.argument("name")
@click.argument("url")
@click.option(
    "--default", "is_default", is_flag=True, help="Alert here when a check names no channel."
)
@click.option(
    "--tag", "tags", multiple=True, help="A tag checks can name instead (repeat for more)."
)
@location_options
@click.pass_context
def channel_add(
    ctx: click.Context, name: str, url: str, is_default: bool, tags: tuple[str, ...], **where: Any
) -> None:
    """Add a channel. The URL is checked by Apprise now, not when the first alert is due."""

    async def act(service: Service) -> None:
        with options_named(ctx, {"name": "NAME", "url": "URL", "tags": "--tag"}):
            channel = await service.alerts.add_channel(name, url, is_default, tags)
        default = " (default)" if channel.is_default else ""
        echo(f"added channel {channel.name}{default}: {channel.masked_url}")

    with_service(ctx, act, creates=True, **where)


@channel_group.command("edit")
@click.argument("name")
@click.option("--name", "new_name", help="Rename it; the checks that name it follow.")
@click.option("--url", help="A new Apprise URL, checked by Apprise now.")
@click.option(
    "--default/--no-default",
    "is_default",
    default=None,
    help="Alert here when a check names no channel (or stop).",
)
@click.option("--tag", "tags", multiple=True, help="Its tags, instead of the ones it has.")
@click.option("--no-tags", is_flag=True, help="Take all its tags away.")
@json_option
@location_options
@click.pass_context
def channel_edit(
    ctx: click.Context,
    name: str,
    new_name: str | None,
    url: str | None,
    is_default: bool | None,
    tags: tuple[str, ...],
    no_tags: bool,
    as_json: bool,
    **where: Any,
) -> None:
    """Change a channel in place: the messages queued for it stay queued and go out once."""
    if tags and no_tags:
        raise click.UsageError("give --tag or --no-tags, not both")
    if new_name is url is is_default is None and not tags and not no_tags:
        raise click.UsageError("nothing to change: give --name, --url, --default or --tag")

    async def act(service: Service) -> None:
        with options_named(ctx, {"name": "--name", "url": "--url"}):
            channel = await service.alerts.update_channel(
                name,
                new_name=new_name,
                url=url,
                is_default=is_default,
                tags=() if no_tags else (tags or None),
            )
        if as_json:
            print_json(channel_to_dict(channel))
            return
        default = " (default)" if channel.is_default else ""
        echo(f"changed channel {channel.name}{default}: {channel.masked_url}")
        if channel.name != name and (naming := await service.alerts.checks_naming(channel.name)):
            names = ", ".join(check.name for check in naming)
            echo(f"checks that named {name} now name {channel.name}: {names}")

    with_service(ctx, act, **where)


@channel_group.command("list")
@json_option
@location_options
@click.pass_context
def channel_list(ctx: click.Context, as_json: bool, **where: Any) -> None:
    """List channels with their health; URLs are shown with secrets masked."""

    async def act(service: Service) -> None:
        now = WALL_CLOCK.now()
        print_listing(
            await service.alerts.channels(),
            as_json=as_json,
            to_json=channel_to_dict,
            empty="No channels yet. Add one: beatwatch channel add ops mailto://... --default",
            headers=["NAME", "DEFAULT", "TAGS", "STATUS", "URL"],
            row=lambda c: [
                c.name,
                "yes" if c.is_default else "",
                ",".join(c.tags),
                _channel_status(c.failing, c.last_error, c.last_error_at, now),
                c.masked_url,
            ],
        )

    with_service(ctx, act, **where)


def _channel_status(failing: bool, error: str | None, error_at: float | None, now: float) -> str:
    if not failing:
        return "ok"
    when = format_relative(error_at, now) if error_at else ""
    return f"FAILING {when}: {error}"


@channel_group.command("test")
@click.argument("name")
@location_options
@click.pass_context
def channel_test(ctx: click.Context, name: str, **where: Any) -> None:
    """Send a test message now and say whether it went through."""

    async def act(service: Service) -> None:
        error = await service.alerts.test_channel(name)
        if error is not None:
            raise click.ClickException(f"the test message to {name} failed: {error}")
        echo(f"test message sent to {name}")

    with_service(ctx, act, **where)


@channel_group.command("rm")
@click.argument("name")
@location_options
@click.pass_context
def channel_rm(ctx: click.Context, name: str, **where: Any) -> None:
    """Remove a channel (its unsent messages go with it)."""

    async def act(service: Service) -> None:
        await service.alerts.remove_channel(name)
        echo(f"removed channel {name}")
        if naming := await service.alerts.checks_naming(name):
            names = ", ".join(check.name for check in naming)
            echo(
                f"checks that named it alert the default channels instead "
                f"(unless another channel they name is left): {names}"
            )

    with_service(ctx, act, **where)


@click.group("host")
def host_group() -> None:
    """Hosts and their maintenance windows (alerts are held while one is open)."""


@host_group.command("list")
@json_option
@location_options
@click.pass_context
def host_list(ctx: click.Context, as_json: bool, **where: Any) -> None:
    """Hosts, their checks and maintenance windows."""

    async def act(service: Service) -> None:
        hosts = await service.alerts.hosts()
        now = WALL_CLOCK.now()
        if as_json:
            print_json([host_to_dict(h, now) for h in hosts])
            return
        if not hosts:
            echo("No hosts yet: a host appears when a check names it (--host).")
            return
        rows = []
        for h in hosts:
            status = "IN MAINTENANCE" if h.in_maintenance else "-"
            rows.append([h.name, str(h.checks), status, "", ""])
            for w in h.windows:
                state = "open" if is_open(w, now) else ""
                rows.append(
                    [
                        "",
                        "",
                        "",
                        f"#{w.id} {describe_window(w, short_time)} {state}".strip(),
                        w.reason,
                    ]
                )
        print_table(["HOST", "CHECKS", "STATUS", "WINDOWS", "REASON"], rows)

    with_service(ctx, act, **where)


# The service's names for the fields of a maintenance window -> this command's options.
_MAINT_FLAGS = {
    "host": "HOST",
    "reason": "--reason",
    "duration": "--for",
    "starts_at": "--from",
    "ends_at": "--until",
    "weekly": "--weekly",
    "tz": "--tz",
}


@host_group.command("maint")
@click.argument("host")
@click.option("--for", "duration", type=DURATION, help="Starting now, for this long.")
@click.option("--from", "starts_at", type=TIME, help="Start time (with --until).")
@click.option("--until", "ends_at", type=TIME, help="End time.")
@click.option("--weekly", help='Recurring, e.g. "sun 02:00-04:00" or "mon-fri 22:00-23:30".')
@click.option("--tz", help="Time zone of a weekly window (default UTC).")
@click.option("--reason", default="", help="Why, for whoever looks later.")
@click.option("--force", is_flag=True, help="Open it even if no check names the host.")
@location_options
@click.pass_context
def host_maint(
    ctx: click.Context,
    host: str,
    duration: int | None,
    starts_at: float | None,
    ends_at: float | None,
    weekly: str | None,
    tz: str | None,
    reason: str,
    force: bool,
    **where: Any,
) -> None:
    """Open a maintenance window on HOST: now for a while, between two times, or weekly.
    A host no check names is refused (a typo would silence nothing) unless --force."""
    times = {
        "duration": duration,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "weekly": weekly,
        "tz": tz,
    }
    # The service's own rule, asked first: flags that do not go together touch no database.
    with options_named(ctx, _MAINT_FLAGS):
        check_window_fields(times, WALL_CLOCK.now())

    async def act(service: Service) -> None:
        with options_named(ctx, _MAINT_FLAGS):
            try:
                window = await service.alerts.start_maintenance(
                    host, reason=reason, force=force, **times
                )
            except HostUnwatched as exc:
                raise click.ClickException(f"{exc}; --force to open it anyway") from None
        echo(f"maintenance window #{window.id} on {host}: {describe_window(window, long_time)}")

    with_service(ctx, act, creates=True, **where)


@host_group.command("end")
@click.argument("host")
@location_options
@click.pass_context
def host_end(ctx: click.Context, host: str, **where: Any) -> None:
    """End the maintenance open on HOST now (a weekly window skips just this time)."""

    async def act(service: Service) -> None:
        ended = await service.alerts.end_maintenance(host)
        echo(f"ended maintenance on {host}" if ended else f"{host} was not in maintenance")

    with_service(ctx, act, **where)


@host_group.command("rm-window")
@click.argument("window_id", type=int)
@location_options
@click.pass_context
def host_rm_window(ctx: click.Context, window_id: int, **where: Any) -> None:
    """Delete a maintenance window for good."""

    async def act(service: Service) -> None:
        await service.alerts.remove_window(window_id)
        echo(f"deleted maintenance window #{window_id}")

    with_service(ctx, act, **where)


@click.command("incidents")
@click.option("--open", "open_only", is_flag=True, help="Only unresolved incidents.")
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON, with the notifications sent.")
@location_options
@click.pass_context
def incidents_command(
    ctx: click.Context, open_only: bool, limit: int, as_json: bool, **where: Any
) -> None:
    """Incidents, newest first, with the notifications sent for each."""

    async def act(service: Service) -> None:
        incidents = await service.alerts.incidents(open_only, limit)
        names = {c.id: c.name for c in await service.list_checks()}
        notes_by_incident = await service.alerts.notifications_by_incident(incidents)
        if as_json:
            steps = await service.alerts.steps_by_incident(incidents)
            print_json(
                [
                    incident_to_dict(i, names.get(i.check_id), notes_by_incident[i.id], steps[i.id])
                    for i in incidents
                ]
            )
            return
        if not incidents:
            echo("No open incidents." if open_only else "No incidents yet.")
            return
        now = WALL_CLOCK.now()
        rows = []
        for i in incidents:
            notes = notes_by_incident[i.id]
            delivered = sum(1 for n in notes if n.status == "sent")
            status = "resolved" if i.resolved_at else ("acked" if i.acknowledged_at else "OPEN")
            rows.append(
                [
                    str(i.id),
                    names.get(i.check_id, "?"),
                    i.state.value,
                    status,
                    format_relative(i.opened_at, now),
                    f"{delivered}/{len(notes)} sent"
                    if notes
                    else ("held" if not i.notified else "-"),
                ]
            )
        print_table(["ID", "CHECK", "STATE", "STATUS", "OPENED", "NOTIFICATIONS"], rows)

    with_service(ctx, act, **where)


@click.group("incident")
def incident_group() -> None:
    """Look at or acknowledge one incident."""


@incident_group.command("ack")
@click.argument("incident_id", type=int)
@location_options
@click.pass_context
def incident_ack(ctx: click.Context, incident_id: int, **where: Any) -> None:
    """Acknowledge: stops escalation and reminders for this incident."""

    async def act(service: Service) -> None:
        asked_at = WALL_CLOCK.now()
        incident = await service.alerts.acknowledge(incident_id)
        if incident.acknowledged_at is None:
            assert incident.resolved_at is not None  # the only incident left unacknowledged
            echo(
                f"incident {incident_id} was already resolved {long_time(incident.resolved_at)}; "
                "there is nothing left to acknowledge"
            )
        elif incident.acknowledged_at < asked_at:
            echo(
                f"incident {incident_id} was already acknowledged "
                f"{long_time(incident.acknowledged_at)}; nothing changed"
            )
        else:
            echo(f"acknowledged incident {incident_id}: no escalation or reminder will follow")

    with_service(ctx, act, **where)


@incident_group.command("show")
@click.argument("incident_id", type=int)
@json_option
@location_options
@click.pass_context
def incident_show(ctx: click.Context, incident_id: int, as_json: bool, **where: Any) -> None:
    """One incident: why, when, and every notification sent for it."""

    async def act(service: Service) -> None:
        incident = await service.alerts.incident(incident_id)
        notes = await service.alerts.notifications(incident_id)
        steps = (await service.alerts.steps_by_incident([incident]))[incident_id]
        names = {c.id: c.name for c in await service.list_checks()}
        if as_json:
            print_json(incident_to_dict(incident, names.get(incident.check_id), notes, steps))
            return
        facts = [
            ("id", str(incident.id)),
            ("check", names.get(incident.check_id, "?")),
            ("state", incident.state.value),
            ("opened", long_time(incident.opened_at)),
        ]
        if incident.resolved_at is not None:
            facts.append(("resolved", long_time(incident.resolved_at)))
        if incident.resolution:
            facts.append(("resolution", incident.resolution))
        if incident.acknowledged_at is not None:
            facts.append(("acknowledged", long_time(incident.acknowledged_at)))
        if incident.escalated_at is not None:
            facts.append(("escalated", long_time(incident.escalated_at)))
        if incident.policy is not None:
            facts.append(("policy", incident.policy))
        print_facts(facts)
        echo(f"\n{incident.reason}\n")
        if steps:
            echo("who was told:")
            print_table(["STEP", "TARGET", "REACHED", "THROUGH", "AT"], step_rows(steps, long_time))
            echo()
        for n in notes:
            sent = (
                f"sent {long_time(n.sent_at)}" if n.sent_at else f"{n.status}, {n.attempts} tries"
            )
            error = f" — {n.last_error}" if n.last_error and not n.sent_at else ""
            echo(f"- {n.kind} to {n.channel_name}: {sent}{error}")

    with_service(ctx, act, **where)
