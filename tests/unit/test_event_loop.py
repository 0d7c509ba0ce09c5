"""`beatwatch serve` runs on uvloop when it is installed; BEATWATCH_EVENT_LOOP=asyncio asks
for the standard loop."""

from __future__ import annotations

import asyncio

import pytest

from beatwatch.cli.event_loop import EVENT_LOOP_VARIABLE, run_event_loop


async def loop_module() -> str:
    return type(asyncio.get_running_loop()).__module__


def test_uvloop_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("uvloop")
    monkeypatch.delenv(EVENT_LOOP_VARIABLE, raising=False)
    assert run_event_loop(loop_module()).startswith("uvloop")


def test_the_standard_loop_on_request(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(EVENT_LOOP_VARIABLE, "asyncio")
    assert run_event_loop(loop_module()).startswith("asyncio")
