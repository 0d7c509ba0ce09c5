"""Reads share one SQLite connection: each must see every write acknowledged before it
started, however many other reads are in flight."""

from __future__ import annotations

import asyncio
import contextlib

from beatwatch.core.validation import CheckSpec
from beatwatch.service.service import Service


async def test_a_read_sees_the_write_before_it_while_other_reads_run(engine: Service) -> None:
    async def keep_reading() -> None:
        # What the evaluator, the dispatcher and an open UI do all the time.
        while True:
            await engine.list_checks()

    readers = [asyncio.create_task(keep_reading()) for _ in range(4)]
    try:
        for n in range(100):
            check = await engine.add_check(CheckSpec(name=f"job-{n}", every_seconds=3600))
            found = await engine.store.find_check(check.uuid)
            assert found is not None, f"check {n} was stored but a read after it missed it"
    finally:
        for reader in readers:
            reader.cancel()
        for reader in readers:
            with contextlib.suppress(asyncio.CancelledError):
                await reader
