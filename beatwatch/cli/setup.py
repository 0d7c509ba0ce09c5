"""`beatwatch export` and `beatwatch import`: the setup as a TOML file under version control."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from beatwatch.cli.context import location_options, with_service
from beatwatch.cli.hc_import import import_from_healthchecks
from beatwatch.cli.printing import echo
from beatwatch.core.presentation import counted
from beatwatch.service.service import Service
from beatwatch.service.setup_file import apply_changes, export_setup, parse_setup, plan_import


@click.command("export")
@click.option(
    "--with-secrets",
    is_flag=True,
    help="Include channel URLs and check uuids (the ping URL credentials).",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of printing (mode 0600 with --with-secrets).",
)
@location_options
@click.pass_context
def export_command(
    ctx: click.Context, with_secrets: bool, output: Path | None, **where: Any
) -> None:
    """Print the setup (channels, people, rotations, policies, hosts, windows, checks) as TOML."""

    async def act(service: Service) -> None:
        text = await export_setup(service, with_secrets)
        if output is not None:
            write_new_file(output, text, 0o600 if with_secrets else 0o666)
            return
        if with_secrets:
            echo(
                "beatwatch: warning: this export holds secrets (channel URLs, ping uuids); "
                "--output FILE writes it readable by you alone",
                err=True,
            )
        echo(text, nl=False)

    with_service(ctx, act, **where)


def write_new_file(path: Path, text: str, mode: int) -> None:
    """`text` in a new file at `path` that has `mode` from its creation (less the umask),
    replacing whatever was there: an existing file would keep its own, perhaps wider, mode.
    Written beside it and renamed into place, so a reader never sees half of it."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


@click.command("import")
@click.argument(
    "file", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=False
)
@click.option("--dry-run", is_flag=True, help="Show what would change, change nothing.")
@click.option("--prune", is_flag=True, help="Also delete what the file does not list.")
@click.option(
    "--from-healthchecks",
    "site",
    metavar="URL",
    help="Import checks (with their uuids) and channels from this healthchecks instance.",
)
@click.option(
    "--from-file",
    "hc_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Import from JSON saved from healthchecks' API (repeatable).",
)
@click.option(
    "--api-key-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="File holding healthchecks' read-write API key (or set HEALTHCHECKS_API_KEY).",
)
@click.option(
    "--ping-key-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="File holding healthchecks' ping key, so slug URLs keep working "
    "(or set HEALTHCHECKS_PING_KEY).",
)
@click.option(
    "--mail-via", metavar="CHANNEL", help="A mailto channel that e-mail integrations send through."
)
@location_options
@click.pass_context
def import_command(
    ctx: click.Context,
    file: Path | None,
    dry_run: bool,
    prune: bool,
    site: str | None,
    hc_files: tuple[Path, ...],
    api_key_file: Path | None,
    ping_key_file: Path | None,
    mail_via: str | None,
    **where: Any,
) -> None:
    """Make this instance match a setup file, or bring checks over from healthchecks.
    Importing the same thing twice changes nothing."""
    from_healthchecks = site is not None or bool(hc_files)
    if from_healthchecks == (file is not None):
        raise click.UsageError("give a setup FILE, or --from-healthchecks URL / --from-file")
    if from_healthchecks:
        if prune:
            raise click.UsageError("--prune goes with a setup FILE, not a healthchecks import")
        import_from_healthchecks(
            ctx, site, hc_files, api_key_file, ping_key_file, mail_via, dry_run, where
        )
        return
    assert file is not None
    setup = parse_setup(file.read_text(encoding="utf-8"))

    async def act(service: Service) -> None:
        changes = await plan_import(service, setup, prune)
        for change in changes:
            echo(str(change))
        if not changes:
            echo("nothing to change: this instance already matches the file")
        elif dry_run:
            echo(f"{counted(len(changes), 'change')} (dry run: nothing was changed)")
        else:
            await apply_changes(changes)
            echo(f"{counted(len(changes), 'change')} applied")

    # A dry run changes nothing, on disk included: with no database it finds none.
    with_service(ctx, act, creates=not dry_run, **where)
