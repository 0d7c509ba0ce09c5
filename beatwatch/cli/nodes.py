"""`beatwatch nodes`: the engines on this database and the duties each holds."""

from __future__ import annotations

from typing import Any

import click

from beatwatch.cli.context import json_option, location_options, with_service
from beatwatch.cli.printing import echo, print_json, print_table
from beatwatch.core.timefmt import format_relative
from beatwatch.service.cluster import NodeStatus
from beatwatch.service.json_shapes import node_to_dict
from beatwatch.service.service import Service


@click.command("nodes")
@json_option
@location_options
@click.pass_context
def nodes_command(ctx: click.Context, as_json: bool, **where: Any) -> None:
    """The engines on this database: which one evaluates deadlines and which dispatches
    alerts, when each was last seen, and whose clock is off."""

    async def act(service: Service) -> None:
        nodes, unheld = await service.nodes()
        if as_json:
            print_json({"nodes": [node_to_dict(n) for n in nodes], "unheld": unheld})
            return
        if not nodes:
            echo("No engine has run on this database yet: start one with `beatwatch serve`.")
            return
        now = service.clock.now()
        print_table(
            ["NODE", "HOST", "PID", "LISTEN", "DUTIES", "LAST SEEN", "CLOCK"],
            (
                [
                    n.row.id,
                    n.row.host,
                    str(n.row.pid),
                    n.row.listen,
                    ", ".join(n.duties) or "-",
                    format_relative(n.row.last_seen, now) + ("" if n.alive else " (gone)"),
                    # Rounded first: a few milliseconds behind is not "-0.0 s".
                    f"{round(n.row.clock_offset, 1) + 0.0:+.1f} s"
                    + (" OFF" if n.clock_off else ""),
                ]
                for n in nodes
            ),
        )
        for duty in unheld:
            echo(f"nobody holds the {duty} duty: no engine is running on this database")

    with_service(ctx, act, **where)


def _clock(node: NodeStatus) -> str:
    # Rounded first: a few milliseconds behind is not "-0.0 s".
    text = f"{round(node.row.clock_offset, 1) + 0.0:+.1f} s"
    return text + " OFF" if node.clock_off else text
