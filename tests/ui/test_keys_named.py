"""Text that says which key to press names the key as bound: remapped in the [keymap], the
notices, summary lines, hints and buttons follow."""

from __future__ import annotations

import time

from textual.widgets import Button, Input, Static

from beatwatch.core.model import PingKind, PingRequest
from beatwatch.core.validation import CheckSpec
from beatwatch.service.service import Service
from beatwatch.ui.app import BeatwatchApp
from beatwatch.ui.screens.channel_form import ChannelFormScreen
from beatwatch.ui.screens.channels import ChannelsScreen
from beatwatch.ui.screens.check_detail import CheckDetailScreen
from beatwatch.ui.screens.check_form import CheckFormScreen
from beatwatch.ui.screens.confirm import ConfirmScreen
from beatwatch.ui.screens.hosts import HostsScreen
from beatwatch.ui.screens.incidents import IncidentsScreen
from beatwatch.ui.screens.maintenance import MaintenanceScreen
from beatwatch.ui.screens.pause import PauseScreen
from beatwatch.ui.widgets.checks_table import ChecksTable
from tests.conftest import wait_for
from tests.ui.conftest import SIZE

KEYMAP = {
    "app.help": "h",
    "app.show-channels": "c",
    "channels.add": "plus",
    "channels.edit": "U",
    "channels.default": "D",
    "channels.test": "T",
    "channels.remove": "R",
    "checks.new": "N",
    "table.filter": "f",
    "table.clear-filter": "ctrl+o",
    "checks.pause": "P",
    "checks.delete": "X",
    "detail.edit": "E",
    "detail.acknowledge": "A",
    "incidents.acknowledge": "A",
    "incidents.notifications": "w",
    "hosts.start-maintenance": "M",
    "hosts.end-maintenance": "ctrl+e",
    "hosts.remove-window": "W",
    "confirm.yes": "Y",
    "confirm.no": "ctrl+n,escape",
    "form.save": "ctrl+w",
    "form.cancel": "f2",
    "pause.cancel": "f2",
    "maintenance.cancel": "f3",
    "channel-form.save": "ctrl+w",
    "channel-form.cancel": "f3",
}


def remapped(service: Service, tmp_path, keymap: dict[str, str] = KEYMAP) -> BeatwatchApp:
    return BeatwatchApp(service, run_engine=False, keymap=keymap, user_theme_dir=tmp_path)


def text_of(app: BeatwatchApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def notices(app: BeatwatchApp) -> str:
    return " ".join(n.message for n in app._notifications)


def button(app: BeatwatchApp, button_id: str) -> str:
    return str(app.screen.query_one(f"#{button_id}", Button).label)


async def failed_check(service: Service, host: str | None = None) -> int:
    check = await service.add_check(CheckSpec(name="pg dump", every_seconds=3600, host=host))
    await service.record_ping(
        PingRequest(PingKind.FAIL, uuid=check.uuid, exit_code=2, at=time.time())
    )
    return check.id


async def test_the_check_detail_names_the_keys_as_bound(service, tmp_path):
    check_id = await failed_check(service)
    app = remapped(service, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(lambda: check_id in app.screen.query_one(ChecksTable).shown_ids)
        await pilot.press("enter")
        await wait_for(lambda: isinstance(app.screen, CheckDetailScreen))
        await wait_for(lambda: "not acknowledged (A: acknowledge)" in text_of(app, "#info"))
        await pilot.press("t")
        await wait_for(lambda: "No channel would" in notices(app))
        assert (
            "No channel would get this check's alerts: on the Channels screen (c), + adds a "
            "channel and D makes one a default; or name one in the check (E)."
        ) in notices(app)
        await pilot.press("m")
        await wait_for(lambda: "names no host; set one with E to use" in notices(app))


async def test_the_alerting_screens_name_the_keys_as_bound(service, tmp_path):
    await failed_check(service, host="db1")
    await service.alerts.add_channel("ops", "json://127.0.0.1:9/hook")
    app = remapped(service, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4")
        await wait_for(lambda: isinstance(app.screen, IncidentsScreen))
        await wait_for(lambda: "A: acknowledge · w: who was told" in text_of(app, "#summary"))

        await pilot.press("5")
        await wait_for(lambda: isinstance(app.screen, HostsScreen))
        summary = "M: start · ^e: end now · W: remove a window"
        await wait_for(lambda: summary in text_of(app, "#summary"))
        await wait_for(lambda: "M starts maintenance" in text_of(app, "#row-detail"))
        await pilot.press("M")
        await wait_for(lambda: isinstance(app.screen, MaintenanceScreen))
        assert button(app, "cancel") == "Cancel [f3]"
        await pilot.press("f3")
        await wait_for(lambda: isinstance(app.screen, HostsScreen))

        await pilot.press("c")
        await wait_for(lambda: isinstance(app.screen, ChannelsScreen))
        summary = "+: add · U: edit · T: test · D: default · R: remove"
        await wait_for(lambda: summary in text_of(app, "#summary"))
        # ops is the only channel: unmarking it as the default strands the failed check.
        await pilot.press("D")
        await wait_for(lambda: "ops is now a default channel" in notices(app))
        await pilot.press("D")
        await wait_for(lambda: "D on any channel makes it a default." in notices(app))
        await pilot.press("plus")
        await wait_for(lambda: isinstance(app.screen, ChannelFormScreen))
        assert (button(app, "save"), button(app, "cancel")) == ("Add [^w]", "Cancel [f3]")


async def test_the_checks_screen_and_its_dialogs_name_the_keys_as_bound(service, tmp_path):
    app = remapped(service, tmp_path, {**KEYMAP, "checks.nwe": "n"})
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(lambda: "press N to add one" in text_of(app, "#summary"))
        # The keymap's own mistakes say which key lists the keys.
        await wait_for(lambda: "(h lists each screen's keys" in notices(app))

        await pilot.press("N")
        await wait_for(lambda: isinstance(app.screen, CheckFormScreen))
        assert (button(app, "save"), button(app, "cancel")) == ("Save [^w]", "Cancel [f2]")
        await pilot.press("f2")
        await wait_for(lambda: not isinstance(app.screen, CheckFormScreen))

        check = await service.add_check(CheckSpec(name="pg dump", every_seconds=3600))
        await wait_for(lambda: check.id in app.screen.query_one(ChecksTable).shown_ids)
        await pilot.press("f")
        box = app.screen.query_one("#filter", Input)
        await wait_for(
            lambda: box.border_title == "type to filter · enter: browse the matches · ^o: clear"
        )
        await pilot.press("p", "g", "enter")
        await wait_for(lambda: "f to change · ^o to clear" in str(box.border_title))

        await pilot.press("P")
        await wait_for(lambda: isinstance(app.screen, PauseScreen))
        assert button(app, "cancel") == "Cancel [f2]"
        await pilot.press("f2")
        await wait_for(lambda: not isinstance(app.screen, PauseScreen))

        await pilot.press("X")
        await wait_for(lambda: isinstance(app.screen, ConfirmScreen))
        assert (button(app, "yes"), button(app, "no")) == ("Delete [Y]", "Cancel [^n]")
