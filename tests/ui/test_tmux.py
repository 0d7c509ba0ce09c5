"""The real command in a real terminal: `beatwatch demo` in tmux, driven by keys."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid

import pytest

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


# pytest exports COLUMNS and LINES for its own output; the app would take them over the
# terminal's real size.
TERMINAL_ENV = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}


def tmux(*args: str) -> str:
    return subprocess.run(
        ["tmux", *args], check=True, capture_output=True, text=True, env=TERMINAL_ENV
    ).stdout


def wait_for_screen(session: str, *texts: str, timeout: float = 30.0) -> str:
    """The screen once every one of `texts` is on it."""
    deadline = time.monotonic() + timeout
    while True:
        screen = tmux("capture-pane", "-p", "-t", session)
        if all(text in screen for text in texts):
            return screen
        if time.monotonic() > deadline:
            missing = [text for text in texts if text not in screen]
            raise AssertionError(f"{missing} never appeared; the screen shows:\n{screen}")
        time.sleep(0.2)


def test_demo_in_a_terminal():
    session = f"beatwatch-{uuid.uuid4().hex[:8]}"
    command = f"{sys.executable} -c 'from beatwatch.cli import main; main()' demo"
    tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "40", command)
    try:
        states = ("MISSED", "FAILING", "STUCK", "RUNNING LONG", "late", "running", "new", "paused")
        wait_for_screen(session, *states)
        tmux("send-keys", "-t", session, "/")
        wait_for_screen(session, "filter by name")
        tmux("send-keys", "-t", session, "borg")
        wait_for_screen(session, "Borg backup")
        tmux("send-keys", "-t", session, "Enter")
        wait_for_screen(session, "filtered")
        tmux("send-keys", "-t", session, "Enter")
        wait_for_screen(session, "Ping this URL")
        # Separately: an Escape directly followed by "q" reads as alt+q.
        tmux("send-keys", "-t", session, "Escape")
        wait_for_screen(session, "Next due")
        # A throwaway fleet: quitting stops no monitoring anyone relies on, so nothing asks.
        tmux("send-keys", "-t", session, "q")
        deadline = time.monotonic() + 20
        while (
            subprocess.run(["tmux", "has-session", "-t", session], capture_output=True).returncode
            == 0
        ):
            assert time.monotonic() < deadline, "the demo did not quit"
            time.sleep(0.2)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


def test_a_demo_whose_terminal_closes_removes_its_throwaway_data(tmp_path):
    session = f"beatwatch-{uuid.uuid4().hex[:8]}"
    command = f"TMPDIR={tmp_path} {sys.executable} -c 'from beatwatch.cli import main; main()' demo"
    tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "40", command)
    try:
        wait_for_screen(session, "MISSED", "Next due")
        assert list(tmp_path.glob("beatwatch-demo-*"))
        group = int(tmux("display-message", "-p", "-t", session, "#{pane_pid}"))
    finally:
        # The terminal closing: the demo is sent SIGHUP, then SIGCONT.
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    # More SIGCONTs: whether the kernel's one lands before the demo has quit is a race, and
    # each is to be taken for the way back from ctrl+z only while a terminal is there.
    for _ in range(5):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGCONT)
    deadline = time.monotonic() + 20
    while list(tmp_path.glob("beatwatch-demo-*")):
        assert time.monotonic() < deadline, "the demo's data dir was left behind"
        time.sleep(0.2)
