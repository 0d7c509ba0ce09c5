"""The incidents, hosts and channels screens and the alerting keys of the check detail, driven
by keys on a real service, a real SQLite file and real Apprise deliveries to a local hook."""

from __future__ import annotations

import time

from textual.widgets import DataTable, Input, Static

from beatwatch.core.model import Check, PingKind, PingRequest
from beatwatch.core.validation import CheckSpec
from beatwatch.ui.app import BeatwatchApp
from beatwatch.ui.screens.channel_form import ChannelFormScreen
from beatwatch.ui.screens.channels import ChannelsScreen
from beatwatch.ui.screens.check_detail import CheckDetailScreen
from beatwatch.ui.screens.checks import ChecksScreen
from beatwatch.ui.screens.confirm import ConfirmScreen
from beatwatch.ui.screens.help import HelpScreen
from beatwatch.ui.screens.hosts import HostsScreen
from beatwatch.ui.screens.incidents import IncidentsScreen
from beatwatch.ui.screens.live_table import selected_key
from beatwatch.ui.screens.maintenance import MaintenanceScreen
from beatwatch.ui.screens.notifications import NotificationsScreen
from beatwatch.ui.widgets.checks_table import ChecksTable
from tests.conftest import wait_for
from tests.ui.conftest import SIZE, cli_json
from tests.webhook import Hook


def app_for(service, tmp_path) -> BeatwatchApp:
    return BeatwatchApp(service, run_engine=False, user_theme_dir=tmp_path)


def cell(app: BeatwatchApp, row: str, column: str) -> str:
    table = app.screen.query_one(DataTable)
    if row not in table.rows:
        return ""
    return str(table.get_cell(row, column))


def text_of(app: BeatwatchApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def fail(service, check: Check) -> None:
    await service.record_ping(
        PingRequest(PingKind.FAIL, uuid=check.uuid, exit_code=2, at=time.time())
    )


async def test_incidents_appear_live_and_are_acknowledged(service, tmp_path):
    check = await service.add_check(CheckSpec(name="pg dump", every_seconds=3600))
    app = app_for(service, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4")
        await wait_for(lambda: isinstance(app.screen, IncidentsScreen))
        await wait_for(lambda: "No incidents" in text_of(app, "#summary"))
        await fail(service, check)
        [incident] = await service.alerts.incidents()
        row = str(incident.id)
        await wait_for(lambda: "not acknowledged" in cell(app, row, "status"))
        assert "FAILING" in cell(app, row, "state")
        assert "exit code 2" in text_of(app, "#row-detail")
        await pilot.press("a")
        await wait_for(lambda: "acknowledged just now" in cell(app, row, "status"))
        assert (await service.alerts.incident(incident.id)).acknowledged_at is not None
        await pilot.press("enter")
        await wait_for(lambda: isinstance(app.screen, NotificationsScreen))
        # No channel existed when it opened, and the screen says why nothing was sent.
        await wait_for(lambda: "No message was sent" in text_of(app, "#notifications-empty"))


async def test_ages_stay_true_while_a_screen_stays_open(service, tmp_path):
    await service.alerts.add_channel("ops", "json://127.0.0.1:9/hook", is_default=True)
    check = await service.add_check(CheckSpec(name="pg dump", every_seconds=86400))
    await fail(service, check)
    [incident] = await service.alerts.incidents()
    [message] = await service.alerts.notifications(incident.id)
    now = time.time()
    app = BeatwatchApp(service, run_engine=False, user_theme_dir=tmp_path, clock=lambda: now)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4")
        row = str(incident.id)
        await wait_for(lambda: cell(app, row, "opened").endswith("(just now)"))
        now += 20 * 60
        await wait_for(lambda: cell(app, row, "opened").endswith("(20m ago)"))
        # A clock set back makes them wrong too.
        now -= 60 * 60
        await wait_for(lambda: cell(app, row, "opened").endswith("(in 40m)"))

        # The notifications window over it, too.
        await pilot.press("enter")
        await wait_for(lambda: isinstance(app.screen, NotificationsScreen))
        row = str(message.id)
        await wait_for(lambda: cell(app, row, "queued").endswith("(in 40m)"))
        now += 60 * 60
        await wait_for(lambda: cell(app, row, "queued").endswith("(20m ago)"))


async def test_the_check_detail_keeps_its_ages_true_on_the_apps_clock(service, tmp_path):
    check = await service.add_check(CheckSpec(name="pg dump", every_seconds=86400))
    await fail(service, check)
    [ping] = await service.pings(str(check.id), 1)
    now = time.time()
    app = BeatwatchApp(service, run_engine=False, user_theme_dir=tmp_path, clock=lambda: now)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(lambda: check.id in app.screen.query_one(ChecksTable).shown_ids)
        await pilot.press("enter")
        await wait_for(lambda: isinstance(app.screen, CheckDetailScreen))
        row = str(ping.number)
        await wait_for(lambda: cell(app, row, "when").endswith("(just now)"))
        now += 20 * 60
        await wait_for(lambda: cell(app, row, "when").endswith("(20m ago)"))
        await wait_for(lambda: "FAILING  20m ago" in text_of(app, "#timeline"))
        # A clock set back makes them wrong too.
        now -= 60 * 60
        await wait_for(lambda: cell(app, row, "when").endswith("(in 40m)"))
        await wait_for(lambda: "FAILING  in 40m" in text_of(app, "#timeline"))


async def test_a_new_ping_leaves_the_detail_cursor_on_its_ping(service, tmp_path):
    check = await service.add_check(CheckSpec(name="pg dump", every_seconds=86400))
    await fail(service, check)
    [ping] = await service.pings(str(check.id), 1)
    app = app_for(service, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(lambda: check.id in app.screen.query_one(ChecksTable).shown_ids)
        await pilot.press("enter")
        await wait_for(lambda: isinstance(app.screen, CheckDetailScreen))
        table = app.screen.query_one(DataTable)
        await wait_for(lambda: table.row_count == 1)
        await service.record_ping(PingRequest(PingKind.SUCCESS, uuid=check.uuid, at=time.time()))
        await wait_for(lambda: table.row_count == 2)
        assert selected_key(table) == str(ping.number)


async def test_the_detail_shows_job_output_as_it_is_not_as_markup(service, tmp_path):
    check = await service.add_check(CheckSpec(name="pg dump", every_seconds=86400))
    output = b"[error] disk full on [/var]"
    await service.record_ping(
        PingRequest(PingKind.FAIL, uuid=check.uuid, exit_code=1, body=output, at=time.time())
    )
    app = app_for(service, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(lambda: check.id in app.screen.query_one(ChecksTable).shown_ids)
        await pilot.press("enter")
        await wait_for(lambda: isinstance(app.screen, CheckDetailScreen))
        table = app.screen.query_one(DataTable)
        # It used to be read as markup, and that closing tag stopped the app.
        await wait_for(lambda: "[error] disk full on [/var]" in table.render_line(1).text)


async def test_maintenance_from_the_hosts_screen(service, tmp_path):
    await service.add_check(CheckSpec(name="pg dump", every_seconds=3600, host="db1"))
    app = app_for(service, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("5")
        await wait_for(lambda: isinstance(app.screen, HostsScreen))
        await wait_for(lambda: cell(app, "host:db1", "checks") == "○ 1 new")
        await pilot.press("m")
        await wait_for(lambda: isinstance(app.screen, MaintenanceScreen))
        await pilot.press(*"soon", "enter")
        await wait_for(lambda: "not a duration" in text_of(app, "#duration-error"))
        await pilot.press(*("backspace",) * 4, *"2h", "enter")
        await wait_for(lambda: "in maintenance" in cell(app, "host:db1", "maintenance"))
        [host] = await service.alerts.hosts()
        assert host.in_maintenance
        [window] = host.windows
        assert window.ends_at is not None and window.ends_at > time.time() + 7000

        await pilot.press("x")
        await wait_for(lambda: "in maintenance" not in cell(app, "host:db1", "maintenance"))
        assert not (await service.alerts.hosts())[0].in_maintenance

        await pilot.press("r")
        await wait_for(lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(lambda: cell(app, "host:db1", "windows") == "none")
        assert (await service.alerts.hosts())[0].windows == []


async def test_maintenance_and_acknowledge_from_the_check_detail(service, tmp_path):
    check = await service.add_check(CheckSpec(name="pg dump", every_seconds=3600, host="db1"))
    await fail(service, check)
    app = app_for(service, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(lambda: check.id in app.screen.query_one(ChecksTable).shown_ids)
        await pilot.press("enter")
        await wait_for(lambda: isinstance(app.screen, CheckDetailScreen))
        await wait_for(lambda: "not acknowledged" in text_of(app, "#info"))
        await pilot.press("a")
        await wait_for(lambda: "acknowledged just now" in text_of(app, "#info"))

        await pilot.press("m")
        await wait_for(lambda: isinstance(app.screen, MaintenanceScreen))
        await pilot.press("enter")  # the suggested hour
        await wait_for(lambda: "in maintenance until" in text_of(app, "#info"))
        assert (await service.alerts.hosts())[0].in_maintenance
        await pilot.press("m")
        await wait_for(lambda: "in maintenance" not in text_of(app, "#info"))
        assert not (await service.alerts.hosts())[0].in_maintenance


async def test_add_test_and_remove_a_channel(service, tmp_path, hook: Hook):
    app = app_for(service, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("6")
        await wait_for(lambda: isinstance(app.screen, ChannelsScreen))
        await pilot.press("a")
        await wait_for(lambda: isinstance(app.screen, ChannelFormScreen))
        await pilot.press(*"hook")
        await pilot.click("#url")
        await pilot.press(*"nonsense", "ctrl+s")
        # The service's complaint is shown beside the URL; the form stays open.
        await wait_for(lambda: "scheme://" in text_of(app, "#url-error"))
        await pilot.press(*("backspace",) * len("nonsense"), *hook.url)
        await pilot.click("#default")
        await pilot.press("ctrl+s")
        await wait_for(lambda: isinstance(app.screen, ChannelsScreen))
        await wait_for(lambda: cell(app, "hook", "default") == "yes")
        assert (await service.alerts.channel("hook")).is_default

        await pilot.press("t")
        await wait_for(lambda: hook.titles() == ["beatwatch test message"])
        await wait_for(lambda: "working" in cell(app, "hook", "status"))

        hook.failing = True
        await pilot.press("t")
        await wait_for(lambda: "failing" in cell(app, "hook", "status"))
        await wait_for(lambda: "last error" in text_of(app, "#row-detail"))

        await pilot.press("d")
        await wait_for(lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(lambda: "No channels yet" in text_of(app, "#summary"))
        assert await service.alerts.channels() == []


async def test_mark_and_unmark_a_default_channel(service, tmp_path):
    for name in ("ops", "pager"):
        await service.alerts.add_channel(name, "json://127.0.0.1:9/hook")
    await service.add_check(CheckSpec(name="backup", every_seconds=3600))
    await service.add_check(CheckSpec(name="certbot", every_seconds=3600, channels=("pager",)))
    app = app_for(service, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("6")
        await wait_for(lambda: "2 channels, 0 default" in text_of(app, "#summary"))
        assert app.screen.query_one(DataTable).cursor_row == 0  # ops
        await pilot.press("m")
        await wait_for(lambda: cell(app, "ops", "default") == "yes")
        await wait_for(lambda: "2 channels, 1 default" in text_of(app, "#summary"))
        assert (await service.alerts.channel("ops")).is_default

        await pilot.press("m")
        await wait_for(lambda: cell(app, "ops", "default") == "")
        assert not (await service.alerts.channel("ops")).is_default
        # The last default unmarked: the check that names no channel now alerts no one, and
        # is named; the one that names pager is not.
        await wait_for(lambda: any("reach no one" in n.message for n in app._notifications))
        [warning] = [n.message for n in app._notifications if "reach no one" in n.message]
        assert "the alerts of 1 check now reach no one (backup)" in warning

        await pilot.press("question_mark")
        await wait_for(lambda: isinstance(app.screen, HelpScreen))
        assert "Default on/off  channels.default" in text_of(app, "#help-keys")


async def test_a_check_test_goes_to_its_channels(service, tmp_path, hook: Hook):
    await service.alerts.add_channel("hook", hook.url, is_default=True)
    check = await service.add_check(CheckSpec(name="pg dump", every_seconds=3600))
    app = app_for(service, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(lambda: check.id in app.screen.query_one(ChecksTable).shown_ids)
        await pilot.press("enter")
        await wait_for(lambda: isinstance(app.screen, CheckDetailScreen))
        await pilot.press("t")
        await wait_for(lambda: hook.titles() == ["beatwatch test message"])


async def test_a_channel_secret_never_reaches_the_screen(service, tmp_path, hook: Hook):
    secret = "hunter2-correct-horse"
    url = f"json://ops:{secret}@127.0.0.1:{hook.port}/hook"
    await service.alerts.add_channel("ops", url)
    app = app_for(service, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("6")
        await wait_for(lambda: "ops:****@127.0.0.1" in cell(app, "ops", "url"))
        await wait_for(lambda: "ops:****@" in text_of(app, "#row-detail"))
        await pilot.press("t")
        await wait_for(lambda: "working" in cell(app, "ops", "status"))
        assert secret not in app.export_screenshot()


async def test_the_header_tells_of_a_storage_fault(service, tmp_path):
    app = app_for(service, tmp_path)
    async with app.run_test(size=SIZE):
        await wait_for(lambda: app.sub_title.startswith("view only"))
        service.store.writer.fault = "database or disk is full"
        await wait_for(lambda: "storage fault: database or disk is full" in app.sub_title)
        assert "503" in app.sub_title
        service.store.writer.fault = None
        await wait_for(lambda: app.sub_title.startswith("view only"))


async def test_maintenance_on_a_host_no_check_names_asks_first(service, tmp_path):
    # db9 is known from an old window, but its check has moved to db1 since.
    await service.add_check(CheckSpec(name="pg dump", every_seconds=3600, host="db1"))
    await service.alerts.start_maintenance("db9", duration=60, force=True)
    await service.alerts.end_maintenance("db9")
    app = app_for(service, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("5")
        await wait_for(lambda: isinstance(app.screen, HostsScreen))
        await wait_for(lambda: cell(app, "host:db9", "checks") == "no checks")
        app.screen.query_one(DataTable).move_cursor(row=1)
        await pilot.press("m")
        await wait_for(lambda: isinstance(app.screen, MaintenanceScreen))
        await pilot.press(*"2h", "enter")
        await wait_for(lambda: isinstance(app.screen, ConfirmScreen))
        assert "No check names host 'db9' (hosts: db1)" in str(
            app.screen.query_one(".dialog-text", Static).render()
        )
        await pilot.press("n")
        await wait_for(lambda: isinstance(app.screen, HostsScreen))
        assert not [h for h in await service.alerts.hosts() if h.in_maintenance]
        await pilot.press("m")
        await wait_for(lambda: isinstance(app.screen, MaintenanceScreen))
        await pilot.press(*"2h", "enter")
        await wait_for(lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(lambda: "in maintenance" in cell(app, "host:db9", "maintenance"))


async def test_hosts_show_their_worst_state_and_counts_and_open_onto_their_checks(
    service, tmp_path
):
    dump = await service.add_check(CheckSpec(name="pg dump", every_seconds=3600, host="db1"))
    await service.add_check(CheckSpec(name="vacuum", every_seconds=3600, host="db1"))
    await service.add_check(CheckSpec(name="other", every_seconds=3600, host="db10"))
    app = app_for(service, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("5")
        await wait_for(lambda: isinstance(app.screen, HostsScreen))
        await wait_for(lambda: cell(app, "host:db1", "checks") == "○ 2 new")
        assert cell(app, "host:db1", "state") == "○ new"
        # A state changing is enough for the screen to follow, without any alerting change.
        await service.record_ping(PingRequest(PingKind.SUCCESS, uuid=dump.uuid, at=time.time()))
        await wait_for(lambda: cell(app, "host:db1", "checks") == "○ 1 new  ● 1 up")
        await fail(service, dump)
        await wait_for(lambda: cell(app, "host:db1", "state") == "✖ FAILING")
        assert cell(app, "host:db1", "checks") == "✖ 1 FAILING  ○ 1 new"

        await pilot.press("enter")
        await wait_for(lambda: isinstance(app.screen, ChecksScreen))
        table = app.screen.query_one(ChecksTable)
        # db1's checks, not db10's.
        await wait_for(lambda: len(table.shown_ids) == 2)
        assert dump.id in table.shown_ids
        assert "host:db1" in app.screen.query_one("#filter", Input).value


async def test_edit_a_channel_in_place_without_showing_its_url(service, tmp_path, hook: Hook):
    await service.alerts.add_channel("ops", f"json://127.0.0.1:{hook.port + 1}/secret-path")
    await service.add_check(CheckSpec(name="backup", every_seconds=3600, channels=("ops",)))
    app = app_for(service, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("6")
        await wait_for(lambda: isinstance(app.screen, ChannelsScreen))
        await wait_for(lambda: cell(app, "ops", "default") == "")
        await pilot.press("e")
        await wait_for(lambda: isinstance(app.screen, ChannelFormScreen))
        url = app.screen.query_one("#url", Input)
        assert url.value == "" and "secret-path" not in url.placeholder
        await pilot.press(*["backspace"] * 3, *"pager")
        await pilot.click("#url")
        await pilot.press(*"nonsense", "ctrl+s")
        await wait_for(lambda: "scheme://" in text_of(app, "#url-error"))
        await pilot.press(*["backspace"] * len("nonsense"), *hook.url)
        await pilot.click("#tags")
        await pilot.press(*"oncall")
        await pilot.click("#default")
        await pilot.press("ctrl+s")
        await wait_for(lambda: isinstance(app.screen, ChannelsScreen))
        await wait_for(lambda: cell(app, "pager", "default") == "yes")

    [channel] = cli_json(tmp_path, "channel", "list")
    assert (channel["name"], channel["default"], channel["tags"]) == ("pager", True, ["oncall"])
    assert cli_json(tmp_path, "check", "show", "backup")["channels"] == ["pager"]
    assert (await service.alerts.channel("pager")).url == hook.url


async def test_the_incidents_screen_names_a_check_by_its_new_name(service, tmp_path):
    check = await service.add_check(CheckSpec(name="pg dump", every_seconds=86400))
    await fail(service, check)
    [incident] = await service.alerts.incidents()
    app = app_for(service, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4")
        await wait_for(lambda: isinstance(app.screen, IncidentsScreen))
        row = str(incident.id)
        await wait_for(lambda: cell(app, row, "check") == "pg dump")
        await service.update_check(str(check.id), name="postgres dump")
        await wait_for(lambda: cell(app, row, "check") == "postgres dump")
