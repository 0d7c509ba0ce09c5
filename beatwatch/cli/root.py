"""The full command line: the click group of every command, and how its errors are told."""

from __future__ import annotations

from typing import Any

import click

from beatwatch import __version__
from beatwatch.cli.context import location_options
from beatwatch.cli.lazy_group import LazyGroup
from beatwatch.cli.printing import fail
from beatwatch.core.errors import INTERRUPTED, USAGE_ERROR

# Each command's module is imported only when that command runs (or --help lists them all):
# `beatwatch ping` and `run` in a crontab must start fast, without the engine, the web
# server, Apprise or Textual.
COMMANDS = {
    "check": "beatwatch.cli.checks:check_group",
    "channel": "beatwatch.cli.alerts:channel_group",
    "host": "beatwatch.cli.alerts:host_group",
    "incidents": "beatwatch.cli.alerts:incidents_command",
    "incident": "beatwatch.cli.alerts:incident_group",
    "oncall": "beatwatch.cli.oncall:oncall_command",
    "person": "beatwatch.cli.oncall:person_group",
    "rotation": "beatwatch.cli.oncall:rotation_group",
    "override": "beatwatch.cli.oncall:override_group",
    "policy": "beatwatch.cli.oncall:policy_group",
    "export": "beatwatch.cli.setup:export_command",
    "import": "beatwatch.cli.setup:import_command",
    "pings": "beatwatch.cli.checks:pings_command",
    "unknown": "beatwatch.cli.checks:unknown_command",
    "serve": "beatwatch.cli.serve:serve_command",
    "token": "beatwatch.cli.tokens:token_group",
    "nodes": "beatwatch.cli.nodes:nodes_command",
    "migrate": "beatwatch.cli.migrate:migrate_command",
    "demo": "beatwatch.cli.tui:demo_command",
    "run": "beatwatch.cli.run:run_command",
    "ping": "beatwatch.cli.run:ping_command",
}


@click.group(
    cls=LazyGroup,
    commands_by_name=COMMANDS,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@location_options
@click.option(
    "--theme", help="Colour theme of the terminal UI (beatwatch-dark, beatwatch-light, ...)."
)
@click.option(
    "--listen", help="HOST:PORT the terminal UI receives pings on (default 0.0.0.0:8790)."
)
@click.version_option(__version__, package_name="beatwatch")
@click.pass_context
def cli(ctx: click.Context, theme: str | None, listen: str | None, **where: Any) -> None:
    """beatwatch: a heartbeat monitor for cron jobs, timers and workers.

    On its own it opens the terminal UI (receiving pings while it runs); `beatwatch serve`
    receives pings headless. The commands below do one thing each, for scripts.
    """
    if ctx.invoked_subcommand is None:
        from beatwatch.cli.tui import open_tui

        open_tui(ctx, theme=theme, listen=listen)


def run_command_line(args: list[str]) -> None:
    """Run the command `args` name; click's own errors are told here, beatwatch's by `main`."""
    try:
        cli.main(args=args, prog_name="beatwatch", standalone_mode=False)
    except click.UsageError as exc:
        hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx else ""
        fail(f"{exc.format_message()}{hint}", USAGE_ERROR)
    except click.Abort:
        fail("aborted", INTERRUPTED)
    except click.ClickException as exc:
        fail(exc.format_message(), exc.exit_code)
