"""Pings that matched no check: a typo in a crontab, or a job whose check was deleted."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from beatwatch.engine.timefmt import format_relative

if TYPE_CHECKING:
    from beatwatch.ui.app import BeatwatchApp

REFRESH_INTERVAL = 1.0


class UnknownPingsScreen(Screen[None]):
    def __init__(self) -> None:
        super().__init__()
        self._seen_version = -1

    @property
    def beatwatch(self) -> BeatwatchApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Header(icon="♥")
        yield Static(id="unknown-summary")
        yield DataTable(id="unknown", cursor_type="row")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label in ("When", "Key or slug", "From", "User agent"):
            table.add_column(label)
        self._tick()

    def _tick(self) -> None:
        try:
            if self.app.screen is self and self.beatwatch.unknown_version != self._seen_version:
                self._seen_version = self.beatwatch.unknown_version
                self.run_worker(self._load(), group="unknown", exclusive=True)
        finally:
            self.set_timer(REFRESH_INTERVAL, self._tick)

    async def _load(self) -> None:
        service = self.beatwatch.service
        pings = await self.beatwatch.attempt("load unknown pings", service.unknown_pings())
        total = await self.beatwatch.attempt("count unknown pings", service.unknown_ping_count())
        if pings is None or total is None:
            return
        now = self.beatwatch.clock()
        self.query_one("#unknown-summary", Static).update(
            f"{total} pings matched no check so far; the latest {len(pings)} are below. "
            "Nothing is created from them: fix the URL in the job, or add the check."
        )
        table = self.query_one(DataTable)
        with self.app.batch_update():
            table.clear()
            for ping in pings:
                when = datetime.fromtimestamp(ping.at).astimezone()
                table.add_row(
                    f"{when:%a %d %b %H:%M:%S} ({format_relative(ping.at, now)})",
                    ping.key,
                    ping.remote_addr or "",
                    ping.user_agent or "",
                )
