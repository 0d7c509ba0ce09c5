"""`beatwatch import --from-healthchecks URL` / `--from-file FILE`: checks and channels from
healthchecks, with their uuids. Keys come from files or the environment, never from a flag's
value, which anyone on the machine could read in `ps`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from beatwatch.cli.context import with_service
from beatwatch.cli.printing import echo
from beatwatch.core.presentation import counted
from beatwatch.service.healthchecks_fetch import fetch_documents
from beatwatch.service.healthchecks_import import (
    HcExport,
    apply_steps,
    plan_hc_import,
    read_export,
    read_export_text,
)
from beatwatch.service.service import Service

API_KEY_ENV = "HEALTHCHECKS_API_KEY"
PING_KEY_ENV = "HEALTHCHECKS_PING_KEY"


def _secret(path: Path | None, env: str, what: str) -> str | None:
    """A key from its file (first line) or its environment variable, or None."""
    if path is not None:
        value = path.read_text(encoding="utf-8").strip()
        if not value:
            raise click.UsageError(f"{path} is empty; it should hold the {what}")
        return value
    return os.environ.get(env, "").strip() or None


def import_from_healthchecks(
    ctx: click.Context,
    site: str | None,
    files: tuple[Path, ...],
    api_key_file: Path | None,
    ping_key_file: Path | None,
    mail_via: str | None,
    dry_run: bool,
    where: dict[str, Any],
) -> None:
    api_key = _secret(api_key_file, API_KEY_ENV, "healthchecks API key")
    if site is not None and api_key is None:
        raise click.UsageError(
            f"--from-healthchecks needs the project's read-write API key: put it in a file "
            f"for --api-key-file, or in {API_KEY_ENV}"
        )
    ping_key = _secret(ping_key_file, PING_KEY_ENV, "healthchecks ping key")
    local = read_export_text((str(f), f.read_text(encoding="utf-8")) for f in files)

    async def act(service: Service) -> None:
        export = local
        if site is not None:
            assert api_key is not None
            fetched = read_export(await fetch_documents(site, api_key))
            export = HcExport(fetched.checks + local.checks, fetched.channels + local.channels)
        steps = await plan_hc_import(service, export, ping_key, mail_via)
        for step in steps:
            echo(str(step))
        changes = sum(step.apply is not None for step in steps)
        refused = len(steps) - changes
        left_out = f"; {counted(refused, 'thing')} not imported (see '!')" if refused else ""
        if not changes:
            echo(f"nothing to change{left_out}")
        elif dry_run:
            echo(f"{counted(changes, 'change')} (dry run: nothing was changed){left_out}")
        else:
            await apply_steps(steps)
            echo(f"{counted(changes, 'change')} applied{left_out}")
            if ping_key is not None and service.engine_holder() is not None:
                echo("restart the running beatwatch for slug URLs to use the new ping key")

    with_service(ctx, act, creates=not dry_run, **where)
