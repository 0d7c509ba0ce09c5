"""Evaluator: an idle pass over 100,000 checks, and 10,000 checks falling due in one second.

The checks are made by catalog.create_check inside writer jobs (the setup rate is reported).
First Evaluator.run_pass() and Store.earliest_change() are timed with nothing due. Then
10,000 more checks are created whose clock runs out within the same second a little later,
the real Evaluator.run() loop is started, and each transition's lag is taken as the wall
clock when its batch was committed minus the due time stamped on the transition.

Targets: idle pass <= 5 ms; all 10,000 transitioned within 2 s of their second; p99 lag <= 1 s.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from functools import partial
from pathlib import Path

from beatwatch.engine.evaluator import Evaluator, Settled
from beatwatch.store.database import Store
from tests.bench.common import (
    Figure,
    Scale,
    at_most,
    count_rows,
    info,
    percentile,
    scratch_dir,
    seed_checks,
)

IDLE_EVERY = 3600
DUE_EVERY = 60  # the shortest sensible cron-like interval: due a minute after creation
IDLE_SAMPLES = 200
SETTLE_TIMEOUT = 60.0
# Time to create the due checks before they fall due, as a multiple of the measured rate.
SETUP_MARGIN = 2.0
TARGET_IDLE_MS = 5.0
TARGET_ALL_DUE_S = 2.0
TARGET_LAG_S = 1.0


def run(scale: Scale) -> list[Figure]:
    with scratch_dir("evaluator") as scratch:
        total, due = scale.pick(100_000, 10_000), scale.pick(10_000, 2_000)
        return asyncio.run(_measure(scratch, total, due))


async def _measure(data_dir: Path, total: int, due: int) -> list[Figure]:
    db = await Store.open(data_dir)
    try:
        idle = total - due
        started = time.perf_counter()
        now = time.time()
        await db.write(
            partial(seed_checks, count=idle, every_seconds=IDLE_EVERY, created_at=lambda _: now)
        )
        per_check = (time.perf_counter() - started) / idle
        figures = [
            info(
                "checks created by create_check, one job",
                1 / per_check,
                "checks/s",
                f"{idle} checks in {per_check * idle:.1f} s",
            ),
        ]
        figures += await _idle_pass(db, total=idle)
        figures += await _due_burst(db, due, lead=per_check * due * SETUP_MARGIN + 1.0)
        return figures
    finally:
        await db.close()


async def _idle_pass(db: Store, total: int) -> list[Figure]:
    evaluator = Evaluator(db, on_settled=lambda settled: None)
    pass_seconds = [await _timed(evaluator.run_pass) for _ in range(IDLE_SAMPLES)]
    earliest_seconds = [await _timed(db.earliest_change) for _ in range(IDLE_SAMPLES)]
    against = f"{total} checks, none due, {IDLE_SAMPLES} samples"
    return [
        at_most(
            "idle run_pass() p99",
            percentile(pass_seconds, 0.99) * 1000,
            "ms",
            TARGET_IDLE_MS,
            f"{against}; p50 {percentile(pass_seconds, 0.5) * 1000:.2f} ms",
        ),
        at_most(
            "earliest_change() p99",
            percentile(earliest_seconds, 0.99) * 1000,
            "ms",
            TARGET_IDLE_MS,
            f"{against}; p50 {percentile(earliest_seconds, 0.5) * 1000:.2f} ms",
        ),
    ]


async def _timed(call: object) -> float:
    started = time.perf_counter()
    await call()  # type: ignore[operator]
    return time.perf_counter() - started


async def _due_burst(db: Store, due: int, lead: float) -> list[Figure]:
    """`due` checks whose clocks run out across one second `lead` seconds from now."""
    due_second = float(int(time.time() + lead) + 1)
    spread = 0.9 / due
    await db.write(
        partial(
            seed_checks,
            count=due,
            every_seconds=DUE_EVERY,
            created_at=lambda n: due_second - DUE_EVERY + n * spread,
        )
    )
    if time.time() >= due_second:
        raise RuntimeError("creating the due checks took longer than planned; rerun")
    lags: list[float] = []
    committed_at: list[float] = []

    def record(settled: Settled) -> None:
        stamp = time.time()
        for _, transition in settled:
            if transition is not None:
                lags.append(stamp - transition.at)
                committed_at.append(stamp)

    evaluator = Evaluator(db, on_settled=record)
    task = asyncio.create_task(evaluator.run())
    try:
        deadline = time.monotonic() + lead + SETTLE_TIMEOUT
        while len(lags) < due and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    stored = count_rows(db.path.parent, "SELECT count(*) FROM transitions")
    all_done = max(committed_at, default=float("inf")) - due_second
    against = f"{due} checks due within one second"
    return [
        at_most(
            "last of the due checks transitioned after",
            all_done,
            "s",
            TARGET_ALL_DUE_S,
            f"{against}; {len(lags)} transitions seen, {stored} in the transitions table",
        ),
        at_most(
            "p99 lag, due time -> committed transition",
            percentile(lags, 0.99),
            "s",
            TARGET_LAG_S,
            f"p50 {percentile(lags, 0.5) * 1000:.0f} ms",
        ),
        Figure("transitions recorded", len(lags), "", f"= {due}", len(lags) == due),
    ]
