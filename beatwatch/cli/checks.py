"""`beatwatch check ...`, `beatwatch pings` and `beatwatch unknown`."""

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
from beatwatch.core.counting import counted
from beatwatch.core.model import AlertType, Check, State
from beatwatch.core.presentation import (
    STATE_RANK,
    reach_label,
    schedule_facts,
    state_label,
    unknown_pings_summary,
)
from beatwatch.core.reach import Reach
from beatwatch.core.rules import evaluate
from beatwatch.core.schedule import describe
from beatwatch.core.snippets import SNIPPETS, Links
from beatwatch.core.timefmt import format_duration, format_relative, long_time, when
from beatwatch.core.validation import CheckSpec, pause_end
from beatwatch.engine.clock import WALL_CLOCK
from beatwatch.service.json_shapes import check_to_dict, ping_to_dict, unknown_ping_to_dict
from beatwatch.service.service import Service


class AlertTypes(click.ParamType):
    name = "types"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> frozenset[AlertType]:
        if isinstance(value, frozenset):
            return value
        words = [w.strip() for w in str(value).lower().split(",") if w.strip()]
        if words == ["none"]:
            return frozenset()
        try:
            return frozenset(AlertType(w) for w in words)
        except ValueError:
            self.fail(
                f"{value!r}: give alert types from missed, failing, stuck, long (or none)",
                param,
                ctx,
            )


def _check_options(command: Any) -> Any:
    options = [
        click.option(
            "--every", type=DURATION, help="Interval between runs: 45s, 10m, 2h, 1h30m, 1d, 1w."
        ),
        click.option(
            "--cron", help='Cron schedule: 5 fields ("30 2 * * 1-5") or a macro such as @daily.'
        ),
        click.option("--tz", help="Time zone of the cron schedule (default: the server's)."),
        click.option("--grace", type=DURATION, help="Slack after the due time before MISSED."),
        click.option(
            "--max-duration", type=DURATION, help="A run longer than this is RUNNING LONG."
        ),
        click.option("--host", help="The machine the job runs on."),
        click.option("--tag", "tags", multiple=True, help="A tag (repeat for more)."),
        click.option("--description", help="Free text, shown in alerts."),
        click.option(
            "--alerts",
            type=AlertTypes(),
            help="Which bad states alert, e.g. missed,failing,stuck,long or none.",
        ),
        click.option(
            "--channel", "channels", multiple=True, help="Alert this channel or channel tag."
        ),
        click.option(
            "--failure-threshold", type=click.IntRange(1), help="Alert after N failures in a row."
        ),
        click.option("--escalate-after", type=DURATION, help="Unacknowledged this long: escalate."),
        click.option(
            "--escalate-to", "escalation_channels", multiple=True, help="Second-level channel."
        ),
        click.option("--remind-every", type=DURATION, help="Repeat until acknowledged."),
        click.option(
            "--policy",
            "escalation_policy",
            help='The escalation policy that decides who is told ("" for none of its own).',
        ),
        click.option("--json", "as_json", is_flag=True, help="Print the check as JSON."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


# Command-line option -> CheckSpec field, for the options that map one to one.
_SPEC_FIELDS = {
    "name": "name",
    "grace": "grace_seconds",
    "max_duration": "max_duration_seconds",
    "host": "host",
    "description": "description",
    "alerts": "alerts",
    "failure_threshold": "failure_threshold",
    "escalate_after": "escalate_after_seconds",
    "remind_every": "remind_every_seconds",
    "escalation_policy": "escalation_policy",
}
_SPEC_TUPLES = {
    "tags": "tags",
    "channels": "channels",
    "escalation_channels": "escalation_channels",
}


# The service's names for the fields of a check -> the options of `check add` and `edit`.
_CHECK_FLAGS = {
    "cron": "--cron",
    "tz": "--tz",
    "host": "--host",
    "tags": "--tag",
    "description": "--description",
    "channels": "--channel",
    "escalate_to": "--escalate-to",
    "escalation_policy": "--policy",
}


def _spec_changes(options: dict[str, Any]) -> dict[str, Any]:
    """The CheckSpec fields the user gave on the command line."""
    if options["every"] is not None and options["cron"] is not None:
        raise click.UsageError("give --every or --cron, not both")
    changes: dict[str, Any] = {}
    if options["every"] is not None:
        changes.update(every_seconds=options["every"], cron=None, tz=None)
    if options["cron"] is not None:
        changes.update(every_seconds=None, cron=options["cron"], tz=options["tz"])
    elif options["tz"] is not None:
        changes["tz"] = options["tz"]
    for option, key in _SPEC_FIELDS.items():
        if options.get(option) is not None:
            changes[key] = options[option]
    for option, key in _SPEC_TUPLES.items():
        if options[option]:
            changes[key] = tuple(options[option])
    return changes


def _check_json(service: Service, check: Check, reach: Reach) -> dict[str, Any]:
    return check_to_dict(check, service.ping_url(check), WALL_CLOCK.now(), reach)


async def _print_check_json(service: Service, check: Check) -> None:
    reach = await service.alerts.reach_of([check])
    print_json(_check_json(service, check, reach[check.id]))


def _print_check(service: Service, check: Check, links: Links) -> None:
    now = WALL_CLOCK.now()
    evaluation = evaluate(check, now)
    rows = [
        ("state", f"{state_label(evaluation.state)} since {_when(evaluation.since, now)}"),
        ("name", check.name),
        ("slug", check.slug),
        ("id", str(check.id)),
        *schedule_facts(check.schedule),
        ("grace", format_duration(check.grace_seconds)),
    ]
    if check.max_duration_seconds:
        rows.append(("max duration", format_duration(check.max_duration_seconds)))
    if check.host:
        rows.append(("host", check.host))
    if check.tags:
        rows.append(("tags", ", ".join(check.tags)))
    if check.description:
        rows.append(("description", check.description))
    if check.escalation_policy:
        rows.append(("escalation policy", check.escalation_policy))
    rows += [
        ("last ping", _when(check.last_ping_at, now)),
        ("next change", _when(evaluation.next_change_at, now)),
        ("ping URL", links.ping_url),
        ("by slug", links.slug_url),
        # Status badges for dashboards: their keys reveal the state only, never the ping URL.
        ("badge", links.badge_url),
        *((f"badge of tag {tag}", url) for tag, url in links.tag_badges),
    ]
    if evaluation.state is State.PAUSED:
        until = _when(check.paused_until, now) if check.paused_until else "resumed by hand"
        rows.insert(1, ("paused until", until))
    print_facts(rows)


def _when(t: float | None, now: float) -> str:
    if t is None:
        return "never"
    return f"{long_time(t)} ({format_relative(t, now)})"


@click.group("check")
def check_group() -> None:
    """Create, list, change, pause and remove checks."""


@check_group.command("add")
@click.argument("name")
@_check_options
@location_options
@click.pass_context
def add_command(ctx: click.Context, name: str, as_json: bool, **options: Any) -> None:
    """Add a check and print its ping URL."""
    if options["every"] is None and options["cron"] is None:
        raise click.UsageError('give a schedule: --every DURATION or --cron "EXPR"')
    spec = CheckSpec(name=name, **_spec_changes(options))

    async def act(service: Service) -> None:
        with options_named(ctx, {**_CHECK_FLAGS, "name": "NAME"}):
            check = await service.add_check(spec)
        if as_json:
            await _print_check_json(service, check)
        else:
            echo(service.ping_url(check))

    with_service(
        ctx,
        act,
        creates=True,
        **_location(options),
    )


def _location(options: dict[str, Any]) -> dict[str, Any]:
    """The location options among a command's options."""
    return {key: options[key] for key in ("data_dir", "database_url", "config_path")}


@check_group.command("edit")
@click.argument("ref")
@click.option("--name", help="A new name.")
@_check_options
@location_options
@click.pass_context
def edit_command(ctx: click.Context, ref: str, as_json: bool, **options: Any) -> None:
    """Change some settings of a check; the others stay as they are."""
    changes = _spec_changes(options)
    if not changes:
        raise click.UsageError("nothing to change: give at least one option")

    async def act(service: Service) -> None:
        with options_named(ctx, {**_CHECK_FLAGS, "name": "--name"}):
            check = await service.update_check(ref, **changes)
        if as_json:
            await _print_check_json(service, check)
        else:
            echo(f"updated {check.name}")

    with_service(ctx, act, **_location(options))


class States(click.ParamType):
    """States by their words, comma-separated ("missed,failing"); "bad" for every bad one."""

    name = "states"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> frozenset[State]:
        if isinstance(value, frozenset):
            return value
        states: set[State] = set()
        for word in (w.strip().lower().replace("-", "_") for w in str(value).split(",")):
            if word == "bad":
                states.update(s for s in State if s.is_bad)
            elif word in {s.value for s in State}:
                states.add(State(word))
            else:
                self.fail(f"{word!r} is not a state: give {', '.join(State)} or bad", param, ctx)
        return frozenset(states)


def _listed(
    check: Check, state: State, tags: tuple[str, ...], hosts: tuple[str, ...], states: set[State]
) -> bool:
    """Whether the check passes every filter given: all the tags, any of the hosts, any of the
    states. Tags and hosts are matched whole, in any case."""
    own_tags = {t.lower() for t in check.tags}
    return (
        all(t.lower() in own_tags for t in tags)
        and (not hosts or (check.host or "").lower() in {h.lower() for h in hosts})
        and (not states or state in states)
    )


@check_group.command("list")
@click.option(
    "--tag", "tags", multiple=True, help="Only checks with this tag (repeat: all of them)."
)
@click.option(
    "--host", "hosts", multiple=True, help="Only checks on this host (repeat: any of them)."
)
@click.option(
    "--state",
    "state_sets",
    type=States(),
    multiple=True,
    help="Only checks in this state: missed,failing... or bad (repeat or comma: any of them).",
)
@json_option
@location_options
@click.pass_context
def list_command(
    ctx: click.Context,
    tags: tuple[str, ...],
    hosts: tuple[str, ...],
    state_sets: tuple[frozenset[State], ...],
    as_json: bool,
    **where: Any,
) -> None:
    """List checks, the ones in a bad state first; --tag, --host and --state narrow the list."""
    states = set().union(*state_sets)

    async def act(service: Service) -> None:
        now = WALL_CLOCK.now()
        every = await service.list_checks()
        evaluations = {c.id: evaluate(c, now) for c in every}
        checks = [c for c in every if _listed(c, evaluations[c.id].state, tags, hosts, states)]
        checks.sort(key=lambda c: (STATE_RANK[evaluations[c.id].state], c.name.lower()))
        reach = await service.alerts.reach_of(checks)
        print_listing(
            checks,
            as_json=as_json,
            to_json=lambda c: _check_json(service, c, reach[c.id]),
            empty=(
                f"No check matches these filters ({counted(len(every), 'check')} in all)."
                if every
                else "No checks yet. Add one: beatwatch check add NAME --every 1h"
            ),
            headers=[
                "STATE",
                "ALERTS",
                "NAME",
                "HOST",
                "SLUG",
                "SCHEDULE",
                "LAST PING",
                "NEXT CHANGE",
            ],
            row=lambda c: [
                state_label(evaluations[c.id].state),
                reach_label(reach[c.id]) or "-",
                c.name,
                c.host or "-",
                c.slug,
                describe(c.schedule),
                format_relative(c.last_ping_at, now) if c.last_ping_at else "never",
                format_relative(n, now) if (n := evaluations[c.id].next_change_at) else "-",
            ],
        )

    with_service(ctx, act, **where)


@check_group.command("show")
@click.argument("ref")
@click.option(
    "--snippets", is_flag=True, help="Also print ready-made snippets that make a job ping it."
)
@json_option
@location_options
@click.pass_context
def show_command(ctx: click.Context, ref: str, snippets: bool, as_json: bool, **where: Any) -> None:
    """Show one check: state, schedule, ping URLs and badges."""

    async def act(service: Service) -> None:
        check = await service.get_check(ref)
        if as_json:
            await _print_check_json(service, check)
            return
        links = await service.links(check)
        _print_check(service, check, links)
        if snippets:
            for snippet in SNIPPETS:
                echo(f"\n──── {snippet.title} ────")
                echo(snippet.render(links, check), nl=False)

    with_service(ctx, act, **where)


@check_group.command("rm")
@click.argument("ref")
@location_options
@click.pass_context
def rm_command(ctx: click.Context, ref: str, **where: Any) -> None:
    """Delete a check and its ping history (no all-clear is sent)."""

    async def act(service: Service) -> None:
        check = await service.delete_check(ref)
        echo(f"deleted {check.name} and its history")

    with_service(ctx, act, **where)


# The service's names for the fields of a pause -> this command's options.
_PAUSE_FLAGS = {"duration": "--for", "until": "--until"}


@check_group.command("pause")
@click.argument("ref")
@click.option("--for", "duration", type=DURATION, help="Pause for this long, then resume.")
@click.option("--until", type=TIME, help="Pause until this time (ISO 8601 or HH:MM).")
@location_options
@click.pass_context
def pause_command(
    ctx: click.Context, ref: str, duration: int | None, until: float | None, **where: Any
) -> None:
    """Pause a check: it is not evaluated and never alerts until resumed."""
    # The service's own rule, asked first: flags that do not go together touch no database.
    with options_named(ctx, _PAUSE_FLAGS):
        pause_end(WALL_CLOCK.now(), until, duration)

    async def act(service: Service) -> None:
        with options_named(ctx, _PAUSE_FLAGS):
            check = await service.pause_check(ref, until=until, duration=duration)
        end = f" until {long_time(check.paused_until)}" if check.paused_until else " until resumed"
        echo(f"paused {check.name}{end}")

    with_service(ctx, act, **where)


@check_group.command("resume")
@click.argument("ref")
@location_options
@click.pass_context
def resume_command(ctx: click.Context, ref: str, **where: Any) -> None:
    """Resume a paused check; its missed clock starts again now."""

    async def act(service: Service) -> None:
        resumed = await service.resume_check(ref)
        name = resumed.check.name
        echo(f"resumed {name}" if resumed.was_paused else f"{name} is not paused; nothing changed")

    with_service(ctx, act, **where)


@click.command("pings")
@click.argument("ref")
@click.option("--limit", type=click.IntRange(1, 100), default=20, show_default=True)
@json_option
@location_options
@click.pass_context
def pings_command(ctx: click.Context, ref: str, limit: int, as_json: bool, **where: Any) -> None:
    """A check's recent pings, newest first."""

    async def act(service: Service) -> None:
        now = WALL_CLOCK.now()
        print_listing(
            await service.pings(ref, limit),
            as_json=as_json,
            to_json=ping_to_dict,
            empty="No pings yet.",
            headers=["WHEN", "KIND", "EXIT", "DURATION", "FROM", "BODY"],
            row=lambda p: [
                when(p.at, now),
                p.kind.value,
                "" if p.exit_code is None else str(p.exit_code),
                "" if p.duration is None else format_duration(p.duration),
                p.remote_addr or "",
                p.body_text.replace("\n", " ")[:40],
            ],
        )

    with_service(ctx, act, **where)


@click.command("unknown")
@json_option
@location_options
@click.pass_context
def unknown_command(ctx: click.Context, as_json: bool, **where: Any) -> None:
    """Pings to uuids or slugs that match no check: where a crontab typo shows up."""

    async def act(service: Service) -> None:
        pings = await service.unknown_pings()
        total = await service.unknown_ping_count()
        if as_json:
            print_json({"total": total, "latest": [unknown_ping_to_dict(p) for p in pings]})
            return
        echo(unknown_pings_summary(total, len(pings)))
        if not pings:
            return
        now = WALL_CLOCK.now()
        print_table(
            ["WHEN", "KEY", "REQUEST", "FROM", "USER AGENT"],
            (
                [
                    format_relative(p.at, now),
                    p.key,
                    p.request,
                    p.remote_addr or "",
                    p.user_agent or "",
                ]
                for p in pings
            ),
        )

    with_service(ctx, act, **where)
