"""The demo's first paint: `beatwatch demo` started in a real terminal (tmux, 120x40).

Timed from the command's start (interpreter start-up included, as a user waits for it) until
the screen shows, in turn: the header, then the checks table holding the demo's fleet (a
screenful of its checks' names). The
screen is read with `tmux capture-pane` every 20 ms, which bounds the figures' resolution.
Medians over the rounds; the slowest round beside them.

Target: the fleet on screen within 2 s.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
import uuid

from beatwatch.demo import JOBS
from tests.bench.common import Figure, Scale, at_most, info, isolate_config, scratch_dir

TARGET_S = 2.0
POLL_S = 0.02
TIMEOUT_S = 60.0
HEADER = "beatwatch"
# Rows of the demo's fleet that fill a 40-line table, whichever way it is sorted.
FLEET_SHOWN = 20
# pytest and shells export these; the app would take them over the terminal's real size.
SOCKET = f"beatwatch-bench-{os.getpid()}"
TERMINAL_ENV = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}


def run(scale: Scale) -> list[Figure]:
    if shutil.which("tmux") is None:
        print("  tmux is not installed (apt-get install tmux): the demo benchmark is skipped")
        return []
    rounds = scale.pick(5, 2)
    header: list[float] = []
    fleet: list[float] = []
    with scratch_dir("demo") as scratch:
        isolate_config(scratch)
        for _ in range(rounds):
            shown_header, shown_fleet = _one_start()
            header.append(shown_header)
            fleet.append(shown_fleet)
    context = f"median of {rounds}, slowest {max(fleet):.2f} s"
    return [
        info("demo: header on screen", statistics.median(header), "s", f"median of {rounds}"),
        at_most("demo: the fleet on screen", statistics.median(fleet), "s", TARGET_S, context),
    ]


def _one_start() -> tuple[float, float]:
    session = f"demo-{uuid.uuid4().hex[:8]}"
    names = [job.name for job in JOBS]
    command = f"{sys.executable} -c 'from beatwatch.cli import main; main()' demo"
    started = time.monotonic()
    _tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "40", command)
    try:
        header_at = fleet_at = None
        while fleet_at is None:
            screen = _tmux("capture-pane", "-p", "-t", session)
            now = time.monotonic() - started
            if header_at is None and HEADER in screen:
                header_at = now
            if sum(name in screen for name in names) >= FLEET_SHOWN:
                fleet_at = now
                header_at = header_at if header_at is not None else now
            elif now > TIMEOUT_S:
                raise RuntimeError(f"the demo never showed its fleet; the screen:\n{screen}")
            time.sleep(POLL_S)
        return header_at, fleet_at
    finally:
        _tmux("kill-session", "-t", session)


def _tmux(*args: str) -> str:
    # A server of its own: other tmux sessions on the machine neither see nor disturb it.
    return subprocess.run(
        ["tmux", "-L", SOCKET, *args], check=True, capture_output=True, text=True, env=TERMINAL_ENV
    ).stdout
