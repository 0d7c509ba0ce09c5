"""One check up close: its ping URL and ready-made snippets, recent pings, run durations and
the timeline of its states."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import (
    DataTable,
    Footer,
    Header,
    Label,
    Sparkline,
    Static,
    TabbedContent,
    TabPane,
)

from beatwatch.engine.model import Check, Ping, State, Transition
from beatwatch.engine.schedule import describe
from beatwatch.engine.timefmt import format_duration, format_relative
from beatwatch.presentation import state_label
from beatwatch.ui.screens.ping_body import PingBodyScreen
from beatwatch.ui.snippets import SNIPPETS
from beatwatch.ui.themes import state_variable
from beatwatch.ui.widgets.checks_table import next_due_text

if TYPE_CHECKING:
    from beatwatch.ui.app import BeatwatchApp

PINGS_SHOWN = 25
TRANSITIONS_SHOWN = 12
BODY_PREVIEW = 40
REFRESH_INTERVAL = 1.0


def local_time(t: float) -> str:
    return f"{datetime.fromtimestamp(t).astimezone():%a %d %b %H:%M:%S}"


def one_line(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


class CheckDetailScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="detail.back"),
        Binding("y", "copy_url", "Copy URL", id="detail.copy-url"),
        Binding("s", "copy_snippet", "Copy snippet", id="detail.copy-snippet"),
        Binding("e", "edit", "Edit", id="detail.edit"),
        Binding("p", "pause", "Pause", id="detail.pause"),
    ]

    def __init__(self, check_id: int) -> None:
        super().__init__()
        self.check_id = check_id
        self._seen_version = -1
        self._pings: list[Ping] = []

    @property
    def beatwatch(self) -> BeatwatchApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Header(icon="♥")
        with VerticalScroll(id="detail"):
            with Horizontal(id="detail-top"):
                yield Static(id="info")
                with Vertical(id="history"):
                    yield Label("Run durations (oldest → newest)", classes="section-title")
                    yield Sparkline([], id="durations")
                    yield Label("States", classes="section-title")
                    yield Static(id="timeline")
            yield Label("Ping this URL when the job runs", classes="section-title")
            yield Static(id="ping-url")
            with TabbedContent(id="snippets"):
                for snippet in SNIPPETS:
                    with TabPane(snippet.title, id=f"snippet-{snippet.key}"):
                        yield Static(id=f"code-{snippet.key}", classes="code")
            yield Label(
                f"Recent pings (newest {PINGS_SHOWN}; enter shows the whole body)",
                classes="section-title",
            )
            yield DataTable(id="pings", cursor_type="row")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one("#pings", DataTable)
        for label in ("Kind", "When", "Exit", "Duration", "From", "User agent", "Body"):
            table.add_column(label, key=label.lower())
        check = self.beatwatch.check(self.check_id)
        if check is not None:
            url = self.beatwatch.service.ping_url(check)
            self.query_one("#ping-url", Static).update(Text(url, style="bold"))
            for snippet in SNIPPETS:
                code = snippet.render(url, check)
                self.query_one(f"#code-{snippet.key}", Static).update(Text(code))
        self._tick()

    def _tick(self) -> None:
        try:
            if self.app.screen is self:
                self._refresh()
        finally:
            self.set_timer(REFRESH_INTERVAL, self._tick)

    def _refresh(self) -> None:
        app = self.beatwatch
        check = app.check(self.check_id)
        if check is None:
            self.notify("This check was deleted.", severity="warning")
            self.dismiss()
            return
        self._show_info(check)
        version = app.fleet.versions.get(self.check_id, 0)
        if version != self._seen_version:
            self._seen_version = version
            self.run_worker(self._load_history(), group="history", exclusive=True)

    def _show_info(self, check: Check) -> None:
        app = self.beatwatch
        now = app.clock()
        evaluation = app.fleet.evaluations[self.check_id]
        colour = app.theme_variables[state_variable(evaluation.state)]
        info = Text()
        info.append(f"{check.name}\n", style="bold")
        info.append(state_label(evaluation.state), style=f"{colour} bold")
        info.append(f"  since {format_relative(evaluation.since, now)}\n")
        rows = [
            ("schedule", describe(check.schedule)),
            ("grace", format_duration(check.grace_seconds)),
            (
                "max duration",
                format_duration(check.max_duration_seconds) if check.max_duration_seconds else "—",
            ),
            ("next due", next_due_text(check, evaluation, now, format_duration)),
            (
                "last ping",
                format_relative(check.last_ping_at, now) if check.last_ping_at else "never",
            ),
            ("host", check.host or "—"),
            ("tags", ", ".join(check.tags) or "—"),
            ("alerts on", ", ".join(sorted(a.value for a in check.alerts)) or "nothing"),
            ("slug", check.slug),
        ]
        for label, value in rows:
            info.append(f"{label:>13}  ", style="dim")
            info.append(f"{value}\n")
        self.query_one("#info", Static).update(info)

    async def _load_history(self) -> None:
        service = self.beatwatch.service
        ref = str(self.check_id)
        pings = await self.beatwatch.attempt("load pings", service.pings(ref, PINGS_SHOWN))
        transitions = await self.beatwatch.attempt(
            "load states", service.transitions(ref, TRANSITIONS_SHOWN)
        )
        if pings is None or transitions is None:
            return
        self._show_pings(pings)
        self._show_timeline(transitions)
        durations = [p.duration for p in reversed(pings) if p.duration is not None]
        self.query_one("#durations", Sparkline).data = durations or [0.0]

    def _show_pings(self, pings: list[Ping]) -> None:
        self._pings = pings
        table = self.query_one("#pings", DataTable)
        now = self.beatwatch.clock()
        with self.app.batch_update():
            table.clear()
            for index, ping in enumerate(pings):
                table.add_row(
                    ping.kind.value,
                    f"{local_time(ping.at)} ({format_relative(ping.at, now)})",
                    "" if ping.exit_code is None else str(ping.exit_code),
                    format_duration(ping.duration) if ping.duration is not None else "",
                    ping.remote_addr or "",
                    one_line(ping.user_agent or "", 30),
                    one_line(ping.body_text, BODY_PREVIEW),
                    key=str(index),
                )

    def _show_timeline(self, transitions: list[Transition]) -> None:
        app = self.beatwatch
        now = app.clock()
        timeline = Text()
        for transition in transitions:
            state: State = transition.to_state
            timeline.append(f"{local_time(transition.at)}  ", style="dim")
            timeline.append(state_label(state), style=app.theme_variables[state_variable(state)])
            timeline.append(f"  {format_relative(transition.at, now)}\n", style="dim")
        self.query_one("#timeline", Static).update(timeline or Text("no changes yet", "dim"))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        index = int(str(event.row_key.value))
        if index < len(self._pings):
            self.app.push_screen(PingBodyScreen(self._pings[index]))

    def action_copy_url(self) -> None:
        self.beatwatch.copy_ping_url(self.check_id)

    def action_copy_snippet(self) -> None:
        active = self.query_one("#snippets", TabbedContent).active
        key = active.removeprefix("snippet-")
        check = self.beatwatch.check(self.check_id)
        snippet = next((s for s in SNIPPETS if s.key == key), None)
        if check is None or snippet is None:
            return
        self.app.copy_to_clipboard(snippet.render(self.beatwatch.service.ping_url(check), check))
        self.notify(f"{snippet.title} snippet copied.", title="Copied")

    def action_edit(self) -> None:
        self.beatwatch.edit_check(self.check_id)

    async def action_pause(self) -> None:
        await self.beatwatch.toggle_pause(self.check_id)
