"""`beatwatch token ...`: bearer tokens for the management API and /metrics."""

from __future__ import annotations

from typing import Any

import click

from beatwatch.cli.context import json_option, location_options, options_named, with_service
from beatwatch.cli.printing import echo, print_listing
from beatwatch.core.timefmt import format_relative, short_time
from beatwatch.engine.clock import WALL_CLOCK
from beatwatch.service.json_shapes import token_to_dict
from beatwatch.service.service import Service


@click.group("token")
def token_group() -> None:
    """API tokens: for scripts, Ansible and Prometheus (send as 'Authorization: Bearer ...')."""


@token_group.command("create")
@click.option("--name", help="What the token is for, e.g. ansible or prometheus.")
@click.option("--read-only", is_flag=True, help="May read everything but change nothing.")
@location_options
@click.pass_context
def token_create(ctx: click.Context, name: str | None, read_only: bool, **where: Any) -> None:
    """Make a token and print it. It is shown this once: only its hash is kept."""

    async def act(service: Service) -> None:
        with options_named(ctx, {"name": "--name"}):
            token, secret = await service.tokens.create(name, read_only)
        kind = "read-only" if token.read_only else "read-write"
        echo(
            f"{kind} token {token.name} (id {token.id}); store it now, it is not shown again:",
            err=True,
        )
        echo(secret)

    with_service(ctx, act, creates=True, **where)


@token_group.command("list")
@json_option
@location_options
@click.pass_context
def token_list(ctx: click.Context, as_json: bool, **where: Any) -> None:
    """List tokens (never the tokens themselves)."""

    async def act(service: Service) -> None:
        now = WALL_CLOCK.now()
        print_listing(
            await service.tokens.list(),
            as_json=as_json,
            to_json=token_to_dict,
            empty="No API tokens yet. Make one: beatwatch token create --name ansible",
            headers=["ID", "NAME", "ACCESS", "CREATED", "LAST USED"],
            row=lambda t: [
                str(t.id),
                t.name,
                "read-only" if t.read_only else "read-write",
                short_time(t.created_at),
                format_relative(t.last_used_at, now) if t.last_used_at else "never",
            ],
        )

    with_service(ctx, act, **where)


@token_group.command("revoke")
@click.argument("ref", metavar="ID|NAME")
@location_options
@click.pass_context
def token_revoke(ctx: click.Context, ref: str, **where: Any) -> None:
    """Revoke a token: requests carrying it are refused from now on."""

    async def act(service: Service) -> None:
        token = await service.tokens.revoke(ref)
        echo(f"revoked token {token.name} (id {token.id})")

    with_service(ctx, act, **where)
