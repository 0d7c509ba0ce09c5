"""Fixtures shared by every test directory: a real engine on 127.0.0.1:0 over a real SQLite
file in tmp_path, an HTTP client, and a way to wait for a condition instead of sleeping."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp
import pytest

from beatwatch.config import Settings
from beatwatch.runtime import start_engine
from beatwatch.service.service import Service
from tests.webhook import Hook, serving

Predicate = Callable[[], bool | Awaitable[bool]]


async def wait_for(predicate: Predicate, timeout: float = 5.0, what: str = "condition") -> None:
    """Poll `predicate` (sync or async) until it holds; fail the test after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        outcome = predicate()
        if inspect.isawaitable(outcome):
            outcome = await outcome
        if outcome:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout} s")
        await asyncio.sleep(0.02)


def engine_settings(data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir, listen_host="127.0.0.1", listen_port=0)


@contextlib.asynccontextmanager
async def running_engine(settings: Settings) -> AsyncIterator[Service]:
    """A service with its ping receiver and evaluator running, closed on the way out."""
    service = await Service.open(settings)
    try:
        await start_engine(service)
        yield service
    finally:
        await service.close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return engine_settings(tmp_path / "data")


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[Service]:
    async with running_engine(settings) as service:
        yield service


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def hook() -> AsyncIterator[Hook]:
    """A local JSON webhook for channels: `json://127.0.0.1:<port>/hook`."""
    async with serving(Hook()) as running:
        yield running
