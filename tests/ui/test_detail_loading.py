"""The check detail says "loading…" until its facts are read, never a guess: a check with an
open incident never shows "none open", and one with timed runs never "no timed runs yet"."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from beatwatch.core.model import PingKind, PingRequest
from beatwatch.core.validation import CheckSpec
from beatwatch.ui.screens.check_detail import CheckDetailScreen
from beatwatch.ui.widgets.checks_table import ChecksTable
from tests.conftest import wait_for
from tests.ui.conftest import SIZE
from tests.ui.test_alert_screens import app_for, fail
from tests.ui.test_detail_width import drawn


def held_back(target: Any, name: str, gate: asyncio.Event, monkeypatch) -> None:
    """The real service call `name`, answering only once `gate` is set: a slow database."""
    real = getattr(target, name)

    async def slow(*args: Any, **kwargs: Any) -> Any:
        await gate.wait()
        return await real(*args, **kwargs)

    monkeypatch.setattr(target, name, slow)


async def test_the_detail_never_shows_none_open_for_an_open_incident(
    service, tmp_path, monkeypatch
):
    check = await service.add_check(CheckSpec(name="pg dump", every_seconds=3600, host="db1"))
    now = time.time()
    await service.record_ping(PingRequest(PingKind.START, uuid=check.uuid, at=now - 30))
    await service.record_ping(PingRequest(PingKind.SUCCESS, uuid=check.uuid, at=now - 20))
    await fail(service, check)
    gate = asyncio.Event()
    held_back(service.alerts, "incidents", gate, monkeypatch)
    held_back(service, "pings", gate, monkeypatch)
    app = app_for(service, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(lambda: check.id in app.screen.query_one(ChecksTable).shown_ids)
        await pilot.press("enter")
        await wait_for(lambda: isinstance(app.screen, CheckDetailScreen))
        info = app.screen.query_one("#info")
        await wait_for(lambda: "incident  loading…" in "".join(drawn(info)))
        await pilot.pause(0.3)
        text = "".join(drawn(info))
        assert "none open" not in text
        assert "db1 · maintenance loading…" in text
        no_durations = str(app.screen.query_one("#no-durations").render())
        assert no_durations == "loading…"
        assert not app.screen.query_one("#pings").display
        # A key that acts on the incident waits for it to be read.
        await pilot.press("a")
        await pilot.pause(0.1)
        assert (await service.alerts.incident(1)).acknowledged_at is None

        gate.set()
        await wait_for(lambda: "FAILING since" in "".join(drawn(info)))
        await wait_for(lambda: app.screen.query_one("#pings").display)
        assert not app.screen.query_one("#no-durations").display
        assert app.screen.query_one("#durations").display
