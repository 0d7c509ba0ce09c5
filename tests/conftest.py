"""Fixtures shared by every test directory: a real engine on 127.0.0.1:0 over a real SQLite
file in tmp_path (or, where a directory asks for both backends, a real PostgreSQL database of
a throwaway cluster), an HTTP client, and a way to wait for a condition instead of sleeping."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from beatwatch.config import Settings
from beatwatch.runtime import start_engine
from beatwatch.service.service import Service
from tests.postgres import TEMPLATE, Cluster, fresh_database, throwaway_cluster
from tests.webhook import Hook, serving

BACKENDS = ["sqlite", "postgresql"]

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


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[Cluster]:
    """One throwaway PostgreSQL cluster for the session, with a template database the
    schema was made in once."""
    try:
        with throwaway_cluster() as cluster:
            cluster.sql(f"CREATE DATABASE {TEMPLATE}")
            asyncio.run(_make_schema(cluster.url(TEMPLATE)))
            yield cluster
    except FileNotFoundError as missing:
        _postgres_missing.append(str(missing))
        pytest.skip(f"PostgreSQL tests skipped: {missing}; install Debian's postgresql package")


# Why the PostgreSQL tests could not run, said once more at the end of the run.
_postgres_missing: list[str] = []


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _postgres_missing:
        terminalreporter.write_line(
            f"PostgreSQL tests SKIPPED: {_postgres_missing[0]} (install Debian's postgresql "
            "package, as .ci/run does)",
            yellow=True,
            bold=True,
        )


async def _make_schema(url: str) -> None:
    from beatwatch.store.database import Store

    store = await Store.open(Path("/nonexistent-data-dir-unused"), database_url=url)
    await store.close()


@pytest.fixture
def postgres_url(postgres_cluster: Cluster) -> str:
    """A fresh PostgreSQL database with beatwatch's schema, for this test alone."""
    return fresh_database(postgres_cluster, TEMPLATE)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Each backend in turn, for the directories whose tests run on both."""
    return str(request.param)


def settings_on(backend: str, request: pytest.FixtureRequest, data_dir: Path) -> Settings:
    """Engine settings on `backend`: SQLite in `data_dir`, or a fresh PostgreSQL database."""
    settings = engine_settings(data_dir)
    if backend == "postgresql":
        settings = replace(settings, database_url=request.getfixturevalue("postgres_url"))
    return settings


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test marked sqlite_only (it opens the file, or breaks SQLite on purpose) runs on
    SQLite alone: its PostgreSQL variant is deselected, and counted as such."""
    kept, dropped = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_postgres = callspec is not None and callspec.params.get("backend") == "postgresql"
        (dropped if on_postgres and item.get_closest_marker("sqlite_only") else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


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
