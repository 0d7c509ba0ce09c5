"""What `beatwatch run` and `beatwatch ping` do once their arguments are known: run a command
between a start and a finish ping, or send one ping. Free of click: the plain forms a crontab
uses are answered before it loads (cli/plain.py), the rest through the full command line.

A ping that cannot be delivered is reported on stderr and never changes what the wrapped
command does or its exit code.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from types import FrameType
from typing import IO, Any

from beatwatch.cli.printing import echo
from beatwatch.client.pinger import OutputTail, Pinger, action_path
from beatwatch.core.errors import PingFailed
from beatwatch.core.ping_request import BODY_LIMIT

PING_KINDS = ("success", "start", "fail", "log")
FORWARDED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
COMMAND_NOT_FOUND = 127
COMMAND_NOT_EXECUTABLE = 126
KILLED_BY_SIGNAL = 128
READ_SIZE = 64 * 1024
# After the command exits, how long to wait for output still in the pipes. A background
# process it left behind may hold them open for good; the finish ping must not wait for it.
OUTPUT_DRAIN_SECONDS = 1.0


def run_reported(pinger: Pinger | None, command: Sequence[str]) -> int:
    """Run `command` between a start ping and its finish ping (success, or fail/<exit code>
    with the tail of its output); its exit code. Without a pinger it only runs."""
    rid = new_run_id()
    announced = None if pinger is None else _try_ping(pinger, "start", "start", rid)
    tail = OutputTail(BODY_LIMIT if announced is None else announced)
    try:
        exit_code = _run_passing_through(command, tail)
    except OSError as exc:
        exit_code, reason = _why_not_started(command[0], exc)
        echo(f"beatwatch: {reason}", err=True)
        tail.add(reason.encode())
    if pinger is not None:
        label = "success" if exit_code == 0 else "fail"
        action = action_path("success") if exit_code == 0 else action_path("fail", exit_code)
        _try_ping(pinger, label, action, rid, tail.value())
    return exit_code


def ping_once(
    pinger: Pinger,
    kind: str = "success",
    exit_code: int | None = None,
    body: bytes | None = None,
    rid: str | None = None,
) -> int:
    """Send one ping: exit code 0 once the server has stored it, 1 if it has not."""
    stored = _try_ping(pinger, kind, action_path(kind, exit_code), rid, body) is not None
    return 0 if stored else 1


def new_run_id() -> str:
    """A random (version 4) UUID pairing a run's start with its finish, made here because the
    uuid module costs every cron job a few milliseconds of start-up."""
    raw = bytearray(os.urandom(16))
    raw[6] = raw[6] & 0x0F | 0x40
    raw[8] = raw[8] & 0x3F | 0x80
    digits = raw.hex()
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"


def _try_ping(
    pinger: Pinger, label: str, action: str, rid: str | None = None, body: bytes | None = None
) -> int | None:
    """Send a ping; on failure say so in one line and return None, else the body limit."""
    try:
        return pinger.send(action, rid, body)
    except PingFailed as exc:
        echo(f"beatwatch: could not ping {pinger.target.redacted} ({label}): {exc}", err=True)
        return None


def _why_not_started(program: str, exc: OSError) -> tuple[int, str]:
    if isinstance(exc, FileNotFoundError):
        why = "no such file" if "/" in program else "command not found"
        return COMMAND_NOT_FOUND, f"cannot run {program!r}: {why}"
    why = (exc.strerror or str(exc)).lower()
    return COMMAND_NOT_EXECUTABLE, f"cannot run {program!r}: {why}"


def _run_passing_through(command: Sequence[str], tail: OutputTail) -> int:
    """Run the command with its stdout and stderr copied to ours as they come, keeping the
    tail of both; forward stop signals to it. Returns its exit code (128+N for signal N)."""
    with _SignalForwarder() as forwarder:
        child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        forwarder.attach(child)
        assert child.stdout is not None and child.stderr is not None
        pumps = [
            threading.Thread(target=_pump, args=(source, sink_fd, tail), daemon=True)
            for source, sink_fd in ((child.stdout, 1), (child.stderr, 2))
        ]
        for pump in pumps:
            pump.start()
        returncode = child.wait()
    deadline = time.monotonic() + OUTPUT_DRAIN_SECONDS
    for pump in pumps:
        pump.join(max(0.0, deadline - time.monotonic()))
    return KILLED_BY_SIGNAL - returncode if returncode < 0 else returncode


def _pump(source: IO[bytes], sink_fd: int, tail: OutputTail) -> None:
    """Copy one of the command's streams to ours, keeping its tail. If our stream goes away
    (a closed pipe), keep reading: the command runs on and its output still reaches the ping."""
    forwarding = True
    with source:
        while chunk := os.read(source.fileno(), READ_SIZE):
            tail.add(chunk)
            if forwarding:
                forwarding = _write_all(sink_fd, chunk)


def _write_all(fd: int, data: bytes) -> bool:
    view = memoryview(data)
    while view:
        try:
            written = os.write(fd, view)
        except OSError:
            return False
        view = view[written:]
    return True


class _SignalForwarder:
    """While active, SIGINT, SIGTERM and SIGHUP sent to us go to the command instead."""

    def __init__(self) -> None:
        self._child: subprocess.Popen[bytes] | None = None
        self._pending: list[int] = []
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> _SignalForwarder:
        for signum in FORWARDED_SIGNALS:
            self._previous[signum] = signal.signal(signum, self._forward)
        return self

    def __exit__(self, *exc_info: object) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)

    def attach(self, child: subprocess.Popen[bytes]) -> None:
        """Start forwarding to `child`, including what arrived while it was being started."""
        self._child = child
        for signum in self._pending:
            self._send(signum)
        self._pending.clear()

    def _forward(self, signum: int, frame: FrameType | None) -> None:
        if self._child is None:
            self._pending.append(signum)
        elif not _terminal_sent_it_to_the_command(signum):
            self._send(signum)

    def _send(self, signum: int) -> None:
        assert self._child is not None
        self._child.send_signal(signum)


def _terminal_sent_it_to_the_command(signum: int) -> bool:
    """Ctrl-C and a terminal hangup go to the terminal's whole foreground process group,
    which the command shares with us: forwarding those would deliver them twice."""
    if signum == signal.SIGTERM:
        return False
    try:
        tty = os.open("/dev/tty", os.O_RDONLY | os.O_NOCTTY)
    except OSError:
        return False
    try:
        return os.tcgetpgrp(tty) == os.getpgrp()
    except OSError:
        return False
    finally:
        os.close(tty)


def stdin_tail() -> bytes:
    """All of stdin is read (so a writer piping into us never blocks), only its end is kept."""
    tail = OutputTail(BODY_LIMIT)
    while chunk := os.read(sys.stdin.fileno(), READ_SIZE):
        tail.add(chunk)
    return tail.value()
