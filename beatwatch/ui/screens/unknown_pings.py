"""Pings that matched no check: a typo in a crontab, or a job whose check was deleted. One key
makes the check such a ping asked for, under its uuid or slug, so the job's next ping lands."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType

from beatwatch.core.model import MIN_INTERVAL, UnknownPing
from beatwatch.core.presentation import unknown_pings_summary
from beatwatch.core.timefmt import format_duration_exact, when
from beatwatch.ui.screens.live_table import LiveTableScreen, Row
from beatwatch.ui.table_view import ACTION_TOKEN, SortOrder

# A check made from a ping, when no earlier ping to the same URL tells how often its job runs.
EVERY_UNTIL_SEEN = "1d"
# The lines of a ping's body shown under the table.
BODY_LINES = 3


class UnknownPingsScreen(LiveTableScreen):
    COLUMNS: ClassVar[tuple[str, ...]] = ("When", "Check", "Request", "From", "User agent")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "create_check", "Make its check", id="unknown.create-check"),
    ]
    # Newest first.
    DEFAULT_ORDER = SortOrder(0, descending=True)

    def __init__(self) -> None:
        super().__init__()
        self._pings: list[UnknownPing] = []

    def data_version(self) -> int:
        return self.beatwatch.unknown_version

    async def load(self) -> tuple[Text | str, list[Row]] | None:
        app = self.beatwatch
        pings = await app.attempt("load unknown pings", app.service.unknown_pings())
        total = await app.attempt("count unknown pings", app.service.unknown_ping_count())
        if pings is None or total is None:
            return None
        now = app.clock()
        self._pings = pings
        summary = unknown_pings_summary(total, len(pings))
        rows = [
            Row(
                str(index),
                [when(p.at, now), p.key, p.request, p.remote_addr or "", p.user_agent or ""],
                sort_keys={0: p.at},
                # Each is a job whose pings are lost until its URL or a check is fixed.
                facts=frozenset({ACTION_TOKEN}),
            )
            for index, p in enumerate(pings)
        ]
        return summary, rows

    def _ping(self, key: str | None) -> UnknownPing | None:
        index = int(key) if key is not None else -1
        return self._pings[index] if 0 <= index < len(self._pings) else None

    def detail(self, key: str) -> Text | str:
        ping = self._ping(key)
        if ping is None:
            return ""
        lines = ping.body_text.splitlines()
        body = "\n".join(lines[:BODY_LINES]) + ("\n…" if len(lines) > BODY_LINES else "")
        create = self.beatwatch.key_for("unknown.create-check")
        if ping.uuid is not None or ping.slug is not None:
            hint = f"No check answers to {ping.key}: {create} makes one that does."
        elif ping.key.startswith("slug "):
            hint = (
                f"No check answers to {ping.key}: fix the ping key in the job's URL (each "
                "check's detail shows the right one)."
            )
        else:
            hint = f"No check answers to {ping.key}; fix the URL in the job, or add the check."
        return f"{hint}\nbody: {body}" if body else f"{hint}\nno body"

    def action_create_check(self) -> None:
        ping = self._ping(self.selected_key())
        if ping is None:
            return
        if ping.uuid is None and ping.slug is None:
            self.beatwatch.notify(
                f"A check made for {ping.key} would not receive these pings: the ping key in "
                "the job's URL is wrong. Fix the URL instead.",
                severity="warning",
            )
            return
        name = ping.slug or f"check {ping.uuid}"[:14]
        prefill = {
            "name": name,
            "every": self._interval(ping),
            "description": f"made from a ping to {ping.key} from {ping.remote_addr or '?'}",
        }
        self.beatwatch.new_check(prefill, ping.uuid)

    def _interval(self, ping: UnknownPing) -> str:
        """How often the job seems to run: the gap between its latest two pings to the same
        URL, to the minute."""
        times = [p.at for p in self._pings if (p.key, p.path) == (ping.key, ping.path)]
        if len(times) < 2:
            return EVERY_UNTIL_SEEN
        gap = times[0] - times[1]
        return format_duration_exact(max(MIN_INTERVAL, round(gap / 60) * 60))
