"""Opening the terminal UI: `beatwatch` on its own, and `beatwatch demo` on a throwaway fleet."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import click

from beatwatch.cli.context import settings_from
from beatwatch.cli.event_loop import run_event_loop
from beatwatch.config import Settings
from beatwatch.logs import log_to_file
from beatwatch.service.service import Service

Prepare = Callable[[Service], Awaitable[Callable[[], Awaitable[None]] | None]]
# The terminal closing (SIGHUP) or a plain `kill`: the UI quits as if asked, so the engine
# stops cleanly and a demo's throwaway data dir is removed.
QUIT_SIGNALS = (signal.SIGHUP, signal.SIGTERM)


def open_tui(
    ctx: click.Context, prepare: Prepare | None = None, throwaway: bool = False, **flags: Any
) -> None:
    """Run the TUI with the engine embedded (or attached to the one already running). A
    throwaway one (the demo's) quits without asking: no monitoring stops with it."""
    settings = settings_from(ctx, **flags)
    log_to_file(settings.data_dir)
    run_event_loop(_run(settings, prepare, throwaway))


async def _run(settings: Settings, prepare: Prepare | None, throwaway: bool) -> None:
    # Imported here so that the scriptable commands never pay for loading Textual.
    from beatwatch.ui.app import BeatwatchApp, SetUp

    service = await Service.open(settings)
    background: asyncio.Task[None] | None = None
    loop = asyncio.get_running_loop()

    async def set_up() -> None:
        nonlocal background
        assert prepare is not None
        if (job := await prepare(service)) is not None:
            background = asyncio.create_task(job())

    try:
        app = BeatwatchApp(
            service,
            theme_name=settings.theme,
            keymap=settings.keymap,
            ask_before_quit=not throwaway,
            # Drawn first, then prepared: the demo's fleet takes a few seconds to write.
            set_up=SetUp("Writing the demo fleet…", set_up) if prepare else None,
        )
        for signum in QUIT_SIGNALS:
            loop.add_signal_handler(signum, app.exit)
        await app.run_async()
    finally:
        for signum in QUIT_SIGNALS:
            loop.remove_signal_handler(signum)
        if background is not None:
            background.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await background
        await service.close()


async def _prepare_demo(service: Service) -> Callable[[], Awaitable[None]]:
    from beatwatch.demo import DemoInbox, build_demo, simulate, try_mail_channel

    inbox = DemoInbox()
    await inbox.start()
    fleet = await build_demo(service, inbox_url=inbox.url)

    async def run() -> None:
        try:
            await try_mail_channel(service, fleet)
            await simulate(service, fleet)
        finally:
            await inbox.stop()

    return run


@click.command("demo")
@click.option("--theme", help="Colour theme (beatwatch-dark, beatwatch-light, ...).")
@click.option(
    "--listen",
    default="127.0.0.1:0",
    show_default=True,
    help="HOST:PORT for the demo's pings (port 0: any free port).",
)
@click.pass_context
def demo_command(ctx: click.Context, theme: str | None, listen: str) -> None:
    """Try the terminal UI on a made-up fleet of about thirty jobs; nothing is kept."""
    with tempfile.TemporaryDirectory(prefix="beatwatch-demo-") as data_dir:
        open_tui(
            ctx, _prepare_demo, throwaway=True, data_dir=Path(data_dir), theme=theme, listen=listen
        )
