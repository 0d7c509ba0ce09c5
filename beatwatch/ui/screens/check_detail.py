"""One check up close: its ping URL and ready-made snippets, its ping history (all it keeps,
a page at a time, sorted and filtered like any table), run durations, the timeline of its
states, its open incident and its host's maintenance."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import (
    DataTable,
    Header,
    Input,
    Label,
    Static,
    TabbedContent,
    TabPane,
)

from beatwatch.core.model import PINGS_KEPT, Check, Incident, Ping, PingKind, State, Transition
from beatwatch.core.presentation import schedule_facts, state_label
from beatwatch.core.snippets import SNIPPETS, Links
from beatwatch.core.terminal_text import terminal_text
from beatwatch.core.timefmt import (
    SHORT_FORM,
    format_duration,
    format_relative,
    long_time,
    when,
    written,
)
from beatwatch.service.alerts import HostStatus
from beatwatch.ui.formatting import (
    SEPARATOR,
    first_fitting,
    hanging,
    one_line,
)
from beatwatch.ui.screens.hosts import maintenance_until
from beatwatch.ui.screens.live_table import LiveRows, Row, arranged, fill, plain
from beatwatch.ui.screens.ping_body import PingBodyScreen
from beatwatch.ui.screens.screen_state import in_front, whole
from beatwatch.ui.screens.table_keys import FILTER_BINDINGS, SORT_BINDINGS, TableKeys
from beatwatch.ui.table_view import ACTION_TOKEN, Query, SortOrder, with_token
from beatwatch.ui.themes import state_variable
from beatwatch.ui.widgets.checks_table import next_due_text
from beatwatch.ui.widgets.duration_chart import DurationChart
from beatwatch.ui.widgets.fitted_text import FittedText
from beatwatch.ui.widgets.keys_footer import KeysFooter
from beatwatch.ui.widgets.row_table import RowTable

# Pings on one page of the history; every kept one can be paged to.
PAGE_ROWS = 25
PING_COLUMNS = ("Kind", "When", "Exit", "Duration", "From", "User agent", "Body")
BODY_COLUMN = PING_COLUMNS.index("Body")
# The body is given the room the other columns leave, and never less than this.
BODY_LEAST = 20
USER_AGENT_SHOWN = 30
KIND_PREFIX = "kind:"
# What the kind key steps through: every kind, then each one alone.
KINDS = (None, PingKind.FAIL, PingKind.SUCCESS, PingKind.START, PingKind.LOG)
TRANSITIONS_SHOWN = 12
REFRESH_INTERVAL = 1.0
NO_TIMED_RUNS = "no timed runs yet: a run is timed from its /start ping to its finish"
# Shown in place of a fact until it is read: never a guess such as "none open".
LOADING = "loading…"
# The facts' labels are right-aligned in this many cells, and their values start two after.
LABEL_WIDTH = 13
VALUE_COLUMN = LABEL_WIDTH + 2
# Cells left clear after the longest fact, so that it does not run into the history beside it.
GAP = 1
# The States rows, from the fullest form to the shortest: a narrow column loses the weekday,
# then how long ago. All rows take one form, so that their times line up.
TIMELINE_FORMS = (
    (SHORT_FORM, True),
    ("%d %b %H:%M", True),
    ("%d %b %H:%M", False),
)


def facts(rows: list[tuple[str, str]], width: int) -> Text:
    """Labelled facts in `width` cells, a long value wrapping under itself, clear of the labels."""
    text = Text()
    for label, value in rows:
        text.append(f"{label:>{LABEL_WIDTH}}  ", style="dim")
        text.append(f"{hanging(value, VALUE_COLUMN, width - GAP)}\n")
    return text


def failed(ping: Ping) -> bool:
    """A fail ping, or a run that ended with a non-zero exit code."""
    return ping.kind is PingKind.FAIL or bool(ping.exit_code)


class CheckDetailScreen(TableKeys, Screen[None]):
    # Widgets with keys of their own on this screen, for the keymap's clash check.
    KEYED_WIDGETS: ClassVar[tuple[type[Widget], ...]] = (RowTable,)
    TABLE_NAME = "pings"
    SORT_COLUMNS = len(PING_COLUMNS)
    # Newest first.
    DEFAULT_ORDER = SortOrder(PING_COLUMNS.index("When"), descending=True)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="detail.back"),
        Binding("y", "copy_url", "Copy URL", id="detail.copy-url"),
        Binding("s", "copy_snippet", "Snippet", id="detail.copy-snippet"),
        Binding("e", "edit", "Edit", id="detail.edit"),
        Binding("p", "pause", "Pause", id="detail.pause"),
        Binding("a", "acknowledge", "Ack", id="detail.acknowledge"),
        Binding("m", "maintenance", "Maintenance", id="detail.maintenance"),
        Binding("t", "test_channels", "Test", id="detail.test-channels"),
        # Named by the pings' title rather than the footer, which is full at 120 columns.
        Binding("f", "next_kind", "Ping kind shown", show=False, id="detail.kind"),
        Binding("right_square_bracket", "page(1)", "Older pings", show=False, id="detail.older"),
        Binding("left_square_bracket", "page(-1)", "Newer pings", show=False, id="detail.newer"),
        # The pings' title names these, as the footer is full.
        *(replace(binding, show=False) for binding in FILTER_BINDINGS),
        *SORT_BINDINGS,
    ]

    def __init__(self, check_id: int) -> None:
        super().__init__()
        self.check_id = check_id
        # The pings and the states are loaded again when the check changes, and when their
        # "… ago" have aged on the app's clock.
        self._history = LiveRows(
            self,
            lambda: self.beatwatch.clock(),
            lambda: self.beatwatch.fleet.versions.get(check_id, 0),
            self._load_history,
        )
        self._pings: dict[str, Ping] = {}
        self._ping_rows: list[Row] = []
        self._query = Query()
        self._page = 0
        self._transitions: list[Transition] | None = None
        self._links: Links | None = None
        self._alerts_seen = -1
        # Whether the open incident and the host's maintenance have been read yet.
        self._alerting_loaded = False
        self._incident: Incident | None = None
        self._host: HostStatus | None = None

    def compose(self) -> ComposeResult:
        yield Header(icon="♥")
        with VerticalScroll(id="detail"):
            with Horizontal(id="detail-top"):
                yield FittedText(id="info")
                with Vertical(id="history"):
                    yield Label("Run durations (oldest → newest)", classes="section-title")
                    yield DurationChart(id="durations")
                    yield Static(LOADING, id="no-durations")
                    yield Label("States", classes="section-title")
                    yield FittedText(id="timeline")
            yield Label("Ping this URL when the job runs", classes="section-title")
            yield Static(id="ping-url")
            with TabbedContent(id="snippets"):
                for snippet in SNIPPETS:
                    with TabPane(snippet.title, id=f"snippet-{snippet.key}"):
                        yield Static(LOADING, id=f"code-{snippet.key}", classes="code")
            yield Label("Pings", id="pings-title", classes="section-title")
            yield Static(LOADING, id="pings-loading")
            yield RowTable(id="pings", cursor_type="row")
        yield Input(placeholder="filter the pings: words, kind:fail, is:action", id="filter")
        yield KeysFooter()

    def on_mount(self) -> None:
        table = self.query_one("#pings", RowTable)
        table.display = False
        self.query_one("#durations").display = False
        self.query_one("#timeline", FittedText).show(lambda width: Text(LOADING, "dim"))
        self.filter_box.display = False
        check = self.beatwatch.check(self.check_id)
        if check is not None:
            url = self.beatwatch.service.ping_url(check)
            self.query_one("#ping-url", Static).update(Text(url, style="bold"))
            self.run_worker(self._load_snippets(check), group="snippets")
        self._history.start()
        self._tick()

    async def _load_snippets(self, check: Check) -> None:
        """The snippets, once the check's badge keys are read (the badges tab shows them)."""
        links = await self.beatwatch.attempt("load badges", self.beatwatch.service.links(check))
        if links is None or not whole(self):
            return
        self._links = links
        for snippet in SNIPPETS:
            shown = terminal_text(snippet.render(links, check), multiline=True)
            self.query_one(f"#code-{snippet.key}", Static).update(Text(shown))

    def on_screen_resume(self) -> None:
        self._history.resumed()

    def _tick(self) -> None:
        try:
            if in_front(self):
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
        now = app.clock()
        self._show_info(check, now)
        # Every "… ago" on the screen is written from this one moment: a ping's age beside the
        # state's "since" must not read a few seconds older or younger for the same instant.
        self._age_pings(now)
        if self._transitions is not None:
            self._show_timeline(self._transitions)
        if app.alerts_version != self._alerts_seen:
            self._alerts_seen = app.alerts_version
            self.run_worker(self._load_alerting(), group="alerting", exclusive=True)

    def _show_info(self, check: Check, now: float) -> None:
        app = self.beatwatch
        evaluation = app.fleet.evaluations[self.check_id]
        colour = app.theme_variables[state_variable(evaluation.state)]
        info = Text()
        info.append(f"{terminal_text(check.name)}\n", style="bold")
        info.append(state_label(evaluation.state), style=f"{colour} bold")
        info.append(f"  since {format_relative(evaluation.since, now)}\n")
        rows = [
            *schedule_facts(check.schedule),
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
            ("incident", self._incident_text(now)),
            ("host", self._host_text(check, now)),
            ("tags", ", ".join(check.tags) or "—"),
            ("alerts on", ", ".join(sorted(a.value for a in check.alerts)) or "nothing"),
            ("slug", check.slug),
        ]
        self.query_one("#info", FittedText).show(lambda width: info + facts(rows, width))

    def _incident_text(self, now: float) -> str:
        incident = self._incident
        if not self._alerting_loaded:
            return LOADING
        if incident is None:
            return "none open"
        ack = (
            f"acknowledged {format_relative(incident.acknowledged_at, now)}"
            if incident.acknowledged_at
            else f"not acknowledged ({self.beatwatch.key_for('detail.acknowledge')}: acknowledge)"
        )
        opened = format_relative(incident.opened_at, now)
        return f"{state_label(incident.state)} since {opened}{SEPARATOR}{ack}"

    def _host_text(self, check: Check, now: float) -> str:
        if not check.host:
            return "—"
        if not self._alerting_loaded:
            return f"{check.host}{SEPARATOR}maintenance {LOADING}"
        until = maintenance_until(self._host.windows, now) if self._host else None
        if until is None:
            return check.host
        return f"{check.host}{SEPARATOR}in maintenance until {long_time(until)}, alerts held"

    async def _load_alerting(self) -> None:
        """The check's open incident and its host's maintenance, for the info panel."""
        alerts = self.beatwatch.service.alerts
        incidents = await self.beatwatch.attempt("load incidents", alerts.incidents(True))
        hosts = await self.beatwatch.attempt("load hosts", alerts.hosts())
        # The screen may have closed (the app with it) while they were read.
        if incidents is None or hosts is None or not whole(self):
            return
        self._incident = next((i for i in incidents if i.check_id == self.check_id), None)
        check = self.beatwatch.check(self.check_id)
        host = check.host if check else None
        self._host = next((h for h in hosts if h.name == host), None)
        self._alerting_loaded = True
        if check is not None:
            self._show_info(check, self.beatwatch.clock())

    async def _load_history(self) -> None:
        if self.beatwatch.check(self.check_id) is None:
            return  # deleted: the screen closes on its next tick
        service = self.beatwatch.service
        ref = str(self.check_id)
        pings = await self.beatwatch.attempt("load pings", service.pings(ref, PINGS_KEPT))
        transitions = await self.beatwatch.attempt(
            "load states", service.transitions(ref, TRANSITIONS_SHOWN)
        )
        if pings is None or transitions is None or not whole(self):
            return
        self._show_pings(pings)
        self._show_timeline(transitions)
        durations = [(p.at, p.duration) for p in reversed(pings) if p.duration is not None]
        chart = self.query_one("#durations", DurationChart)
        chart.runs = tuple(durations)
        chart.display = bool(durations)
        no_durations = self.query_one("#no-durations", Static)
        no_durations.update(NO_TIMED_RUNS)
        no_durations.display = not durations

    def _show_pings(self, pings: list[Ping]) -> None:
        """The pings in place of those shown, the cursor staying on the ping it was on."""
        self._pings = {str(ping.number): ping for ping in pings}
        now = self.beatwatch.clock()
        bad = f"{self.beatwatch.theme_variables[state_variable(State.FAILING)]} bold"
        self._ping_rows = [self._ping_row(ping, now, bad) for ping in pings]
        self._show_page()
        self.query_one("#pings", RowTable).display = True
        self.query_one("#pings-loading").display = False

    def _ping_row(self, ping: Ping, now: float, bad: str) -> Row:
        style = bad if failed(ping) else ""
        return Row(
            str(ping.number),
            (
                Text(ping.kind.value, style=bad if ping.kind is PingKind.FAIL else ""),
                when(ping.at, now),
                Text("" if ping.exit_code is None else str(ping.exit_code), style=style),
                format_duration(ping.duration) if ping.duration is not None else "",
                ping.remote_addr or "",
                one_line(ping.user_agent or "", USER_AGENT_SHOWN),
                # Cut to the room there is when the page is drawn.
                " ".join(ping.body_text.split()),
            ),
            sort_keys={
                1: ping.at,
                2: math.inf if ping.exit_code is None else ping.exit_code,
                3: math.inf if ping.duration is None else ping.duration,
            },
            facts=frozenset(
                {f"{KIND_PREFIX}{ping.kind.value}"} | ({ACTION_TOKEN} if failed(ping) else set())
            ),
        )

    def _show_page(self) -> None:
        """The page of the sorted, filtered pings the history is at, the body cut to the
        table's room, and the title saying where in the history it is."""
        order = self.table_order
        shown = arranged(self._ping_rows, self._query, order)
        pages = max(1, math.ceil(len(shown) / PAGE_ROWS))
        self._page = max(0, min(self._page, pages - 1))
        first = self._page * PAGE_ROWS
        page = shown[first : first + PAGE_ROWS]
        table = self.query_one("#pings", RowTable)
        columns = [(label.lower(), order.header(label, n)) for n, label in enumerate(PING_COLUMNS)]
        body_room = self._body_room(table, page, [header for _, header in columns])
        rows = [
            Row(
                row.key,
                (*row.cells[:BODY_COLUMN], one_line(str(row.cells[BODY_COLUMN]), body_room)),
            )
            for row in page
        ]
        fill(table, rows, columns)
        self.query_one("#pings-title", Label).update(
            self._pings_title(len(shown), first, len(page))
        )

    def on_resize(self) -> None:
        # The body's room changes with the width.
        if self._ping_rows:
            self._show_page()

    def _body_room(self, table: RowTable, page: list[Row], headers: list[str]) -> int:
        """The cells the body column may take: the table's width less every other column."""
        padding = 2 * table.cell_padding
        others = sum(
            max([cell_len(header), *(plain(row.cells[n]).cell_len for row in page)]) + padding
            for n, header in enumerate(headers)
            if n != BODY_COLUMN
        )
        room = (table.size.width or self.size.width - 2) - others - padding - 1
        return max(BODY_LEAST, room)

    def _pings_title(self, matching: int, first: int, shown: int) -> str:
        """ "Pings 26–50 of 100 · [ / ]: newer / older · f: kind (all) · enter: …"."""
        key = self.beatwatch.key_for
        kept = len(self._ping_rows)
        if not shown:
            where = f": none of the {kept} kept match" if kept else ": none yet"
        else:
            where = f" {first + 1}–{first + shown} of {matching}"
            if matching != kept:
                where += f" matching (of {kept} kept)"
        pages = (
            f" · {key('detail.newer')} / {key('detail.older')}: newer / older"
            if matching > PAGE_ROWS
            else ""
        )
        return (
            f"Pings{where}{pages} · {key('detail.kind')}: kind "
            f"({self._kind_shown()}) · {key('table.filter')}: filter · enter: the whole body"
        )

    def _kind_shown(self) -> str:
        kinds = [
            t.removeprefix(KIND_PREFIX) for t in self._query.tokens if t.startswith(KIND_PREFIX)
        ]
        return ", ".join(kinds) or "all"

    # -- the history's keys ----------------------------------------------------------------

    def show_filter(self, query: str) -> None:
        self._query = Query.parse(query)
        self._page = 0
        self._show_page()
        # In a short terminal the pings sit below the facts: show what the filter is doing.
        self.query_one("#pings-title", Label).scroll_visible(animate=False, top=True)

    def show_order(self, order: SortOrder) -> None:
        self._show_page()

    def matching(self) -> str:
        shown = sum(1 for row in self._ping_rows if row.shown_by(self._query))
        return f"{shown} of {len(self._ping_rows)} pings match"

    def focus_table(self) -> None:
        self.query_one("#pings", RowTable).focus()

    def action_page(self, step: int) -> None:
        self._page += step
        self._show_page()

    def action_next_kind(self) -> None:
        now = next((k for k in KINDS[1:] if f"{KIND_PREFIX}{k.value}" in self._query.tokens), None)
        following = KINDS[(KINDS.index(now) + 1) % len(KINDS)]
        token = f"{KIND_PREFIX}{following.value}" if following else None
        self.filter_by(with_token(self.filter_box.value, KIND_PREFIX, token))

    def action_back(self) -> None:
        """Esc clears the pings' filter first, if one is set, then goes back."""
        if self.filter_box.display:
            self.action_clear_filter()
        else:
            self.app.pop_screen()

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        self.header_clicked(event.column_index)

    def _age_pings(self, now: float) -> None:
        table = self.query_one("#pings", RowTable)
        for key, ping in self._pings.items():
            if key in table.rows:
                table.update_cell(key, "when", when(ping.at, now))

    def _show_timeline(self, transitions: list[Transition]) -> None:
        self._transitions = transitions
        now = self.beatwatch.clock()
        forms = [self._timeline(transitions, now, *form) for form in TIMELINE_FORMS]
        self.query_one("#timeline", FittedText).show(lambda width: first_fitting(forms, width))

    def _timeline(self, transitions: list[Transition], now: float, moment: str, aged: bool) -> Text:
        """The states, newest first: when each began (as strftime's `moment` writes it), and
        how long ago if `aged`."""
        colours = self.beatwatch.theme_variables
        timeline = Text()
        for transition in transitions:
            state: State = transition.to_state
            timeline.append(f"{written(transition.at, moment)}  ", style="dim")
            timeline.append(state_label(state), style=colours[state_variable(state)])
            age = f"  {format_relative(transition.at, now)}" if aged else ""
            timeline.append(f"{age}\n", style="dim")
        return timeline or Text("no changes yet", "dim")

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        ping = self._pings.get(str(event.row_key.value))
        if ping is not None:
            self.app.push_screen(PingBodyScreen(ping))

    def selected_check_id(self) -> int | None:
        return self.check_id

    def action_copy_url(self) -> None:
        self.beatwatch.copy_ping_url(self.check_id)

    def action_copy_snippet(self) -> None:
        active = self.query_one("#snippets", TabbedContent).active
        key = active.removeprefix("snippet-")
        check = self.beatwatch.check(self.check_id)
        snippet = next((s for s in SNIPPETS if s.key == key), None)
        if check is None or snippet is None:
            return
        if self._links is None:
            self.notify("Still reading this check's badge keys; a moment.")
            return
        self.app.copy_to_clipboard(snippet.render(self._links, check))
        self.notify(f"{snippet.title} snippet copied.", title="Copied")

    def action_edit(self) -> None:
        self.beatwatch.edit_check(self.check_id)

    async def action_pause(self) -> None:
        await self.beatwatch.toggle_pause(self.check_id)

    def _still_loading(self) -> bool:
        """Whether the incident and maintenance are still being read, which says so: a key
        that acts on them must not act on a guess."""
        if not self._alerting_loaded:
            self.notify("Still reading this check's incident and maintenance; a moment.")
        return not self._alerting_loaded

    async def action_acknowledge(self) -> None:
        if self._still_loading():
            return
        if self._incident is None:
            self.notify("This check has no open incident.")
            return
        await self.beatwatch.acknowledge(self._incident)

    async def action_maintenance(self) -> None:
        """Start maintenance on the check's host, or end it if it is on."""
        app = self.beatwatch
        check = app.check(self.check_id)
        if check is None or not check.host:
            self.notify(
                f"This check names no host; set one with {app.key_for('detail.edit')} to use "
                "maintenance windows.",
                severity="warning",
            )
            return
        if self._still_loading():
            return
        windows = self._host.windows if self._host else []
        if maintenance_until(windows, app.clock()) is not None:
            await app.end_maintenance(check.host)
        else:
            app.start_maintenance(check.host)

    async def action_test_channels(self) -> None:
        app = self.beatwatch
        check = app.check(self.check_id)
        if check is None:
            return
        targets = await app.attempt("load channels", app.service.alerts.channels_alerted_by(check))
        if targets is None:
            return
        if not targets:
            self.notify(
                f"No channel would get this check's alerts: {app.channel_hint()}; or name one "
                f"in the check ({app.key_for('detail.edit')}).",
                severity="warning",
                timeout=10,
            )
            return
        self.notify(f"Sending a test to {', '.join(c.name for c in targets)}…")
        await app.test_channels([c.name for c in targets])
