"""Make the SVG screenshots in screenshots/ from the real app on the demo fleet.

    python tests/ui/export_screenshots.py [SCENE ...]   (no scene names: all of them)

The demo is written at a fixed moment (beatwatch.demo.FIXED_NOW) and shown at 120x40 in UTC,
so the pictures only change when the UI does. The same scenes back the snapshot tests.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from textual.pilot import Pilot

from beatwatch.config import Settings
from beatwatch.demo import FIXED_NOW, build_demo
from beatwatch.service.service import Service
from beatwatch.ui.app import BeatwatchApp
from beatwatch.ui.themes import load_themes

SIZE = (120, 40)
OUT = Path(__file__).resolve().parents[2] / "screenshots"
Scene = Callable[[Pilot[None]], Awaitable[None]]


async def settle(pilot: Pilot[None]) -> None:
    """Let the throttled refreshes and the history loads finish."""
    await pilot.pause(1.2)


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
}


async def render(scene: Scene, theme: str = "beatwatch-dark") -> str:
    """One scene as SVG, on a fresh demo fleet."""
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(
            data_dir=Path(data_dir), public_url="http://monitor.lan:8790", listen_port=0
        )
        service = await Service.open(settings)
        try:
            await build_demo(service, FIXED_NOW)
            app = BeatwatchApp(
                service,
                theme_name=theme,
                run_engine=False,
                clock=lambda: FIXED_NOW,
                user_theme_dir=Path(data_dir),
            )
            async with app.run_test(size=SIZE) as pilot:
                await scene(pilot)
                return app.export_screenshot(title="beatwatch")
        finally:
            await service.close()


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


async def main(names: list[str]) -> None:
    OUT.mkdir(exist_ok=True)
    shots = [(name, scene, "beatwatch-dark") for name, scene in SCENES.items()]
    shots += [(name, focused_form, theme) for name, theme in THEMED.items()]
    for name, scene, theme in shots:
        if names and name not in names:
            continue
        (OUT / f"{name}.svg").write_text(await render(scene, theme), encoding="utf-8")
        print(f"wrote screenshots/{name}.svg")


if __name__ == "__main__":
    os.environ["TZ"] = "UTC"
    time.tzset()
    sys.exit(asyncio.run(main(sys.argv[1:])))
