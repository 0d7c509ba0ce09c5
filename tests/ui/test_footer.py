"""The footer's keys: in a narrow terminal the command palette's key makes way for help and
quit; in a wide one it shows, beside every screen's keys."""

from __future__ import annotations

from textual.widgets._footer import FooterKey

from beatwatch.demo import FIXED_NOW, build_demo
from beatwatch.ui.app import BeatwatchApp
from beatwatch.ui.screens.check_detail import CheckDetailScreen
from beatwatch.ui.widgets.checks_table import ChecksTable
from beatwatch.ui.widgets.keys_footer import PALETTE_KEY_WIDTH, KeysFooter
from tests.conftest import wait_for


def footer_keys(app: BeatwatchApp) -> dict[str, FooterKey]:
    """The keys the footer shows, by their description."""
    footer = app.screen.query_one(KeysFooter)
    return {key.description: key for key in footer.query(FooterKey) if displayed(key, footer)}


def displayed(key: FooterKey, footer: KeysFooter) -> bool:
    """Neither the key nor a group it sits in is hidden."""
    return all(node.display for node in (key, *key.ancestors) if node is not footer)


def shown_whole(app: BeatwatchApp, description: str) -> bool:
    """The key is laid out in the footer, with no part of it past the right edge or under the
    palette's key."""
    keys = footer_keys(app)
    if description not in keys or not keys[description].region:
        return False
    palette = keys.get("palette")
    if palette is not None and not palette.region:
        return False
    right = palette.region.x if palette is not None else app.size.width
    return keys[description].region.right <= right


async def test_help_and_quit_show_in_an_80_column_terminal(service, tmp_path):
    await build_demo(service, FIXED_NOW)
    app = BeatwatchApp(service, run_engine=False, clock=lambda: FIXED_NOW, user_theme_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(lambda: shown_whole(app, "Help"))
        assert shown_whole(app, "Quit") and shown_whole(app, "Filter")
        assert "palette" not in footer_keys(app)

        await pilot.resize_terminal(PALETTE_KEY_WIDTH, 40)
        await wait_for(lambda: "palette" in footer_keys(app))
        await pilot.resize_terminal(80, 24)
        await wait_for(lambda: "palette" not in footer_keys(app))


async def test_in_a_wide_terminal_every_screen_has_room_for_the_palette_key(service, tmp_path):
    await build_demo(service, FIXED_NOW)
    app = BeatwatchApp(service, run_engine=False, clock=lambda: FIXED_NOW, user_theme_dir=tmp_path)
    async with app.run_test(size=(PALETTE_KEY_WIDTH, 40)) as pilot:
        await wait_for(lambda: app.screen.query_one(ChecksTable).row_count == 30)
        for key in ("enter", "2", "3", "4", "5", "6", "1"):
            await pilot.press(key)
            if key == "enter":
                await wait_for(lambda: isinstance(app.screen, CheckDetailScreen))
            await wait_for(lambda: "palette" in footer_keys(app))
            # The app's keys come last: when they show whole, all the screen's do.
            await wait_for(lambda: shown_whole(app, "Help"))
            assert shown_whole(app, "Quit")


async def test_the_footer_builds_each_set_of_keys_once(service, tmp_path):
    # Building a set mounts a widget per key and lays the screen out again: 10-100 ms at
    # 10,000 checks, which the key pressed next would wait for.
    await build_demo(service, FIXED_NOW)
    app = BeatwatchApp(service, run_engine=False, clock=lambda: FIXED_NOW, user_theme_dir=tmp_path)
    async with app.run_test(size=(PALETTE_KEY_WIDTH, 40)) as pilot:
        await wait_for(lambda: "Details" in footer_keys(app))
        await settled(pilot)
        table_keys = footer_keys(app)
        sets = []
        for key, in_table in (("slash", False), ("escape", True)) * 2:
            await pilot.press(key)
            await wait_for(lambda in_table=in_table: ("Details" in footer_keys(app)) == in_table)
            await settled(pilot)
            sets.append(footer_keys(app))
        filter_keys, back, filter_again, back_again = sets
        assert filter_keys.keys() != table_keys.keys()
        assert back.keys() == table_keys.keys()
        assert list(map(id, filter_again.values())) == list(map(id, filter_keys.values()))
        assert list(map(id, back_again.values())) == list(map(id, table_keys.values()))

        await pilot.press("down")
        await settled(pilot)
        assert list(map(id, footer_keys(app).values())) == list(map(id, table_keys.values()))


async def settled(pilot) -> None:
    """Until the app has handled what it had queued, a few rounds over."""
    for _ in range(4):
        await pilot.pause()
