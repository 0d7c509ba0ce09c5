"""Terminal UI at 10,000 checks: first paint, live refresh, key presses, ping ingest.

The checks are seeded through the real catalog code, then BeatwatchApp runs headless
(`run_test`, 120x40) with the engine embedded, in this process. Measured:

- first paint: from opening the service until the checks table holds every row and the
  screen has drawn it (the recent-results strips, loaded from history afterwards, are
  reported beside it);
- one live refresh pass: ChecksScreen.refresh_now with 200 checks just pinged since the
  last pass (their Check rows and results changed in the app's fleet, as the engine's events
  would change them), and with none changed; the drawing that follows is reported beside it;
- key press to updated screen: the key event posted to the app, until its effect is there
  (cursor moved, filter applied, rows sorted) and the screen has drawn it: `down`, `/`,
  typing a filter that narrows 10,000 rows to one, Esc bringing them all back, `o` sorting by
  each column in turn and `O` turning the order round; all while the load generator pings
  the TUI's embedded receiver at 1,000 pings a second (the rate reached is reported);
- terminal resize to updated screen: narrowed until the checks table leaves columns out,
  then widened again, each until the table has its new width and the screen has drawn it;
- ping ingest while the TUI runs: the load generator (its own process, 16 keep-alive
  clients) against the TUI's embedded receiver, then against `beatwatch serve` on the same
  data, and the ratio.

Targets: first paint <= 2 s; refresh pass <= 50 ms; key or resize to screen <= 100 ms; ingest
with the TUI >= 50% of serve's.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path

from textual import events
from textual.geometry import Size
from textual.pilot import Pilot

from beatwatch import config
from beatwatch.cli.event_loop import run_event_loop
from beatwatch.core.model import Ping, PingKind
from beatwatch.engine.events import Event, PingRecorded
from beatwatch.service.service import Service
from beatwatch.store.database import Store
from beatwatch.ui.app import BeatwatchApp
from beatwatch.ui.screens.checks import ChecksScreen
from beatwatch.ui.widgets.checks_table import COLUMNS, ChecksTable
from tests.bench.common import (
    HOST,
    Figure,
    LoadResult,
    PacedLoad,
    Scale,
    at_least,
    at_most,
    free_port,
    has_uvloop,
    info,
    isolate_config,
    percentile,
    run_load,
    scratch_dir,
    seed_checks,
    serve_argv,
    server_process,
    write_lines,
)

SIZE = (120, 40)
# Too narrow for every column of the bench's checks.
NARROW = (60, 24)
RESIZES = 4
CHANGED_PER_PASS = 200
PASSES = 40
DOWN_PRESSES = 30
FILTER_TYPED = "4217"  # narrows bench-0 .. bench-9999 step by step to one row
INGEST_RATE = 1000.0  # pings a second while keys are measured
INGEST_STARTED = 200  # pings received before the keys are pressed
CLIENTS = 16
# Enough requests in flight to keep the pace while a key holds the loop for 100 ms.
PACED_CLIENTS = 128
SETTLE_TIMEOUT = 60.0
TARGET_FIRST_PAINT_S = 2.0
TARGET_PASS_MS = 50.0
TARGET_KEY_MS = 100.0
TARGET_INGEST_SHARE = 0.5


def run(scale: Scale) -> list[Figure]:
    checks, seconds = scale.pick(10_000, 2_000), scale.pick(5, 2)
    with scratch_dir("tui") as scratch:
        isolate_config(scratch)
        data_dir = scratch / "data"
        uuids = asyncio.run(_seed(data_dir, checks))
        uuids_file = write_lines(scratch / "uuids.txt", uuids)
        # The loop `beatwatch` itself would run on, as `beatwatch serve` below does.
        figures, with_tui = run_event_loop(_measure_tui(scratch, checks, uuids_file, seconds))
        port = free_port()
        with server_process(serve_argv(port, data_dir), port, scratch / "serve.log"):
            serve = _load(port, uuids_file, seconds)
    return [*figures, *_ingest_figures(with_tui, serve)]


async def _seed(data_dir: Path, checks: int) -> list[str]:
    db = await Store.open(data_dir)
    try:
        now = time.time()
        return await db.write(
            partial(seed_checks, count=checks, every_seconds=3600, created_at=lambda _: now)
        )
    finally:
        await db.close()


def _load(port: int, uuids_file: Path, seconds: int) -> LoadResult:
    return run_load(port, uuids_file, CLIENTS, max_requests=200_000 * seconds, max_seconds=seconds)


async def _measure_tui(
    scratch: Path, checks: int, uuids_file: Path, seconds: int
) -> tuple[list[Figure], LoadResult]:
    port = free_port()
    started = time.perf_counter()
    # The same config file `beatwatch serve` reads below, the way the TUI's command reads it.
    settings = config.load(data_dir=str(scratch / "data"), listen=f"{HOST}:{port}")
    service = await Service.open(settings)
    try:
        app = BeatwatchApp(service, user_theme_dir=scratch)
        async with app.run_test(size=SIZE) as pilot:
            table = app.screen.query_one(ChecksTable)
            await _until(lambda: table.row_count == checks, "every row in the table")
            await _drawn(pilot)
            first_paint = time.perf_counter() - started
            for worker in [w for w in app.workers if w.group == "load"]:
                await worker.wait()
            strips_loaded = time.perf_counter() - started
            figures = [
                at_most(
                    "first paint, every row in the table",
                    first_paint,
                    "s",
                    TARGET_FIRST_PAINT_S,
                    f"{checks} checks; recent-results strips loaded after {strips_loaded:.1f} s",
                ),
                *await _refresh_passes(app, pilot, checks),
                *await _under_ingest(app, pilot, table, port, uuids_file),
                await _resizes(pilot, table),
            ]
            with_tui = await asyncio.to_thread(_load, port, uuids_file, seconds)
            return figures, with_tui
    finally:
        await service.close()


async def _until(condition: Callable[[], bool], what: str) -> None:
    """Yield to the app at every turn of the loop until `condition` holds: a poll interval
    would add its own latency to what is measured."""
    deadline = time.monotonic() + SETTLE_TIMEOUT
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not happen within {SETTLE_TIMEOUT:g} s")
        await asyncio.sleep(0)


async def _drawn(pilot: Pilot[None]) -> None:
    """Let the screen and its widgets process what is queued, then draw the screen now rather
    than at its next frame: what `Pilot.pause` does, minus its sleeps while the CPU idles."""
    await pilot._wait_for_screen()
    pilot.app.screen._on_timer_update()


async def _refresh_passes(app: BeatwatchApp, pilot: Pilot[None], checks: int) -> list[Figure]:
    screen = app.screen
    assert isinstance(screen, ChecksScreen)
    ids = sorted(app.fleet.checks)
    # The strips that loaded after first paint touched every row; whether the screen's own
    # timer has applied them yet is a race, and that one-off pass is not a live refresh.
    screen.refresh_now()
    await _drawn(pilot)
    busy: list[float] = []
    quiet: list[float] = []
    draws: list[float] = []
    for n in range(PASSES):
        now = app.clock()
        first = n * CHANGED_PER_PASS % len(ids)
        for check_id in ids[first : first + CHANGED_PER_PASS]:
            _just_pinged(app, check_id, now, failed=check_id % 10 == 0)
        busy.append(_timed(screen.refresh_now))
        drawing = time.perf_counter()
        await _drawn(pilot)
        draws.append(time.perf_counter() - drawing)
        quiet.append(_timed(screen.refresh_now))
        await _drawn(pilot)
    return [
        _p99_figure(
            f"refresh pass, {CHANGED_PER_PASS} checks changed",
            busy,
            TARGET_PASS_MS,
            f"{checks} checks, {PASSES} passes; drawing it after: "
            f"p50 {percentile(draws, 0.5) * 1000:.1f} ms, max {max(draws) * 1000:.1f} ms",
        ),
        _p99_figure("refresh pass, nothing changed", quiet, TARGET_PASS_MS, f"{PASSES} passes"),
    ]


def _just_pinged(app: BeatwatchApp, check_id: int, now: float, failed: bool) -> None:
    """What a finished run's events do to the app's fleet: the check's row and its strip."""
    kind = PingKind.FAIL if failed else PingKind.SUCCESS
    exit_code = 1 if failed else 0
    check = replace(
        app.fleet.checks[check_id],
        last_ping_at=now,
        last_finish_at=now,
        last_finish_kind=kind,
        last_exit_code=exit_code,
        last_duration=42.0,
    )
    app.fleet.upsert(check, now)
    app.fleet.record(Ping(id=0, check_id=check_id, kind=kind, at=now, exit_code=exit_code))


def _timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def _p99_figure(name: str, seconds: list[float], target_ms: float, context: str) -> Figure:
    p50 = percentile(seconds, 0.5) * 1000
    return at_most(
        f"{name} p99",
        percentile(seconds, 0.99) * 1000,
        "ms",
        target_ms,
        f"p50 {p50:.1f} ms; {context}",
    )


async def _under_ingest(
    app: BeatwatchApp, pilot: Pilot[None], table: ChecksTable, port: int, uuids_file: Path
) -> list[Figure]:
    """The key presses, while pings arrive at INGEST_RATE; the rate the engine took them at
    is given beside them."""
    received: list[float] = []

    def count(event: Event) -> None:
        if isinstance(event, PingRecorded):
            received.append(time.perf_counter())

    unsubscribe = app.service.events.subscribe(count)
    load = PacedLoad(port, uuids_file, INGEST_RATE, PACED_CLIENTS)
    try:
        await _until(lambda: len(received) >= INGEST_STARTED, "pings arriving")
        started, before = time.perf_counter(), len(received)
        figures = [*await _key_presses(app, pilot, table), *await _sort_presses(pilot, table)]
        rate = (len(received) - before) / (time.perf_counter() - started)
    finally:
        # Off the loop: stopping waits for the requests in flight, which this loop answers.
        result = await asyncio.to_thread(load.stop)
        unsubscribe()
    return [
        *figures,
        info(
            "ping ingest while the keys were measured",
            rate,
            "pings/s",
            f"paced at {INGEST_RATE:,.0f}/s; load generator: {result.summary()}",
        ),
    ]


async def _sort_presses(pilot: Pilot[None], table: ChecksTable) -> list[Figure]:
    """`o` through every column back to the first, then `O`."""
    times: list[float] = []
    for _ in range(len(COLUMNS)):
        order = table.order
        times.append(await _key(pilot, "o", "o", lambda old=order: table.order != old))
    order = table.order
    flip = await _key(pilot, "O", "O", lambda: table.order != order)
    return [
        at_most(
            "sort key `o` to screen, slowest",
            max(times) * 1000,
            "ms",
            TARGET_KEY_MS,
            f"{table.row_count} rows, each of {len(COLUMNS)} columns: "
            + ", ".join(f"{ms * 1000:.0f}" for ms in times)
            + " ms",
        ),
        at_most("sort key `O` to screen (order reversed)", flip * 1000, "ms", TARGET_KEY_MS),
    ]


async def _key_presses(app: BeatwatchApp, pilot: Pilot[None], table: ChecksTable) -> list[Figure]:
    down: list[float] = []
    for _ in range(DOWN_PRESSES):
        # Rows move as pinged checks change state: the cursor follows its check, and `down`
        # takes it to another one.
        was = table.selected_id()
        down.append(await _key(pilot, "down", None, lambda was=was: table.selected_id() != was))
    box = app.screen.query_one("#filter")
    slash = await _key(pilot, "slash", "/", lambda: box.has_focus)
    typed: list[float] = []
    for char in FILTER_TYPED:
        matcher = table.matcher
        typed.append(await _key(pilot, char, char, lambda old=matcher: table.matcher is not old))
    narrowed = table.row_count
    everyone = len(app.fleet.checks)
    clear = await _key(pilot, "escape", None, lambda: table.row_count == everyone)
    return [
        _p99_figure("key `down` to screen", down, TARGET_KEY_MS, f"{DOWN_PRESSES} presses"),
        at_most("key `/` to screen (filter box opens)", slash * 1000, "ms", TARGET_KEY_MS),
        at_most(
            "filter keystroke to screen, slowest",
            max(typed) * 1000,
            "ms",
            TARGET_KEY_MS,
            f"typing {FILTER_TYPED!r}: "
            + ", ".join(f"{ms * 1000:.0f}" for ms in typed)
            + f" ms; {narrowed} row(s) left",
        ),
        at_most(
            "Esc to screen (filter cleared, every row back)",
            clear * 1000,
            "ms",
            TARGET_KEY_MS,
            f"{everyone} rows",
        ),
    ]


async def _key(pilot: Pilot[None], key: str, char: str | None, done: Callable[[], bool]) -> float:
    """Seconds from posting one key to the app until `done` holds and the screen is drawn."""
    started = time.perf_counter()
    pilot.app.post_message(events.Key(key, char))
    await _until(done, f"the effect of key {key!r}")
    await _drawn(pilot)
    return time.perf_counter() - started


async def _resizes(pilot: Pilot[None], table: ChecksTable) -> Figure:
    times: list[float] = []
    headers: list[str] = []
    for n in range(RESIZES):
        size = Size(*(NARROW if n % 2 == 0 else SIZE))
        started = time.perf_counter()
        # What Pilot.resize_terminal does, minus its pause.
        pilot.app._driver._size = size  # type: ignore[union-attr]
        pilot.app.post_message(events.Resize(size, size))
        await _until(lambda size=size: table.size.width == size.width, f"a resize to {size}")
        await _drawn(pilot)
        times.append(time.perf_counter() - started)
        headers.append(" ".join(table.render_line(0).text.split()))
    return at_most(
        "terminal resize to screen, slowest",
        max(times) * 1000,
        "ms",
        TARGET_KEY_MS,
        f"{NARROW[0]} and {SIZE[0]} columns by turns: "
        + ", ".join(f"{ms * 1000:.0f}" for ms in times)
        + f" ms; at {NARROW[0]}: {headers[0]}",
    )


def _ingest_figures(with_tui: LoadResult, serve: LoadResult) -> list[Figure]:
    share = with_tui.rate / serve.rate if serve.rate else 0.0
    return [
        info(
            "ping ingest, TUI with its engine embedded", with_tui.rate, "req/s", with_tui.summary()
        ),
        info("ping ingest, beatwatch serve, same data", serve.rate, "req/s", serve.summary()),
        at_least(
            "TUI share of serve's ingest throughput",
            share * 100,
            "%",
            TARGET_INGEST_SHARE * 100,
            f"{CLIENTS} keep-alive clients; both on {'uvloop' if has_uvloop() else 'asyncio'}",
        ),
    ]
