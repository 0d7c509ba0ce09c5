"""Pings that matched no check: a typo in a crontab, or a job whose check was deleted."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text

from beatwatch.core.presentation import unknown_pings_summary
from beatwatch.core.timefmt import when
from beatwatch.ui.screens.live_table import LiveTableScreen, Row
from beatwatch.ui.table_view import ACTION_TOKEN, SortOrder


class UnknownPingsScreen(LiveTableScreen):
    COLUMNS: ClassVar[tuple[str, ...]] = ("When", "Key or slug", "From", "User agent")
    # Newest first.
    DEFAULT_ORDER = SortOrder(0, descending=True)

    def __init__(self) -> None:
        super().__init__()
        self._keys: dict[str, str] = {}

    def data_version(self) -> int:
        return self.beatwatch.unknown_version

    async def load(self) -> tuple[Text | str, list[Row]] | None:
        app = self.beatwatch
        pings = await app.attempt("load unknown pings", app.service.unknown_pings())
        total = await app.attempt("count unknown pings", app.service.unknown_ping_count())
        if pings is None or total is None:
            return None
        now = app.clock()
        self._keys = {str(index): p.key for index, p in enumerate(pings)}
        summary = unknown_pings_summary(total, len(pings))
        rows = [
            Row(
                str(index),
                [
                    when(p.at, now),
                    p.key,
                    p.remote_addr or "",
                    p.user_agent or "",
                ],
                sort_keys={0: p.at},
                # Each is a job whose pings are lost until its URL or a check is fixed.
                facts=frozenset({ACTION_TOKEN}),
            )
            for index, p in enumerate(pings)
        ]
        return summary, rows

    def detail(self, key: str) -> Text | str:
        return (
            f"No check answers to {self._keys.get(key, '?')}. Nothing is created from these "
            "pings: fix the URL in the job, or add the check."
        )
