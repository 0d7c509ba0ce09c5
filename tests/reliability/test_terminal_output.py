"""Nothing stored reaches a terminal raw: every command that prints stored or network text,
run in a real pseudo-terminal over an instance whose every field holds escapes (OSC 52, a
screen clear, a title, C1 controls, a bidi override), sends the terminal no control character
it would act on; the escapes show as visible stand-ins. --json and export stay exact."""

from __future__ import annotations

import asyncio
import fcntl
import json
import logging
import os
import re
import shlex
import shutil
import sqlite3
import struct
import subprocess
import termios
import time
import tomllib
import tty
import uuid as uuidlib
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest

from beatwatch.config import Settings
from beatwatch.logs import log_to_file
from beatwatch.service.service import Service
from tests.reliability.conftest import BEATWATCH, ServeProcess, free_port
from tests.reliability.hostile_instance import (
    CHECK_SLUG,
    PAYLOAD,
    RAW_SEQUENCES,
    HostileInstance,
    build,
    raw_controls,
)

COLUMNS, ROWS = 200, 50
# pytest exports COLUMNS and LINES for its own output; a program would take them over the
# terminal's real size.
TEXTUAL_POINTER = re.compile(rb"\x1b\]22;[\w-]*\x07")
CSI = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]")
TERMINAL_ENV = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> HostileInstance:
    return asyncio.run(build(tmp_path_factory.mktemp("hostile-text")))


def run_in_pty(args: list[str], data_dir: Path) -> bytes:
    """Everything a terminal receives from `beatwatch ARGS`. The terminal is raw, so that it
    adds no CR of its own: any control byte seen is the program's."""
    master, slave = os.openpty()
    tty.setraw(slave)
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
    process = subprocess.Popen(
        [*BEATWATCH, "--data-dir", str(data_dir), *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=TERMINAL_ENV,
    )
    os.close(slave)
    chunks = []
    try:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the program closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(master)
    assert process.wait(30) == 0, b"".join(chunks).decode(errors="replace")
    return b"".join(chunks)


TEXT_COMMANDS = [
    ["pings", CHECK_SLUG],
    ["unknown"],
    ["check", "show", CHECK_SLUG],
    ["check", "list"],
    ["host", "list"],
    ["channel", "list"],
    ["incidents"],
    ["token", "list"],
]


@pytest.mark.parametrize("args", TEXT_COMMANDS, ids=" ".join)
def test_no_raw_control_reaches_the_terminal(hostile: HostileInstance, args: list[str]) -> None:
    output = run_in_pty(args, hostile.data_dir)
    assert raw_controls(output) == []
    # Shown, not dropped: the reader sees there was a clipboard write in there.
    assert "␛]52;c;aGVsbG8=␛\\".encode() in output


def test_incident_show(hostile: HostileInstance) -> None:
    output = run_in_pty(["incident", "show", str(hostile.incident_id)], hostile.data_dir)
    assert raw_controls(output) == []
    assert "␛]52;c;aGVsbG8=".encode() in output
    assert b"Last output:" in output  # the reason keeps its lines


def test_a_stored_multiline_value_stays_on_its_line(hostile: HostileInstance) -> None:
    output = run_in_pty(["check", "show", CHECK_SLUG], hostile.data_dir).decode()
    (line,) = [line for line in output.splitlines() if line.startswith("description")]
    assert line.endswith("␊second line")


JSON_COMMANDS = [
    (["pings", CHECK_SLUG, "--json"], lambda data: data[0]["body"]),
    (["check", "show", CHECK_SLUG, "--json"], lambda data: data["description"]),
    (["channel", "list", "--json"], lambda data: data[0]["name"]),
    (["unknown", "--json"], lambda data: data["latest"][0]["user_agent"]),
]


@pytest.mark.parametrize(
    ("args", "field"), JSON_COMMANDS, ids=[" ".join(args) for args, _ in JSON_COMMANDS]
)
def test_json_stays_exact(
    hostile: HostileInstance, args: list[str], field: Callable[[Any], str]
) -> None:
    output = run_in_pty(args, hostile.data_dir)
    assert raw_controls(output) == []
    assert PAYLOAD in field(json.loads(output))


def test_export_stays_exact(hostile: HostileInstance) -> None:
    output = run_in_pty(["export"], hostile.data_dir)
    assert raw_controls(output) == []
    checks = tomllib.loads(output.decode())["check"]
    assert any(PAYLOAD in check["name"] for check in checks)


def test_the_log_shows_stored_escapes_as_stand_ins(
    hostile: HostileInstance, tmp_path: Path
) -> None:
    """serve logs its retry of the failed alert, naming the channel and the alert's title, both
    full of escapes: the journal gets one line, with stand-ins."""
    data_dir = tmp_path / "instance"
    shutil.copytree(hostile.data_dir, data_dir)
    with sqlite3.connect(data_dir / "beatwatch.db") as conn:
        conn.execute("UPDATE outbox SET next_attempt_at = 0, claimed_until = NULL")
    log = tmp_path / "journal"
    with log.open("wb") as journal:
        process = subprocess.Popen(
            [
                *BEATWATCH,
                "serve",
                "--listen",
                f"127.0.0.1:{free_port()}",
                "--data-dir",
                str(data_dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=journal,
        )
        try:
            deadline = time.monotonic() + 20
            while "will retry" not in log.read_text(errors="replace"):
                assert process.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.05)
        finally:
            process.terminate()
            process.wait(15)
    written = log.read_bytes()
    assert raw_controls(written) == []
    (retry,) = [line for line in written.decode().splitlines() if "will retry" in line]
    assert "to ops␛]52;c;aGVsbG8=␛\\" in retry


def test_a_logged_user_agent_and_traceback_stay_safe(tmp_path: Path) -> None:
    """The log file's own formatter, as the TUI sets it up: the record is one line, the
    traceback keeps its lines, and neither holds a raw control."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        path = log_to_file(tmp_path)
        try:
            raise ValueError(f"bad body {PAYLOAD}")
        except ValueError:
            logging.getLogger("beatwatch.test").exception("ping from %s", f"curl{PAYLOAD}\nforged")
        for handler in root.handlers:
            handler.flush()
    finally:
        for handler in root.handlers:
            handler.close()
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
    written = path.read_bytes()
    assert raw_controls(written) == []
    lines = written.decode().splitlines()
    assert "ping from curl␛]52;c;aGVsbG8=␛\\" in lines[0] and lines[0].endswith("␊forged")
    assert lines[1] == "Traceback (most recent call last):"


def test_badges_of_stored_escapes_are_well_formed_xml(
    hostile: HostileInstance, tmp_path: Path
) -> None:
    """The check's name and its tag hold ESC, BEL and C1 controls: both badges, served by a
    real `beatwatch serve`, parse as XML and show the stand-ins."""
    data_dir = tmp_path / "instance"
    shutil.copytree(hostile.data_dir, data_dir)

    async def fetch() -> list[str]:
        service = await Service.open(Settings(data_dir=data_dir))
        try:
            (check,) = await service.list_checks()
            paths = [service.badge_url((await service.badge_keys())[check.id])]
            for tag in check.tags:
                paths.append(service.tag_badge_url(await service.tag_badge_key(tag), tag))
        finally:
            await service.close()
        serve = ServeProcess(data_dir)
        await serve.start()
        try:
            async with aiohttp.ClientSession() as session:
                replies = []
                for url in paths:
                    async with session.get(serve.base + urlsplit(url).path) as reply:
                        assert reply.status == 200, url
                        replies.append(await reply.text())
                return replies
        finally:
            await serve.stop()

    svgs = asyncio.run(fetch())
    titles = [ET.fromstring(svg).findtext("{http://www.w3.org/2000/svg}title") for svg in svgs]
    assert len(titles) == 2
    assert all(title is not None and title.count("␛") >= 1 for title in titles)


class Tmux:
    """A tmux server of the test's own, whose one pane runs a command once told to start:
    its output stream is piped to a file first, so not one byte goes unseen."""

    def __init__(self, workdir: Path) -> None:
        self.socket = f"beatwatch-{uuidlib.uuid4().hex[:8]}"
        self.go = workdir / "go"
        self.stream = workdir / "stream"

    def __call__(self, *args: str) -> str:
        return subprocess.run(
            ["tmux", "-L", self.socket, "-f", "/dev/null", *args],
            check=True,
            capture_output=True,
            text=True,
            env=TERMINAL_ENV,
        ).stdout

    def start(self, command: list[str]) -> None:
        script = f"while [ ! -e {self.go} ]; do sleep 0.05; done; exec {shlex.join(command)}"
        self("new-session", "-d", "-s", "tui", "-x", "160", "-y", "45", "sh", "-c", script)
        # OSC 52 from the pane would write tmux's clipboard: its paste buffers.
        self("set-option", "-g", "set-clipboard", "on")
        self("pipe-pane", "-t", "tui", f"cat >> {self.stream}")
        self.go.touch()

    def wait_for(self, *texts: str, gone: str | None = None, timeout: float = 30.0) -> str:
        """The screen once it shows every one of `texts`, and `gone` no more."""
        deadline = time.monotonic() + timeout
        while True:
            screen = self("capture-pane", "-p", "-t", "tui")
            if all(text in screen for text in texts) and (gone is None or gone not in screen):
                return screen
            missing = [text for text in texts if text not in screen]
            assert time.monotonic() < deadline, f"{missing} never appeared in:\n{screen}"
            time.sleep(0.1)

    def keys(self, *keys: str) -> None:
        for key in keys:
            self("send-keys", "-t", "tui", key)

    def redrawn_after(self, key: str, timeout: float = 10.0) -> None:
        """Press `key` and wait until the screen, colours included, has changed."""
        before = self("capture-pane", "-p", "-e", "-t", "tui")
        self.keys(key)
        deadline = time.monotonic() + timeout
        while self("capture-pane", "-p", "-e", "-t", "tui") == before:
            assert time.monotonic() < deadline, f"{key} changed nothing on the screen"
            time.sleep(0.05)

    def running(self) -> bool:
        probe = ["tmux", "-L", self.socket, "has-session", "-t", "tui"]
        return subprocess.run(probe, capture_output=True).returncode == 0


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_the_tui_sends_no_raw_control(hostile: HostileInstance, tmp_path: Path) -> None:
    """The terminal UI over the same instance, in tmux: the checks table, the check detail,
    a ping's body, the unknown pings, incidents, hosts, channels and the log. What the
    terminal received holds none of the stored sequences, and tmux's clipboard stays empty."""
    data_dir = tmp_path / "instance"
    shutil.copytree(hostile.data_dir, data_dir)
    tmux = Tmux(tmp_path)
    listen = f"127.0.0.1:{free_port()}"
    tmux.start([*BEATWATCH, "--data-dir", str(data_dir), "--listen", listen])
    stand_in = "␛]52;c;aGVsbG8=␛\\"
    try:
        tmux.wait_for("FAILING", f"victim{stand_in}")
        tmux.keys("Enter")
        tmux.wait_for(f"host  db1{stand_in}", f"tags  tag{stand_in}", "127.0.0.1  backup")
        # Tab on to the pings, past the snippets' tabs and their pane: enter shows a body.
        tmux.redrawn_after("Tab")
        tmux.redrawn_after("Tab")
        tmux.keys("Enter")
        tmux.wait_for("fail ping at", f"{stand_in}␛[2J␛]0;title␇␛[31m␛]0;c1 title␛\\<U+202E>")
        # An Escape directly followed by another key reads as alt+key: one at a time.
        tmux.keys("Escape")
        tmux.wait_for("f: kind (all)", gone="fail ping at")
        tmux.keys("Escape")
        tmux.wait_for("Next due")
        tmux.keys("3")
        tmux.wait_for("matched no check", f"{stand_in}␛[2J")
        tmux.keys("4")
        tmux.wait_for(f"victim{stand_in}", "Notifications")
        tmux.keys("5")
        tmux.wait_for(f"db1{stand_in}")
        tmux.keys("6")
        tmux.wait_for(f"ops{stand_in}")
        assert tmux("list-buffers") == ""  # before the UI quits, and its server with it
        tmux.keys("2", "q")
        tmux.wait_for("monitoring stops")
        tmux.keys("y")
        deadline = time.monotonic() + 20
        while tmux.running():
            assert time.monotonic() < deadline, "the UI did not quit"
            time.sleep(0.1)
        # Textual's own pointer shape is the one BEL it sends; its CSI sequences draw the UI.
        received = TEXTUAL_POINTER.sub(b"", tmux.stream.read_bytes())
        assert [seq for seq in RAW_SEQUENCES if seq in received] == []
        assert raw_controls(CSI.sub(b"", received), allowed="\t\n\r") == []
    finally:
        subprocess.run(["tmux", "-L", tmux.socket, "kill-server"], capture_output=True)
