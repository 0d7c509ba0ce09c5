"""The `beatwatch` command: scriptable, one-line errors, exit code 2 for a user mistake."""

from __future__ import annotations

import sys
from typing import Any

import click

from beatwatch.cli.alerts import channel_group, host_group, incident_group, incidents_command
from beatwatch.cli.checks import check_group, pings_command, unknown_command
from beatwatch.cli.context import echo, location_options
from beatwatch.cli.run import ping_command, run_command
from beatwatch.cli.serve import serve_command
from beatwatch.cli.setup import export_command, import_command
from beatwatch.cli.tokens import token_group
from beatwatch.cli.tui import demo_command, open_tui
from beatwatch.errors import FAILURE, USAGE_ERROR, BeatwatchError


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@location_options
@click.option(
    "--theme", help="Colour theme of the terminal UI (beatwatch-dark, beatwatch-light, ...)."
)
@click.option(
    "--listen", help="HOST:PORT the terminal UI receives pings on (default 0.0.0.0:8790)."
)
@click.version_option(package_name="beatwatch")
@click.pass_context
def cli(ctx: click.Context, theme: str | None, listen: str | None, **where: Any) -> None:
    """beatwatch: a heartbeat monitor for cron jobs, timers and workers.

    On its own it opens the terminal UI (receiving pings while it runs); `beatwatch serve`
    receives pings headless. The commands below do one thing each, for scripts.
    """
    if ctx.invoked_subcommand is None:
        open_tui(ctx, theme=theme, listen=listen)


cli.add_command(check_group)
cli.add_command(channel_group)
cli.add_command(host_group)
cli.add_command(incidents_command)
cli.add_command(incident_group)
cli.add_command(export_command)
cli.add_command(import_command)
cli.add_command(pings_command)
cli.add_command(unknown_command)
cli.add_command(serve_command)
cli.add_command(token_group)
cli.add_command(demo_command)
cli.add_command(run_command)
cli.add_command(ping_command)


def _fail(message: str, code: int) -> None:
    echo(f"beatwatch: {message}", err=True)
    sys.exit(code)


def main(argv: list[str] | None = None) -> None:
    try:
        cli.main(args=argv, prog_name="beatwatch", standalone_mode=False)
    except click.UsageError as exc:
        hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx else ""
        _fail(f"{exc.format_message()}{hint}", USAGE_ERROR)
    except BeatwatchError as exc:
        _fail(str(exc), exc.exit_code)
    except OSError as exc:
        _fail(f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else ""), FAILURE)
    except click.Abort:
        _fail("aborted", 130)
    except click.ClickException as exc:
        _fail(exc.format_message(), exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
