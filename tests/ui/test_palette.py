"""The command palette finds any check and acts on the selected one; it and the help list
beatwatch's own actions first and leave out Textual's widget keys."""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing

from textual.command import CommandList, CommandPalette
from textual.containers import VerticalScroll

from beatwatch.core.model import Check, PingKind, PingRequest, State
from beatwatch.core.validation import CheckSpec
from beatwatch.ui.app import BeatwatchApp
from beatwatch.ui.screens.check_detail import CheckDetailScreen
from beatwatch.ui.screens.help import HelpScreen
from beatwatch.ui.widgets.checks_table import ChecksTable
from tests.conftest import wait_for
from tests.ui.conftest import SIZE

TEXTUAL_INTERNALS = ("Up key", "Cursor left", "Maximize", "Scroll Left", "Focus Next", "Screenshot")


def options(app: BeatwatchApp) -> list[str]:
    listed = app.screen.query_one(CommandList)
    return [str(listed.get_option_at_index(n).prompt) for n in range(listed.option_count)]


async def palette_opened(app: BeatwatchApp, pilot) -> None:
    await wait_for(lambda: app.screen.query_one(ChecksTable).row_count == 3)
    await pilot.press("ctrl+p")
    await wait_for(lambda: isinstance(app.screen, CommandPalette))


async def fleet(service) -> dict[str, Check]:
    ids = {}
    for name, tags, host in [
        ("nightly dump", ["backup"], "db2"),
        ("cert renewal", ["tls"], "web1"),
        ("logrotate", [], "web1"),
    ]:
        check = await service.add_check(
            CheckSpec(name=name, every_seconds=3600, tags=tags, host=host)
        )
        ids[name] = check
    return ids


async def test_the_palette_finds_a_check_by_tag_and_opens_it(service, tmp_path):
    ids = await fleet(service)
    app = BeatwatchApp(service, run_engine=False, user_theme_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await palette_opened(app, pilot)
        await pilot.press(*"backup")
        await wait_for(lambda: options(app)[:1] and "Open nightly dump" in options(app)[0])
        # Its actions are offered beside it, and no other check is.
        listed = "\n".join(options(app))
        assert "Pause nightly dump" in listed and "Maintenance on db2" in listed
        assert "cert renewal" not in listed
        await pilot.press("enter")
        await wait_for(lambda: isinstance(app.screen, CheckDetailScreen))
        assert app.screen.check_id == ids["nightly dump"].id


async def test_the_palette_finds_checks_by_host_and_slug(service, tmp_path):
    await fleet(service)
    app = BeatwatchApp(service, run_engine=False, user_theme_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await palette_opened(app, pilot)
        await pilot.press(*"web1")
        await wait_for(lambda: any("Open cert renewal" in o for o in options(app)))
        assert any("Open logrotate" in o for o in options(app))
        await pilot.press(*["backspace"] * 4, *"cert-renewal")
        await wait_for(lambda: options(app)[:1] and "Open cert renewal" in options(app)[0])


async def test_the_palette_acts_on_the_selected_check_first(service, tmp_path):
    ids = await fleet(service)
    check = ids["nightly dump"]
    await service.record_ping(PingRequest(PingKind.FAIL, uuid=check.uuid, at=time.time()))
    app = BeatwatchApp(service, run_engine=False, user_theme_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        table = app.screen.query_one(ChecksTable)
        await wait_for(lambda: table.row_count == 3 and table.selected_id() == check.id)
        await pilot.press("ctrl+p")
        await wait_for(lambda: isinstance(app.screen, CommandPalette) and len(options(app)) > 5)
        listed = options(app)
        assert listed[0].startswith("Pause nightly dump")
        assert any(o.startswith("Acknowledge nightly dump") for o in listed)
        assert not any(o.startswith(TEXTUAL_INTERNALS) for o in listed), listed
        # The screen's own actions come before the sections, help and quit.
        assert listed.index(next(o for o in listed if o.startswith("New"))) < listed.index(
            next(o for o in listed if o.startswith("Quit"))
        )
        await pilot.press("enter")
        await wait_for(lambda: not isinstance(app.screen, CommandPalette))
        await wait_for(lambda: app.screen.__class__.__name__ == "PauseScreen")
        await pilot.press("escape")
        await wait_for(lambda: app.fleet.state_of(check.id) is State.FAILING)


async def test_help_lists_beatwatch_keys_first_and_scrolls_with_j_and_k(service, tmp_path):
    await fleet(service)
    app = BeatwatchApp(service, run_engine=False, user_theme_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(lambda: app.screen.query_one(ChecksTable).row_count == 3)
        await pilot.press("question_mark")
        await wait_for(lambda: isinstance(app.screen, HelpScreen))
        lines = str(app.screen.query_one("#help-keys").render()).splitlines()
        assert lines[0].split() == ["n", "New", "checks.new"]
        assert not any(internal in line for line in lines for internal in TEXTUAL_INTERNALS)
        scroll = app.screen.query_one("#help-scroll", VerticalScroll)
        await wait_for(lambda: scroll.max_scroll_y > 0)
        await pilot.press("j", "j")
        await wait_for(lambda: scroll.scroll_y == 2)
        await pilot.press("k")
        await wait_for(lambda: scroll.scroll_y == 1)
        await pilot.press("G")
        await wait_for(lambda: scroll.scroll_y == scroll.max_scroll_y)


async def test_a_check_name_reaches_the_palette_with_its_controls_shown(service, tmp_path):
    """A name stored before names were checked, or written by another tool."""
    await fleet(service)
    check = await service.add_check(CheckSpec(name="evil job", every_seconds=3600))
    with closing(sqlite3.connect(service.store.path)) as conn, conn:
        conn.execute(
            "UPDATE checks SET name = ? WHERE id = ?", ("evil\x1b]52;c;eA==\x07 job", check.id)
        )
    app = BeatwatchApp(service, run_engine=False, user_theme_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(lambda: app.screen.query_one(ChecksTable).row_count == 4)
        await pilot.press("ctrl+p")
        await wait_for(lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"evil")
        await wait_for(lambda: any(o.startswith("Open evil") for o in options(app)))
        listed = "\n".join(options(app))
        assert "\x1b" not in listed and "\x07" not in listed and "␛]52" in listed


async def test_the_palette_shows_names_hosts_and_tags_as_typed_never_as_markup(service, tmp_path):
    # "[/x]" read as markup is a closing tag with no opening one: the palette would fail.
    for name, tags, host in [
        ("dump [/x] db", ["[bold]tier1"], "db[/]2"),
        ("cert renewal", [], None),
        ("logrotate", [], None),
    ]:
        await service.add_check(CheckSpec(name=name, every_seconds=3600, tags=tags, host=host))
    app = BeatwatchApp(service, run_engine=False, user_theme_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await palette_opened(app, pilot)
        await pilot.press(*"dump")
        await wait_for(lambda: options(app)[:1] and "Open dump [/x] db" in options(app)[0])
        assert "db[/]2" in options(app)[0] and "[bold]tier1" in options(app)[0]
        assert app.is_running
