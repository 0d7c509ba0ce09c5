"""The TUI driven by keys, on a real service and a real SQLite file."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

import aiohttp
import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Label
from textual.widgets._toast import Toast

from beatwatch.core.model import Check, PingKind, PingRequest
from beatwatch.core.timefmt import short_time
from beatwatch.core.validation import CheckSpec
from beatwatch.service.service import Service
from beatwatch.ui.app import BeatwatchApp
from beatwatch.ui.screens.check_detail import CheckDetailScreen
from beatwatch.ui.screens.check_form import CheckFormScreen
from beatwatch.ui.screens.confirm import ConfirmScreen
from beatwatch.ui.screens.log import LogScreen
from beatwatch.ui.screens.pause import PauseScreen
from beatwatch.ui.widgets.checks_table import ChecksTable
from tests.conftest import wait_for
from tests.ui.conftest import SIZE, serve_process, settings_for


def cell(app: BeatwatchApp, check_id: int, column: str) -> str:
    table = app.screen.query_one(ChecksTable)
    return str(table.get_cell(str(check_id), column))


def shown(app: BeatwatchApp) -> set[int]:
    return app.screen.query_one(ChecksTable).shown_ids


def toasts_shown(app: BeatwatchApp) -> str:
    return " ".join(str(toast.render()) for toast in app.screen.query(Toast))


def log_text(app: BeatwatchApp) -> str:
    """The entries the log screen shows, whole, once it is the screen on top."""
    screen = app.screen
    if not isinstance(screen, LogScreen):
        return ""
    table = screen.query_one(DataTable)
    keys = [table.coordinate_to_cell_key((n, 0)).row_key.value for n in range(table.row_count)]
    return "\n".join(str(screen.detail(str(key))) for key in keys)


def beatwatch_command(data_dir: Path, *args: str) -> None:
    """Run the command line in a process of its own, as from a shell."""
    command = [sys.executable, "-c", "from beatwatch.cli import main; main()"]
    done = subprocess.run(
        [*command, "--data-dir", str(data_dir), *args], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


@asynccontextmanager
async def one_check_shown(
    service: Service,
    tmp_path: Path,
    name: str,
    every_seconds: int = 3600,
    toasts: bool = False,
) -> AsyncIterator[tuple[BeatwatchApp, Pilot[None], Check]]:
    """The UI, not running the engine, over one new check, once the check's row shows;
    notifications are drawn as toasts only if `toasts`."""
    check = await service.add_check(CheckSpec(name=name, every_seconds=every_seconds))
    app = BeatwatchApp(service, run_engine=False, user_theme_dir=tmp_path)
    async with app.run_test(size=SIZE, notifications=toasts) as pilot:
        await wait_for(lambda: check.id in shown(app))
        yield app, pilot, check


async def test_a_burst_of_pings_reaches_the_table_in_order(service, tmp_path):
    # Events published in one turn of the loop arrive together; the last ping must win.
    async with one_check_shown(service, tmp_path, "queue-worker") as (app, _, check):
        now = time.time()
        kinds = [PingKind.FAIL, PingKind.SUCCESS, PingKind.FAIL, PingKind.SUCCESS]
        await asyncio.gather(
            *(
                service.record_ping(PingRequest(kind, uuid=check.uuid, at=now + n))
                for n, kind in enumerate(kinds)
            )
        )
        await wait_for(lambda: cell(app, check.id, "recent").endswith("✗▮✗▮"))
        assert "up" in cell(app, check.id, "state")


async def test_create_a_check_from_the_form(service, tmp_path):
    app = BeatwatchApp(service, run_engine=False, user_theme_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await wait_for(lambda: isinstance(app.screen, CheckFormScreen))
        await pilot.press(*"Nightly backup")
        await pilot.click("#every")
        await pilot.press(*"10")
        await pilot.press("ctrl+s")
        # An interval under 30 s is refused beside its field; the form stays open.
        await wait_for(lambda: "between" in str(app.screen.query_one("#every-error").render()))
        await pilot.press("backspace", "backspace", *"1h", "ctrl+s")
        # Saved, the new check opens, to show its ping URL.
        await wait_for(lambda: isinstance(app.screen, CheckDetailScreen))
        stored = await service.get_check("nightly-backup")
        assert stored.schedule.every_seconds == 3600
        await pilot.press("escape")
        await wait_for(lambda: stored.id in shown(app))
        assert "new" in cell(app, stored.id, "state")


async def test_a_ping_changes_its_row_live(service, tmp_path):
    async with one_check_shown(service, tmp_path, "certbot") as (app, _, check):
        assert "new" in cell(app, check.id, "state")
        await service.record_ping(
            PingRequest(PingKind.FAIL, uuid=check.uuid, exit_code=3, at=time.time())
        )
        await wait_for(lambda: "FAILING" in cell(app, check.id, "state"))
        assert "✗" in cell(app, check.id, "recent")


@asynccontextmanager
async def paused_for_two_hours(
    service: Service, tmp_path: Path
) -> AsyncIterator[tuple[BeatwatchApp, Pilot[None], Check]]:
    """The UI over one daily check, "logrotate", just paused for 2h with the p key."""
    async with one_check_shown(service, tmp_path, "logrotate", 86400) as (app, pilot, check):
        await pilot.press("p")
        await wait_for(lambda: isinstance(app.screen, PauseScreen))
        await pilot.press(*"2h", "enter")
        await wait_for(lambda: "paused" in cell(app, check.id, "state"))
        yield app, pilot, check


async def test_pause_and_resume(service, tmp_path):
    async with paused_for_two_hours(service, tmp_path) as (app, pilot, check):
        stored = await service.get_check(str(check.id))
        assert stored.paused_until is not None and stored.paused_until > time.time() + 7000
        await pilot.press("p")
        await wait_for(lambda: "new" in cell(app, check.id, "state"))
        assert (await service.get_check(str(check.id))).paused_at is None


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("0s", "the pause must end in the future"),
        ("9999-12-31T23:59:59-01:00", "the pause's end must lie within 3650d (ten years) of now"),
    ],
)
async def test_a_pause_the_service_would_refuse_is_refused_in_the_dialog(
    service, tmp_path, typed, expected
):
    async with one_check_shown(service, tmp_path, "logrotate", 86400) as (app, pilot, check):
        await pilot.press("p")
        await wait_for(lambda: isinstance(app.screen, PauseScreen))
        await pilot.press(*typed, "enter")

        error = app.screen.query_one("#until-error", Label)
        await wait_for(lambda: str(error.render()) == expected)
        assert isinstance(app.screen, PauseScreen)  # still open, to be corrected
        assert (await service.get_check(str(check.id))).paused_at is None


async def test_resuming_a_check_resumed_elsewhere_says_it_was_not_paused(service, tmp_path):
    async with paused_for_two_hours(service, tmp_path) as (app, pilot, check):
        # Another process resumes it; this UI, not watching the store, still shows it paused.
        elsewhere = await Service.open(settings_for(tmp_path))
        try:
            await elsewhere.resume_check(str(check.id))
        finally:
            await elsewhere.close()

        await pilot.press("p")

        await wait_for(lambda: "new" in cell(app, check.id, "state"))
        said = [n.message for n in app._notifications]
        assert said[-1] == "logrotate is not paused; nothing changed."


async def test_pause_and_resume_by_key_show_in_the_log(service, tmp_path):
    async with paused_for_two_hours(service, tmp_path) as (app, pilot, check):
        stored = await service.get_check(str(check.id))
        assert stored.paused_until is not None
        until = short_time(stored.paused_until)
        await pilot.press("2")
        await wait_for(lambda: f"logrotate: ○ new → ‖ paused until {until}" in log_text(app))
        await pilot.press("1", "p")
        await wait_for(lambda: "new" in cell(app, check.id, "state"))
        await pilot.press("2")
        await wait_for(lambda: "logrotate: ‖ paused → ○ new" in log_text(app))


async def test_an_alert_with_no_channel_says_in_the_log_which_keys_fix_it(service, tmp_path):
    async with one_check_shown(service, tmp_path, "certbot") as (app, pilot, check):
        failed = PingRequest(PingKind.FAIL, uuid=check.uuid, exit_code=1, at=time.time())
        await service.record_ping(failed)
        await pilot.press("2")
        await wait_for(lambda: "alert not sent: no channel to send it to" in log_text(app))
        assert "`beatwatch channel add NAME URL --default`" in log_text(app)
        assert (
            "; or here: on the Channels screen (6), a adds a channel and m makes one a default"
            in log_text(app)
        )


async def test_the_log_names_the_keys_as_remapped(service, tmp_path):
    check = await service.add_check(CheckSpec(name="certbot", every_seconds=3600))
    keymap = {"app.show-channels": "c", "channels.default": "D,ctrl+d"}
    app = BeatwatchApp(service, run_engine=False, keymap=keymap, user_theme_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(lambda: check.id in shown(app))
        failed = PingRequest(PingKind.FAIL, uuid=check.uuid, exit_code=1, at=time.time())
        await service.record_ping(failed)
        await pilot.press("2")
        await wait_for(lambda: "alert not sent" in log_text(app))
        assert "on the Channels screen (c), a adds a channel and D makes one" in log_text(app)


async def test_absurd_or_past_times_are_refused_in_place(service, tmp_path):
    async with one_check_shown(service, tmp_path, "logrotate", 86400) as (app, pilot, check):
        await pilot.press("n")
        await wait_for(lambda: isinstance(app.screen, CheckFormScreen))
        await pilot.click("#every")
        await pilot.press(*"9999999d")
        preview = app.screen.query_one("#preview")
        await wait_for(lambda: "complete the schedule" in str(preview.render()))
        await pilot.press("escape")
        await wait_for(lambda: not isinstance(app.screen, CheckFormScreen))

        await pilot.press("p")
        await wait_for(lambda: isinstance(app.screen, PauseScreen))
        error = app.screen.query_one("#until-error")
        await pilot.press(*"9999999d")
        await wait_for(lambda: "too long" in str(error.render()))
        await pilot.press(*["backspace"] * 8, *"2020-01-01T00:00", "enter")
        await wait_for(lambda: "has passed" in str(error.render()))
        assert isinstance(app.screen, PauseScreen)
        assert (await service.get_check(str(check.id))).paused_at is None


async def test_delete_asks_first(service, tmp_path):
    async with one_check_shown(service, tmp_path, "old job") as (app, pilot, check):
        await pilot.press("d")
        await wait_for(lambda: isinstance(app.screen, ConfirmScreen))
        assert "history goes too" in str(app.screen.query_one(".dialog-text").render())
        await pilot.press("n")
        await wait_for(lambda: not isinstance(app.screen, ConfirmScreen))
        assert len(await service.list_checks()) == 1
        await pilot.press("d")
        await wait_for(lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(lambda: check.id not in shown(app))
        assert await service.list_checks() == []


async def test_filter_by_tag_host_or_state(service, tmp_path):
    db = await service.add_check(CheckSpec(name="pg dump", every_seconds=3600, host="db1"))
    web = await service.add_check(CheckSpec(name="certbot", every_seconds=3600, tags=("tls",)))
    app = BeatwatchApp(service, run_engine=False, user_theme_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(lambda: shown(app) == {db.id, web.id})
        await pilot.press("slash", *"db1")
        await wait_for(lambda: shown(app) == {db.id})
        await pilot.press(*["backspace"] * 3, *"tls")
        await wait_for(lambda: shown(app) == {web.id})
        box = app.screen.query_one("#filter")
        await pilot.press(*"-none")
        await wait_for(lambda: str(box.border_title).startswith("0 of 2 match"))
        await pilot.press("escape")
        await wait_for(lambda: shown(app) == {db.id, web.id})


async def test_detail_shows_url_snippets_and_pings(service, tmp_path):
    check = await service.add_check(CheckSpec(name="backup", every_seconds=3600))
    await service.record_ping(
        PingRequest(PingKind.SUCCESS, uuid=check.uuid, body=b"42 files", at=time.time())
    )
    app = BeatwatchApp(service, run_engine=False, user_theme_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(lambda: check.id in shown(app))
        await pilot.press("enter")
        await wait_for(lambda: isinstance(app.screen, CheckDetailScreen))
        screen = app.screen
        url = service.ping_url(check)
        assert url in str(screen.query_one("#ping-url").render())
        crontab = screen.query_one("#code-crontab")
        await wait_for(lambda: "curl -fsS -m 10 --retry 5" in str(crontab.render()))
        await wait_for(lambda: screen.query_one("#pings").row_count == 1)
        # No run has been timed: a note, not a chart of nothing.
        assert screen.query_one("#no-durations").display
        assert not screen.query_one("#durations").display
        await pilot.press("y")
        assert app.clipboard == url
        started = time.time()
        for kind, at in [(PingKind.START, started), (PingKind.SUCCESS, started + 30)]:
            await service.record_ping(PingRequest(kind, uuid=check.uuid, at=at))
        await wait_for(lambda: screen.query_one("#durations").display)
        assert not screen.query_one("#no-durations").display


async def test_a_bad_theme_file_falls_back_with_a_notice(service, tmp_path):
    (tmp_path / "broken.toml").write_text('name = "broken"\nprimary = "not a colour"\n')
    app = BeatwatchApp(service, run_engine=False, theme_name="broken", user_theme_dir=tmp_path)
    async with app.run_test(size=SIZE):
        assert app.theme == "beatwatch-dark"
        messages = [n.message for n in app._notifications]
        assert any("broken.toml" in m and "not a colour" in m for m in messages)
        assert any("'broken' is not available" in m for m in messages)


async def test_a_user_theme_is_used_with_its_state_colours(service, tmp_path):
    (tmp_path / "mine.toml").write_text(
        'name = "mine"\nprimary = "#112233"\n[variables]\nstatus-missed = "#abcdef"\n'
    )
    app = BeatwatchApp(service, run_engine=False, theme_name="mine", user_theme_dir=tmp_path)
    async with app.run_test(size=SIZE):
        assert app.theme == "mine"
        assert app.theme_variables["status-missed"] == "#abcdef"
        assert app.theme_variables["status-up"]  # filled in from the defaults


async def test_attaches_to_a_running_engine_and_can_still_edit(service, tmp_path):
    check = await service.add_check(CheckSpec(name="nightly", every_seconds=3600))
    async with serve_process(tmp_path) as engine:
        app = BeatwatchApp(service, user_theme_dir=tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            assert not service.runs_engine
            assert app.sub_title == f"attached to the engine of pid {engine.pid}"
            await wait_for(lambda: check.id in shown(app))
            # A ping the engine process stores shows up here.
            holder = service.engine_holder()
            assert holder is not None
            url = f"http://{holder.listen}/ping/{check.uuid}"
            async with aiohttp.ClientSession() as http, http.get(url) as reply:
                assert reply.status == 200
            await wait_for(lambda: "up" in cell(app, check.id, "state"))
            await pilot.press("p")
            await wait_for(lambda: isinstance(app.screen, PauseScreen))
            await pilot.press("enter")
            await wait_for(lambda: "paused" in cell(app, check.id, "state"))
            assert (await service.get_check(str(check.id))).paused_at is not None
            # The engine going away is said loudly, not left to look like quiet.
            engine.terminate()
            await wait_for(lambda: engine.poll() is not None, timeout=30)
            await wait_for(lambda: app.sub_title.startswith("ENGINE STOPPED"), timeout=10)
            # The attached window is not the engine: it quits without asking.
            await pilot.press("q")
            await wait_for(lambda: not app.is_running)


async def test_the_engine_window_shows_what_another_process_changed(service, tmp_path):
    check = await service.add_check(CheckSpec(name="nightly", every_seconds=3600))
    app = BeatwatchApp(service, user_theme_dir=tmp_path)
    async with app.run_test(size=SIZE):
        await wait_for(lambda: check.id in shown(app))
        assert service.runs_engine
        # As `beatwatch check pause` does from a shell: its own connection to the file.
        beatwatch_command(tmp_path, "check", "pause", "nightly")
        await wait_for(lambda: "paused" in cell(app, check.id, "state"))


async def test_the_log_shows_a_pause_by_the_command_line_and_a_resume_by_the_api(service, tmp_path):
    check = await service.add_check(CheckSpec(name="nightly", every_seconds=3600))
    _, token = await service.tokens.create("ops")
    app = BeatwatchApp(service, user_theme_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(lambda: check.id in shown(app))
        await pilot.press("2")
        beatwatch_command(tmp_path, "check", "pause", "nightly")
        await wait_for(lambda: "nightly: ○ new → ‖ paused" in log_text(app))

        url = f"http://127.0.0.1:{service.bound_port}/api/v1/checks/nightly/resume"
        headers = {"Authorization": f"Bearer {token}"}
        async with aiohttp.ClientSession() as http, http.post(url, headers=headers) as reply:
            assert reply.status == 200
        await wait_for(lambda: "nightly: ‖ paused → ○ new" in log_text(app))
        # Each change once, though the window may see it both as an event and in a reload.
        assert log_text(app).count("→ ‖ paused") == log_text(app).count("‖ paused →") == 1


async def test_quitting_the_engine_window_asks_first(service, tmp_path):
    await service.add_check(CheckSpec(name="watched", every_seconds=3600))
    app = BeatwatchApp(service, user_theme_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(lambda: len(app.fleet.checks) == 1)
        await pilot.press("q")
        await wait_for(lambda: isinstance(app.screen, ConfirmScreen))
        assert "beatwatch serve" in str(app.screen.query_one(".dialog-text").render())
        await pilot.press("n")
        await wait_for(lambda: not isinstance(app.screen, ConfirmScreen))
        assert app.is_running


async def test_keymap_remaps_a_binding(service, tmp_path):
    app = BeatwatchApp(
        service, run_engine=False, keymap={"checks.new": "a"}, user_theme_dir=tmp_path
    )
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        await wait_for(lambda: isinstance(app.screen, CheckFormScreen))


async def test_keymap_mistakes_are_reported_not_ignored(service, tmp_path):
    keymap = {"checks.nwe": "a", "checks.new": "d"}
    app = BeatwatchApp(service, run_engine=False, keymap=keymap, user_theme_dir=tmp_path)
    async with app.run_test(size=SIZE):
        await wait_for(lambda: len(app._notifications) >= 2)
        said = " ".join(n.message for n in app._notifications)
        assert "no key binding has the id 'checks.nwe'" in said
        assert "'d' is the key of both checks.new and checks.delete" in said


async def test_the_pause_dialog_gives_an_example_time_ahead_of_now(service, tmp_path):
    async with one_check_shown(service, tmp_path, "logrotate", 86400) as (app, pilot, _):
        await pilot.press("p")
        await wait_for(lambda: isinstance(app.screen, PauseScreen))
        example = app.screen.query_one("#until", Input).placeholder.rsplit(" · ", 1)[1]
        await pilot.press(*"soonish", "enter")

        assert datetime.fromisoformat(example).timestamp() > app.clock()
        error = app.screen.query_one("#until-error", Label)
        await wait_for(lambda: example in str(error.render()))


async def test_a_notice_shows_a_name_as_typed_never_as_markup(service, tmp_path):
    # "[/x]" would be a closing tag with no opening one: read as markup, it stopped the app.
    name = "dump [bold]db[/bold] to [/x]"
    async with one_check_shown(service, tmp_path, name, toasts=True) as (app, pilot, check):
        await pilot.press("d")
        await wait_for(lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(lambda: check.id not in shown(app))
        await wait_for(lambda: f"{name} deleted." in toasts_shown(app))
        assert app.is_running
