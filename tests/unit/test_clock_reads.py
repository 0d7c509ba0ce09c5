"""Time is an input: outside the clock module nothing in beatwatch reads the wall clock or
sleeps on it, so a test's clock governs the whole engine. A few places time real I/O, which
takes real time whatever the clock says; they are listed here, each with its reason."""

from __future__ import annotations

import ast
from pathlib import Path

import beatwatch

PACKAGE = Path(beatwatch.__file__).parent
CLOCK_MODULE = "engine/clock.py"
# Modules that may read the event loop's own (real, monotonic) time, each for the reason given.
REAL_IO_TIMERS = {
    # How long to keep retrying BEGIN while another process holds SQLite's write lock.
    "store/writer.py",
    # How long a connection may take to send its request head, or stay idle.
    "web/http_server.py",
    "web/ping_connection.py",
}
# Modules that may read the monotonic clock, each for the reason given.
MONOTONIC_READERS = {
    # The pinger (`beatwatch run`), which loads no engine, bounds how long it waits for a
    # child's output pipes to drain.
    "cli/reporting.py",
    # The TUI times how long the keyboard has been still, which is the user's time, not the
    # monitored jobs'.
    "ui/quiet_collector.py",
}
WALL_READS = {
    "time": {"time", "time_ns", "monotonic", "monotonic_ns", "perf_counter", "localtime"},
    "datetime": {"now", "utcnow", "today"},
    "date": {"today"},
    "asyncio": {"sleep"},
}


def wall_clock_uses(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "time":
            found.append((node.lineno, "from time import ..."))
        if not isinstance(node, ast.Attribute):
            continue
        owner = node.value
        if isinstance(owner, ast.Name) and node.attr in WALL_READS.get(owner.id, ()):
            found.append((node.lineno, f"{owner.id}.{node.attr}"))
        elif node.attr == "time" and not (isinstance(owner, ast.Name) and owner.id == "time"):
            found.append((node.lineno, "<loop>.time"))
    return found


def test_nothing_reads_the_wall_clock_outside_the_clock_module() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = path.relative_to(PACKAGE).as_posix()
        if module == CLOCK_MODULE:
            continue
        for line, what in wall_clock_uses(ast.parse(path.read_text(encoding="utf-8"))):
            if module in REAL_IO_TIMERS and what == "<loop>.time":
                continue
            if module in MONOTONIC_READERS and what == "time.monotonic":
                continue
            offenders.append(f"beatwatch/{module}:{line}: {what}")
    assert offenders == [], "read the time from the engine's clock:\n" + "\n".join(offenders)


def test_the_scan_sees_each_way_of_reading_the_clock() -> None:
    source = (
        "import time, asyncio\nfrom time import monotonic\nfrom datetime import date, datetime\n"
        "a = time.time()\nb = datetime.now()\nc = date.today()\nd = loop.time()\n"
        "e = asyncio.sleep(1)\nf = time.time\n"
    )
    assert sorted(line for line, _ in wall_clock_uses(ast.parse(source))) == [2, 4, 5, 6, 7, 8, 9]
