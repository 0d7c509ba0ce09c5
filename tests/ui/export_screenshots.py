"""Make SVG screenshots from the real app on the demo fleet.

    python tests/ui/export_screenshots.py [SCENE ...]              the README's, in screenshots/
    python tests/ui/export_screenshots.py --snapshots [SCENE ...]  the snapshot tests' baselines

The README's are taken as `beatwatch demo` runs: the demo written as of now, the engine
running and sending its alerts to the demo's inbox, at 120x40 and (a few) at 80x24. The
snapshot tests' are taken with the engine off, the demo written at a fixed moment
(beatwatch.demo.FIXED_NOW) and shown at 120x40 in UTC, so they change only when the UI does.
No scene names: all of them.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from textual.app import App
from textual.pilot import Pilot

from beatwatch.config import Settings
from beatwatch.demo import FIXED_NOW, DemoInbox, build_demo, try_mail_channel
from beatwatch.service.service import Service
from beatwatch.ui.app import BeatwatchApp
from beatwatch.ui.screens.check_detail import LOADING
from beatwatch.ui.themes import load_themes

SIZE = (120, 40)
SMALL = (80, 24)
OUT = Path(__file__).resolve().parents[2] / "screenshots"
SNAPSHOT_DIR = Path(__file__).resolve().parent / "snapshots"
Scene = Callable[[Pilot[None]], Awaitable[None]]


# Workers that run for as long as the app does.
LASTING_WORKERS = frozenset({"watch", "follow"})


async def settle(pilot: Pilot[None]) -> None:
    """Let the throttled refreshes pass (they wait up to a second), then the screen's loads
    finish, however long a busy machine makes them take: no worker busy, nothing still
    saying it is loading."""
    await pilot.pause(1.2)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and _still_loading(pilot.app):
        await pilot.pause(0.05)
    await pilot.pause()


def _still_loading(app: App[None]) -> bool:
    busy = any(
        not worker.is_finished and worker.group not in LASTING_WORKERS for worker in app.workers
    )
    return busy or LOADING in app.export_screenshot()


async def checks(pilot: Pilot[None]) -> None:
    await settle(pilot)


async def detail(pilot: Pilot[None]) -> None:
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def needing_action_by_name(pilot: Pilot[None]) -> None:
    """The checks that need action, sorted by name: the filter box and the header's arrow."""
    await settle(pilot)
    await pilot.press("exclamation_mark", "o", "o")
    await settle(pilot)


async def ping_history(pilot: Pilot[None]) -> None:
    """The detail of a failing check scrolled down to its ping history, fail pings only."""
    await settle(pilot)
    await pilot.press("down", "enter")
    await settle(pilot)
    await pilot.press("f")
    pilot.app.screen.query_one("#detail").scroll_end(animate=False)
    await settle(pilot)


async def edit_form(pilot: Pilot[None]) -> None:
    await settle(pilot)
    await pilot.press("down", "e")
    await settle(pilot)


async def maintenance_form(pilot: Pilot[None]) -> None:
    """A weekly window being asked for on the first host."""
    await settle(pilot)
    await pilot.press("5")
    await settle(pilot)
    await pilot.press("m")
    await settle(pilot)
    await pilot.click("#kind-weekly")
    for field, text in (
        ("days", "sun"),
        ("start", "02:00"),
        ("length", "2h"),
        ("tz", "Europe/Berlin"),
    ):
        pilot.app.screen.query_one(f"#{field}").focus()
        await pilot.press(*text)
    await settle(pilot)


async def help_screen(pilot: Pilot[None]) -> None:
    await settle(pilot)
    await pilot.press("question_mark")
    await settle(pilot)


def section(key: str) -> Scene:
    """The scene of one section, reached by its number key."""

    async def scene(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press(key)
        await settle(pilot)

    return scene


SCENES: dict[str, Scene] = {
    "checks": checks,
    "check-detail": detail,
    "checks-needing-action": needing_action_by_name,
    "ping-history": ping_history,
    "edit-form": edit_form,
    "maintenance-form": maintenance_form,
    "help": help_screen,
    "log": section("2"),
    "unknown-pings": section("3"),
    "incidents": section("4"),
    "hosts": section("5"),
    "channels": section("6"),
    "rotations": section("7"),
}


async def render(
    scene: Scene, theme: str = "beatwatch-dark", size: tuple[int, int] = SIZE, live: bool = False
) -> str:
    """One scene as SVG, on a fresh demo fleet: `live`, as `beatwatch demo` shows it now,
    else at FIXED_NOW with the engine off."""
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(
            data_dir=Path(data_dir),
            public_url="http://monitor.lan:8790",
            listen_host="127.0.0.1",
            listen_port=0,
        )
        service = await Service.open(settings)
        inbox = DemoInbox()
        try:
            if live:
                await inbox.start()
                fleet = await build_demo(service, inbox_url=inbox.url)
            else:
                fleet = await build_demo(service, FIXED_NOW)
            await try_mail_channel(service, fleet)
            app = BeatwatchApp(
                service,
                theme_name=theme,
                run_engine=live,
                clock=time.time if live else lambda: FIXED_NOW,
                user_theme_dir=Path(data_dir),
            )
            async with app.run_test(size=size) as pilot:
                await scene(pilot)
                return app.export_screenshot(title="beatwatch")
        finally:
            await service.close()
            await inbox.stop()


# The check form in every shipped theme: its focus and choices must read in each.
SHIPPED_THEMES = sorted(theme.name for theme in load_themes(OUT / "no user themes").themes)
THEMED = {f"form-{theme}": theme for theme in SHIPPED_THEMES}


async def focused_form(pilot: Pilot[None]) -> None:
    """The form of an interval check, one alert type switched off and the focus on another,
    so that the choices, on and off, and the focus all show."""
    await settle(pilot)
    await pilot.press("e")
    await settle(pilot)
    pilot.app.screen.query_one("#alert-stuck").value = False
    pilot.app.screen.query_one("#alert-missed").focus()
    await settle(pilot)


# The scenes also shown at 80x24, as NAME-80x24.svg.
SMALL_SCENES = ("checks", "log", "unknown-pings")


async def main(names: list[str]) -> None:
    live = "--snapshots" not in names
    names = [n for n in names if n != "--snapshots"]
    folder = OUT if live else SNAPSHOT_DIR
    folder.mkdir(exist_ok=True)
    shots = [(name, scene, "beatwatch-dark", SIZE) for name, scene in SCENES.items()]
    shots += [(name, focused_form, theme, SIZE) for name, theme in THEMED.items()]
    if live:
        shots += [(f"{n}-80x24", SCENES[n], "beatwatch-dark", SMALL) for n in SMALL_SCENES]
    for name, scene, theme, size in shots:
        if names and name not in names:
            continue
        svg = await render(scene, theme, size, live)
        (folder / f"{name}.svg").write_text(svg, encoding="utf-8")
        print(f"wrote {folder.relative_to(OUT.parent)}/{name}.svg")


if __name__ == "__main__":
    os.environ["TZ"] = "UTC"
    time.tzset()
    sys.exit(asyncio.run(main(sys.argv[1:])))
