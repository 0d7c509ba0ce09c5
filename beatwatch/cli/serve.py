"""`beatwatch serve`: the headless engine, for systemd."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import Any

import click

from beatwatch.cli.context import location_options, settings_from
from beatwatch.cli.event_loop import run_event_loop
from beatwatch.core.counting import counted
from beatwatch.logs import log_to_stderr
from beatwatch.runtime import start_engine
from beatwatch.service.service import Service

log = logging.getLogger("beatwatch")


@click.command("serve")
@click.option("--listen", help="HOST:PORT to receive pings on (default 0.0.0.0:8790).")
@location_options
@click.pass_context
def serve_command(ctx: click.Context, listen: str | None, **where: Any) -> None:
    """Run the engine without the terminal UI: receive pings, evaluate, alert."""
    settings = settings_from(ctx, listen=listen, **where)
    log_to_stderr()
    run_event_loop(_serve(settings))


async def _serve(settings: Any) -> None:
    service = await Service.open(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        await start_engine(service)
        checks = counted(len(await service.list_checks()), "check")
        log.info("beatwatch is watching %s; data in %s", checks, service.store.location)
        await stop.wait()
        log.info("shutting down")
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(Exception):
                loop.remove_signal_handler(signum)
        await service.close()
    log.info("stopped")
