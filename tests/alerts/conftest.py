"""Real Apprise delivering to real local endpoints: an aiohttp JSON hook and an aiosmtpd server.

Time is driven explicitly: the service runs on a virtual clock, checks are evaluated and the
dispatcher runs at a `now` the test chooses, so retries and escalations need no waiting.
"""

from __future__ import annotations

import socket
import time
from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from beatwatch.config import Settings
from beatwatch.core.validation import CheckSpec
from beatwatch.engine.dispatch import Delivery, Dispatcher
from beatwatch.engine.evaluator import evaluate_due
from beatwatch.service.service import Service
from tests.conftest import settings_on
from tests.outside import outside
from tests.virtual_clock import VirtualClock


class MailBox:
    def __init__(self) -> None:
        self.messages: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.content.decode("utf-8", "replace"))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp() -> Any:
    box = MailBox()
    box.port = free_port()  # type: ignore[attr-defined]
    controller = Controller(box, hostname="127.0.0.1", port=box.port)  # type: ignore[attr-defined]
    controller.start()
    yield box
    controller.stop()


class Harness:
    """A service on a real data dir, with a dispatcher driven by a test clock."""

    def __init__(self, service: Service) -> None:
        assert isinstance(service.clock, VirtualClock)
        self.service = service
        self.clock = service.clock
        self.deliveries: list[Delivery] = []
        self.dispatcher = Dispatcher(service.store, self.deliveries.append, clock=self.clock)

    async def add(self, name: str, **fields: Any) -> Any:
        fields.setdefault("every_seconds", 60)
        return await self.service.add_check(CheckSpec(name=name, **fields))

    async def evaluate_at(self, when: float) -> None:
        self.clock.set(when)
        await self.service.store.write(partial(evaluate_due, now=when, limit=10_000))

    async def dispatch(self) -> None:
        """Run the dispatcher at the test's `now` until it has nothing more to send."""
        while True:
            before = len(self.deliveries)
            await self.dispatcher.run_once()
            await self.dispatcher.drain()
            if len(self.deliveries) == before:
                return

    def backdate(self, check_id: int, seconds: float) -> None:
        """Move a check's past into the past, as if it had been created `seconds` earlier."""
        with outside(self.service.store) as conn:
            conn.execute(
                "UPDATE checks SET created_at = created_at - :shift, "
                "clock_start = clock_start - :shift, state_since = state_since - :shift, "
                "next_change_at = next_change_at - :shift WHERE id = :id",
                {"shift": seconds, "id": check_id},
            )


async def open_on_test_clock(settings: Settings) -> Service:
    """A service whose clock starts at the real time and moves only when a test says."""
    return await Service.open(settings, clock=VirtualClock(time.time()))


@pytest.fixture
async def harness(settings: Settings) -> AsyncIterator[Harness]:
    service = await open_on_test_clock(settings)
    yield Harness(service)
    await service.close()


@pytest.fixture
def settings(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Every test here runs on SQLite and on PostgreSQL."""
    return settings_on(backend, request, tmp_path / "data")
