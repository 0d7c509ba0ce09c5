"""The terminal UI: a live view of every check, with keyboard editing.

The app talks to the engine only through `Service`. Engine events arrive on the event loop and
are only posted as messages; the app folds them into its `Fleet`, and the screens redraw from
it on their own throttled timers, so the engine never waits for the UI.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from textual import events
from textual.app import App
from textual.binding import Binding, BindingType
from textual.driver import Driver
from textual.drivers.linux_driver import LinuxDriver
from textual.filter import LineFilter
from textual.screen import Screen
from textual.theme import Theme

from beatwatch.core.errors import EngineBusy, NotFound, ValidationError
from beatwatch.core.model import Check, Incident, MaintenanceWindow, State
from beatwatch.core.presentation import counted
from beatwatch.core.terminal_text import terminal_text
from beatwatch.engine.events import (
    CheckChanged,
    CheckRemoved,
    DeliveryAttempted,
    Event,
    IncidentChanged,
    PingRecorded,
    SetupChanged,
    StateChanged,
    StoreChanged,
    UnknownPingRecorded,
)
from beatwatch.service.cluster import cluster_summary
from beatwatch.service.service import Service
from beatwatch.ui.commands import BeatwatchCommands, CheckCommands
from beatwatch.ui.controls_filter import ControlsDropped
from beatwatch.ui.fleet import RESULTS_SHOWN, Fleet
from beatwatch.ui.keymap import as_bound, binding_owners, keymap_problems, own_actions
from beatwatch.ui.messages import EngineEvents
from beatwatch.ui.quiet_collector import QuietCollector
from beatwatch.ui.screens.channels import ChannelsScreen
from beatwatch.ui.screens.check_detail import CheckDetailScreen
from beatwatch.ui.screens.check_form import CheckFormScreen
from beatwatch.ui.screens.checks import ChecksScreen
from beatwatch.ui.screens.confirm import ConfirmScreen
from beatwatch.ui.screens.help import HelpScreen, binding_lines
from beatwatch.ui.screens.hosts import HostsScreen
from beatwatch.ui.screens.incidents import IncidentsScreen
from beatwatch.ui.screens.log import LogScreen
from beatwatch.ui.screens.maintenance import MaintenanceScreen, window_preview
from beatwatch.ui.screens.pause import Pause, PauseScreen
from beatwatch.ui.screens.rotations import RotationsScreen
from beatwatch.ui.screens.unknown_pings import UnknownPingsScreen
from beatwatch.ui.table_view import SortOrder
from beatwatch.ui.terminal_driver import TerminalDriver
from beatwatch.ui.themes import DEFAULT_THEME, STATE_COLOUR_DEFAULTS, load_themes

T = TypeVar("T")
# Checks whose recent-results strips are read in one query.
RESULTS_BATCH = 500
# How often the header looks for a storage fault (seconds).
HEALTH_CHECK_INTERVAL = 1.0
# How often the alerting facts are read again, when they may have changed (seconds).
FACTS_INTERVAL = 0.5
# How often the header reads the nodes on the database: as often as they renew their leases.
CLUSTER_INTERVAL = 3.0
# How often the app looks whether a full garbage collection is due (seconds).
COLLECTOR_INTERVAL = 0.5


@dataclass(frozen=True, slots=True)
class SetUp:
    """Work this window waits for, drawn, before it runs the engine and reads the fleet (the
    demo writes its fleet), and what the checks screen says meanwhile."""

    saying: str
    work: Callable[[], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Section:
    """A top-level screen reachable by one key."""

    mode: str
    key: str
    title: str
    screen: type[Screen[None]]


SECTIONS = (
    Section("checks", "1", "Checks", ChecksScreen),
    Section("log", "2", "Log", LogScreen),
    Section("unknown", "3", "Unknown", UnknownPingsScreen),
    Section("incidents", "4", "Incidents", IncidentsScreen),
    Section("hosts", "5", "Hosts", HostsScreen),
    Section("channels", "6", "Channels", ChannelsScreen),
    Section("rotations", "7", "Rotations", RotationsScreen),
)


# The section keys share one footer entry, so the footer fits beside each screen's own keys.
SECTIONS_GROUP = Binding.Group("Sections", compact=True)
# One for the app: strips cache what a filter made of them, per filter.
CONTROLS_DROPPED = ControlsDropped()


class BeatwatchApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "beatwatch"
    # Textual's own commands (maximize, screenshot…) are left out: the palette is beatwatch's.
    COMMANDS: ClassVar = {BeatwatchCommands, CheckCommands}
    MODES: ClassVar = {section.mode: section.screen for section in SECTIONS}
    DEFAULT_MODE = "checks"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="app.quit"),
        # Focus moves here, before a key goes on to a widget: Textual queues each key for the
        # widget focused when it arrives, so a Tab left to the screen would move the focus
        # only after the keys typed right behind it were queued for the field it leaves.
        Binding("tab", "focus_next", "Next field", show=False, priority=True, id="app.next-field"),
        Binding(
            "shift+tab",
            "focus_previous",
            "Previous field",
            show=False,
            priority=True,
            id="app.previous-field",
        ),
        Binding("question_mark", "help", "Help", id="app.help"),
        *(
            Binding(
                s.key,
                f"switch_mode('{s.mode}')",
                s.title,
                id=f"app.show-{s.mode}",
                group=SECTIONS_GROUP,
            )
            for s in SECTIONS
        ),
    ]

    def __init__(
        self,
        service: Service,
        *,
        theme_name: str = DEFAULT_THEME,
        keymap: dict[str, str] | None = None,
        run_engine: bool = True,
        clock: Callable[[], float] | None = None,
        user_theme_dir: Path | None = None,
        ask_before_quit: bool = True,
        set_up: SetUp | None = None,
    ) -> None:
        super().__init__()
        # Whether quitting while this window runs the engine asks first (not for the demo).
        self._ask_before_quit = ask_before_quit
        self.set_up = set_up
        self.service = service
        # What "now" is for ages and countdowns: the engine's clock unless a test fixes it.
        self.clock = clock or service.clock.now
        self.fleet = Fleet()
        # The order each table was last sorted in, by the table's name, for the session.
        self.sort_orders: dict[str, SortOrder] = {}
        self.unknown_version = 0
        # Bumped whenever incidents, channels or maintenance windows may have changed.
        self.alerts_version = 0
        self._facts_version = -1
        self.attached_pid: int | None = None
        self._run_engine = run_engine
        self._keymap = keymap or {}
        self._binding_owners = binding_owners(type(self))
        self.own_actions = own_actions(self._binding_owners)
        self._unsubscribe: Callable[[], None] | None = None
        # The EngineEvents message posted but not yet handled, which new events join.
        self._queued_events: EngineEvents | None = None
        self._notices: list[str] = []
        # Another process wrote since the fleet was last read; and whether a reload runs now.
        self._reload_wanted = False
        self._reloading = False
        self._sub_title = ""
        # What the header adds while several nodes run on the database.
        self._cluster_note = ""
        # Attached, and the engine's process has gone since.
        self._engine_lost = False
        self._collector = QuietCollector()
        self._install_themes(theme_name, user_theme_dir)

    # -- terminal safety -----------------------------------------------------------------

    def get_driver_class(self) -> type[Driver]:
        driver = super().get_driver_class()
        return TerminalDriver if driver is LinuxDriver else driver

    def get_line_filters(self) -> Sequence[LineFilter]:
        return [*super().get_line_filters(), CONTROLS_DROPPED]

    def notify(self, message: str, *, title: str = "", **options: Any) -> None:
        """Every notification, from any screen: they name checks, hosts and channels, shown
        as typed (never read as markup) with their control characters as stand-ins."""
        # A screen's notify comes here asking for markup (Textual's default): none is wanted.
        options["markup"] = False
        message = terminal_text(message, multiline=True)
        super().notify(message, title=terminal_text(title), **options)

    # -- themes --------------------------------------------------------------------------

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(STATE_COLOUR_DEFAULTS)

    def _install_themes(self, wanted: str, user_dir: Path | None) -> None:
        loaded = load_themes(user_dir)
        for theme in loaded.themes:
            self.register_theme(theme)
        self._notices.extend(f"{p} — skipped it" for p in loaded.problems)
        if wanted not in self.available_themes:
            self._notices.append(f"theme {wanted!r} is not available; using {DEFAULT_THEME}")
            wanted = DEFAULT_THEME
        self.theme = wanted

    @property
    def beatwatch_themes(self) -> list[Theme]:
        return [t for t in self.available_themes.values() if t.variables.get("status-up")]

    # -- life cycle ----------------------------------------------------------------------

    async def on_mount(self) -> None:
        self.set_keymap(self._keymap)
        help_key = self.key_for("app.help")
        for problem in keymap_problems(self._keymap, self._binding_owners, help_key):
            self.notify(f"[keymap] {problem}", title="Keymap", severity="warning", timeout=20)
        self._unsubscribe = self.service.events.subscribe(self._queue_engine_event)
        for notice in self._notices:
            self.notify(notice, title="Theme", severity="warning", timeout=10)
        if self.set_up is None:
            await self._connect_engine()
            self.run_worker(self._load_fleet(), group="load", exclusive=True)
        else:
            self.run_worker(self._set_up_then_start(self.set_up), group="load", exclusive=True)
        self._sub_title = self.sub_title
        self.set_interval(HEALTH_CHECK_INTERVAL, self._show_engine_health)
        self.set_interval(FACTS_INTERVAL, self._follow_facts)
        self.set_interval(CLUSTER_INTERVAL, self._follow_cluster)
        self._collector.start()
        self.set_interval(COLLECTOR_INTERVAL, self._collector.tick)

    def key_for(self, binding_id: str) -> str:
        """The key of the binding `binding_id` under the keymap, as the footer shows it: for
        text that says which key to press."""
        return self.get_key_display(as_bound(self._keymap, self._binding_owners, binding_id))

    def channel_hint(self) -> str:
        """Where this window gives alerts a channel, with the keys as bound."""
        return (
            f"on the Channels screen ({self.key_for('app.show-channels')}), "
            f"{self.key_for('channels.add')} adds a channel and "
            f"{self.key_for('channels.default')} makes one a default"
        )

    def _show_engine_health(self) -> None:
        """The header says so while the database refuses writes, or while the engine this
        window is attached to is gone, and goes back after."""
        if self.attached_pid is not None:
            self._follow_attached_engine()
        fault = self.service.storage_fault
        if fault is None:
            self.sub_title = self._sub_title + self._cluster_note
        else:
            self.sub_title = f"storage fault: {fault} — pings are refused with 503 until it clears"

    def _follow_cluster(self) -> None:
        if not self.workers_in("cluster"):
            self.run_worker(self._read_cluster(), group="cluster")

    async def _read_cluster(self) -> None:
        """While several nodes share the database, the header says who holds which duty."""
        found = await self.attempt("read the nodes", self.service.nodes())
        if found is not None:
            summary = cluster_summary(*found)
            self._cluster_note = f" · {summary}" if summary else ""

    def _follow_attached_engine(self) -> None:
        holder = self.service.engine_holder()
        if holder is None and not self._engine_lost:
            self._engine_lost = True
            self._sub_title = f"ENGINE STOPPED (pid {self.attached_pid}): no pings are received"
            self.notify(
                f"The engine (pid {self.attached_pid}) has stopped: no pings are received and "
                "no alerts are sent. Start `beatwatch serve` again, or restart this window to "
                "run the engine here.",
                title="Engine stopped",
                severity="error",
                timeout=60,
            )
        elif holder is not None and self._engine_lost:
            self._engine_lost = False
            self.attached_pid = holder.pid
            self._sub_title = f"attached to the engine of pid {holder.pid or '?'}"
            self.notify(f"An engine runs again (pid {holder.pid or '?'}).", title="Engine back")

    async def _connect_engine(self) -> None:
        if not self._run_engine:
            self.sub_title = "view only: not receiving pings"
            return
        # Imported here, after the first paint: the listener brings aiohttp and Apprise.
        from beatwatch.runtime import start_engine

        holder = self.service.engine_holder()
        if holder is None:
            try:
                await start_engine(self.service)
                self.sub_title = f"watching · pings to {self.service.base_url}/ping/…"
                return
            except EngineBusy:
                holder = self.service.engine_holder()
            except OSError as exc:
                self.sub_title = "not receiving pings"
                self.notify(
                    f"cannot listen on {self.service.settings.listen}: {exc.strerror or exc}. "
                    "Showing the stored data only.",
                    title="Engine not started",
                    severity="error",
                    timeout=15,
                )
                return
        self.attached_pid = holder.pid if holder else None
        self.sub_title = f"attached to the engine of pid {self.attached_pid or '?'}"
        self.run_worker(self.service.watch_store(), group="watch", exclusive=True)

    def on_unmount(self) -> None:
        self._collector.stop()
        if self._unsubscribe is not None:
            self._unsubscribe()

    async def on_event(self, event: events.Event) -> None:
        # A resize is the user at work too: dragging a tmux split sends one after another.
        if isinstance(event, (events.InputEvent, events.Resize)):
            self._collector.input_seen()
        await super().on_event(event)

    async def _set_up_then_start(self, set_up: SetUp) -> None:
        self.sub_title = self._sub_title = set_up.saying
        await set_up.work()
        await self._connect_engine()
        self._sub_title = self.sub_title
        await self._load_fleet()

    async def _load_fleet(self) -> None:
        await self._load_facts()
        checks = await self.service.list_checks()
        self.fleet.replace_all(checks, self.clock())
        await self._load_results([c.id for c in checks])
        # The fleet and its strips live as long as the app: moving them out of the
        # collector's way keeps full collections of a 10,000-check heap from stalling keys.
        gc.freeze()

    def _follow_facts(self) -> None:
        """Read the alerting facts again once incidents, channels or windows have changed;
        a read already under way is left to finish, and the next tick catches up."""
        if self._facts_version != self.alerts_version and not self.workers_in("facts"):
            self.run_worker(self._load_facts(), group="facts")

    async def _load_facts(self) -> None:
        version = self.alerts_version
        facts = await self.attempt("read the alerting setup", self.service.alerts.facts())
        if facts is not None:
            self._facts_version = version
            self.fleet.set_facts(facts, self.clock())

    def workers_in(self, group: str) -> bool:
        return any(w.group == group and not w.is_finished for w in self.workers)

    async def _load_results(self, check_ids: list[int]) -> None:
        """Fill the recent-results strips from history, a batch of checks per query."""
        for start in range(0, len(check_ids), RESULTS_BATCH):
            batch = check_ids[start : start + RESULTS_BATCH]
            for check_id, results in (
                await self.service.recent_results(batch, RESULTS_SHOWN)
            ).items():
                self.fleet.set_results(check_id, results)

    async def _reload_while_wanted(self) -> None:
        """Read the fleet again until no write has come since the read began. A reload is
        never cancelled for a newer one: at thousands of checks under steady pings, each
        would be cancelled in turn and the screen would stop changing."""
        try:
            while self._reload_wanted:
                self._reload_wanted = False
                checks = await self.service.list_checks()
                changed = self.fleet.replace_all(checks, self.clock())
                await self._load_results(sorted(changed))
                self.unknown_version += 1
                self.alerts_version += 1
        finally:
            self._reloading = False

    # -- engine events -------------------------------------------------------------------

    def _queue_engine_event(self, event: Event) -> None:
        # Called by the event bus on the event loop's thread, inside the engine's own work:
        # it only queues, and a Textual message costs more than handling the event itself.
        if self._queued_events is None:
            self._queued_events = EngineEvents()
            self.post_message(self._queued_events)
        self._queued_events.events.append(event)

    def on_engine_events(self, message: EngineEvents) -> None:
        if message is self._queued_events:
            self._queued_events = None
        now = self.clock()
        for event in message.events:
            self._apply_engine_event(event, now)

    def _apply_engine_event(self, event: Event, now: float) -> None:
        match event:
            case CheckChanged(check=check):
                self.fleet.upsert(check, now)
            case CheckRemoved(check_id=check_id):
                self.fleet.remove(check_id)
            case PingRecorded(ping=ping):
                self.fleet.record(ping)
            case StateChanged(transition=t) if not (t.from_state.is_bad or t.to_state.is_bad):
                # Between good states (new to up, up to paused) no incident opens or closes.
                pass
            case StateChanged() | DeliveryAttempted() | IncidentChanged() | SetupChanged():
                # A bad transition opens an incident and a recovery resolves one.
                self.alerts_version += 1
            case UnknownPingRecorded():
                self.unknown_version += 1
            case StoreChanged():
                self._reload_wanted = True
                if not self._reloading:
                    self._reloading = True
                    self.run_worker(self._reload_while_wanted(), group="reload")

    # -- actions shared by the screens ---------------------------------------------------

    async def attempt(
        self, what: str, action: Awaitable[T], passing: type[Exception] | None = None
    ) -> T | None:
        """Run one service call; a refusal or failure becomes a toast, never a crash. An error
        of the type `passing` is raised for the caller to handle."""
        try:
            return await action
        except Exception as exc:
            if passing is not None and isinstance(exc, passing):
                raise
            if isinstance(exc, ValidationError | NotFound):
                self.notify(str(exc), title=f"Cannot {what}", severity="warning")
            else:
                logging.getLogger("beatwatch.ui").exception("could not %s", what)
                self.notify(str(exc), title=f"Could not {what}", severity="error", timeout=10)
        return None

    async def show_checks(self, query: str) -> None:
        """The checks table, filtered by `query` as if typed into its filter."""
        await self.switch_mode("checks")
        screen = self.screen
        if isinstance(screen, ChecksScreen):
            screen.filter_by(query)

    async def open_check(self, check_id: int) -> None:
        """The check's detail over the checks table, its row under the cursor (the filter is
        cleared if it hides the row)."""
        await self.switch_mode("checks")
        screen = self.screen
        if isinstance(screen, ChecksScreen):
            screen.refresh_now()
            if check_id not in screen.table.shown_ids:
                screen.action_clear_filter()
            screen.select(check_id)
        self.push_screen(CheckDetailScreen(check_id))

    async def acknowledge_check(self, check_id: int) -> None:
        incidents = await self.attempt("load incidents", self.service.alerts.incidents(True))
        if incidents is None:
            return
        incident = next((i for i in incidents if i.check_id == check_id), None)
        if incident is None:
            self.notify("This check has no open incident.")
            return
        await self.acknowledge(incident)

    def check(self, check_id: int) -> Check | None:
        return self.fleet.checks.get(check_id)

    def new_check(self, prefill: dict[str, str] | None = None, uuid: str | None = None) -> None:
        """The form for a new check: blank, or as `prefill` says, under `uuid` if given."""
        self.push_screen(CheckFormScreen(None, prefill, uuid), self._created)

    def _created(self, check: Check | None) -> None:
        """A new check is selected in the table and opened, to show its URL and snippets."""
        self._saved(check)
        if check is None:
            return
        for screen in self.screen_stack:
            if isinstance(screen, ChecksScreen):
                screen.select(check.id)
        self.push_screen(CheckDetailScreen(check.id))

    def edit_check(self, check_id: int) -> None:
        if (check := self.check(check_id)) is not None:
            self.push_screen(CheckFormScreen(check), self._saved)

    def _saved(self, check: Check | None) -> None:
        if check is not None:
            self.fleet.upsert(check, self.clock())
            self.notify(f"{check.name} saved.", title="Saved")

    def delete_check(self, check_id: int) -> None:
        check = self.check(check_id)
        if check is None:
            return

        async def confirmed(yes: bool | None) -> None:
            if yes and await self.attempt("delete", self.service.delete_check(str(check_id))):
                self.fleet.remove(check_id)
                self.notify(f"{check.name} deleted.", title="Deleted")

        self.push_screen(
            ConfirmScreen(
                f"Delete {check.name}?",
                "Its ping history goes too, and no all-clear is sent for an alert that is "
                "still open. Jobs that keep pinging its URL will show under Unknown pings.",
                confirm="Delete",
            ),
            confirmed,
        )

    async def toggle_pause(self, check_id: int) -> None:
        check = self.check(check_id)
        if check is None:
            return
        if self.fleet.state_of(check_id) is State.PAUSED:
            await self._resume(check_id)
            return

        async def chosen(choice: Pause | None) -> None:
            if choice is None:
                return
            paused = await self.attempt(
                "pause",
                self.service.pause_check(
                    str(check_id), until=choice.until, duration=choice.duration
                ),
            )
            if paused is not None:
                self.fleet.upsert(paused, self.clock())
                self.notify(f"{check.name} paused; it will not alert.", title="Paused")

        self.push_screen(PauseScreen(check.name, self.clock), chosen)

    async def _resume(self, check_id: int) -> None:
        resumed = await self.attempt("resume", self.service.resume_check(str(check_id)))
        if resumed is None:
            return
        self.fleet.upsert(resumed.check, self.clock())
        name = resumed.check.name
        if resumed.was_paused:
            self.notify(f"{name} resumed; its clock starts now.", title="Resumed")
        else:
            # Its pause ran out, or another process resumed it, since the table was drawn.
            self.notify(f"{name} is not paused; nothing changed.", severity="warning")

    def copy_ping_url(self, check_id: int) -> None:
        if (check := self.check(check_id)) is not None:
            self.copy_to_clipboard(self.service.ping_url(check))
            self.notify(self.service.ping_url(check), title="Ping URL copied")

    async def acknowledge(self, incident: Incident) -> None:
        if incident.resolved_at is not None:
            self.notify("This incident is already resolved.", severity="warning")
            return
        if incident.acknowledged_at is not None:
            self.notify("This incident is already acknowledged.")
            return
        if await self.attempt("acknowledge", self.service.alerts.acknowledge(incident.id)):
            self.notify(
                "Acknowledged: no escalation or reminder will follow for it.",
                title="Acknowledged",
            )

    def start_maintenance(self, host: str) -> None:
        def started(window: MaintenanceWindow | None) -> None:
            if window is not None:
                self.notify(
                    f"Maintenance on {host}, {window_preview(window, self.clock())}: its checks "
                    "are still watched, but alerts are held while it is open.",
                    title="Maintenance",
                )

        self.push_screen(MaintenanceScreen(host, self.clock), started)

    async def end_maintenance(self, host: str) -> None:
        ended = await self.attempt("end maintenance", self.service.alerts.end_maintenance(host))
        if ended is None:
            return
        if ended:
            self.notify(f"Maintenance on {host} ended; alerts go out again.", title="Maintenance")
        else:
            self.notify(f"{host} is not in maintenance.", severity="warning")

    async def test_channels(self, names: list[str]) -> None:
        """Send a test message through each channel now and say how each one went."""
        alerts = self.service.alerts
        outcomes = await self.attempt(
            "send a test", asyncio.gather(*(alerts.test_channel(name) for name in names))
        )
        if outcomes is None:
            return
        failed = [(n, error) for n, error in zip(names, outcomes, strict=True) if error]
        worked = [n for n, error in zip(names, outcomes, strict=True) if not error]
        if worked:
            self.notify(f"Test message sent to {', '.join(worked)}.", title="Test sent")
        for name, error in failed:
            self.notify(
                f"{name}: {error}", title="Test not delivered", severity="error", timeout=15
            )

    # -- app-wide actions ----------------------------------------------------------------

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(binding_lines(self.screen, self.own_actions)))

    async def action_quit(self) -> None:
        watched = [c for c in self.fleet.checks if self.fleet.state_of(c) is not State.PAUSED]
        if not (self._ask_before_quit and self.service.runs_engine and watched):
            self.exit()
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.exit()

        self.push_screen(
            ConfirmScreen(
                "Quit beatwatch?",
                f"This window watches {counted(len(watched), 'check')}: monitoring stops when "
                "it closes — use `beatwatch serve` for unattended use.",
                confirm="Quit",
            ),
            answered,
        )
