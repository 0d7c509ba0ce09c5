"""`beatwatch export` and `beatwatch import`: the setup as a TOML file under version control."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from beatwatch.cli.context import location_options, with_service
from beatwatch.engine.service import Service
from beatwatch.engine.setup_file import apply_changes, export_setup, parse_setup, plan_import
from beatwatch.presentation import counted


@click.command("export")
@click.option(
    "--with-secrets",
    is_flag=True,
    help="Include channel URLs and check uuids (the ping URL credentials).",
)
@location_options
@click.pass_context
def export_command(ctx: click.Context, with_secrets: bool, **where: Any) -> None:
    """Print the setup (channels, hosts, maintenance windows, checks) as TOML."""

    async def act(service: Service) -> None:
        click.echo(await export_setup(service, with_secrets), nl=False)

    with_service(ctx, act, **where)


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show what would change, change nothing.")
@click.option("--prune", is_flag=True, help="Also delete what the file does not list.")
@location_options
@click.pass_context
def import_command(
    ctx: click.Context, file: Path, dry_run: bool, prune: bool, **where: Any
) -> None:
    """Make this instance match a setup file. Importing the same file twice changes nothing."""
    setup = parse_setup(file.read_text(encoding="utf-8"))

    async def act(service: Service) -> None:
        changes = await plan_import(service, setup, prune)
        for change in changes:
            click.echo(str(change))
        if not changes:
            click.echo("nothing to change: this instance already matches the file")
        elif dry_run:
            click.echo(f"{counted(len(changes), 'change')} (dry run: nothing was changed)")
        else:
            await apply_changes(changes)
            click.echo(f"{counted(len(changes), 'change')} applied")

    # A dry run changes nothing, on disk included: with no database it finds none.
    with_service(ctx, act, creates=not dry_run, **where)
