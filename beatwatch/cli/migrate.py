"""`beatwatch migrate --to DIR|URL`: this instance copied to another store, SQLite or
PostgreSQL, for moving to a database server or back."""

from __future__ import annotations

from typing import Any

import click

from beatwatch.cli.context import location_options, with_service
from beatwatch.cli.printing import echo
from beatwatch.service.service import Service


@click.command("migrate")
@click.option(
    "--to",
    "target",
    required=True,
    metavar="DIR|URL",
    help="An empty data dir, or an empty PostgreSQL database (postgresql://...).",
)
@location_options
@click.pass_context
def migrate_command(ctx: click.Context, target: str, **where: Any) -> None:
    """Copy every check (with its uuid), ping, incident, channel, token, queued alert and
    setting of this instance to TARGET, which must hold no check. Stop the engine first:
    what it wrote during the copy would be left behind."""

    async def act(service: Service) -> None:
        from beatwatch.service.moving import copy_to

        location, counts = await copy_to(service, target)
        copied = ", ".join(f"{count} {table}" for table, count in counts if count)
        echo(f"copied to {location}: {copied or 'nothing (the instance is empty)'}")

    with_service(ctx, act, **where)
