"""Sending pings to the real receiver, and moving a stored check's past back in time."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from multidict import CIMultiDictProxy

from beatwatch.config import Settings
from beatwatch.service.service import Service
from beatwatch.store.database import Store
from tests.conftest import settings_on
from tests.outside import outside


@dataclass(frozen=True)
class Reply:
    status: int
    headers: CIMultiDictProxy[str]
    text: str

    def json(self) -> Any:
        return json.loads(self.text)


Send = Callable[..., Awaitable[Reply]]


def sender(service: Service, http: aiohttp.ClientSession) -> Send:
    """`await send("/ping/<uuid>/fail", method="POST", data=b"...")` against `service`."""

    async def request(path: str, method: str = "GET", **options: Any) -> Reply:
        async with http.request(method, f"{service.base_url}{path}", **options) as reply:
            return Reply(reply.status, reply.headers, await reply.text())

    return request


@pytest.fixture
def send(engine: Service, http: aiohttp.ClientSession) -> Send:
    return sender(engine, http)


# Every stored time that says where a check stands on its schedule.
_CHECK_TIMES = (
    "created_at",
    "clock_start",
    "state_since",
    "next_change_at",
    "last_ping_at",
    "last_finish_at",
    "run_started_at",
)


def shift_into_past(store: Store | Path, check_id: int, seconds: float) -> None:
    """Rewrite a check and its history as if everything had happened `seconds` earlier,
    the way another process (or a stopped engine's downtime) would leave the database."""
    assignments = ", ".join(f"{column} = {column} - :shift" for column in _CHECK_TIMES)
    params = {"shift": seconds, "id": check_id}
    with outside(store) as conn:
        conn.execute(f"UPDATE checks SET {assignments} WHERE id = :id", params)
        conn.execute("UPDATE pings SET at = at - :shift WHERE check_id = :id", params)
        conn.execute(
            "UPDATE runs SET started_at = started_at - :shift WHERE check_id = :id", params
        )
        conn.execute("UPDATE transitions SET at = at - :shift WHERE check_id = :id", params)


@pytest.fixture
def settings(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Every test here runs on SQLite and on PostgreSQL."""
    return settings_on(backend, request, tmp_path / "data")
