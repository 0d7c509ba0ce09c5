"""`beatwatch run` wraps a command in start and finish pings; `beatwatch ping` sends one ping.

Both work with nothing but a ping URL (for another machine on the LAN), or with a check's
name, slug, id or uuid looked up in the local data dir. A ping that cannot be delivered is
reported on stderr and never changes what the wrapped command does or its exit code.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from functools import partial
from types import FrameType
from typing import IO, TYPE_CHECKING, Any

import click

from beatwatch.cli.context import location_options, settings_from, with_service
from beatwatch.cli.printing import echo
from beatwatch.client.pinger import (
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    OutputTail,
    Pinger,
    PingTarget,
    action_path,
    is_ping_url,
    parse_ping_url,
    retry_delays,
)
from beatwatch.core.errors import CheckNotFound, NoDatabase, NotFound, PingFailed, PingUrlError
from beatwatch.core.ping_request import BODY_LIMIT

if TYPE_CHECKING:
    from beatwatch.service.service import Service

PING_KINDS = ("success", "start", "fail", "log")
FORWARDED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
COMMAND_NOT_FOUND = 127
COMMAND_NOT_EXECUTABLE = 126
KILLED_BY_SIGNAL = 128
READ_SIZE = 64 * 1024
# After the command exits, how long to wait for output still in the pipes. A background
# process it left behind may hold them open for good; the finish ping must not wait for it.
OUTPUT_DRAIN_SECONDS = 1.0
REF_HINT = "REF|PING_URL"


def _ping_options(command: Callable[..., Any]) -> Callable[..., Any]:
    command = click.option(
        "--retries",
        type=click.IntRange(0, 10),
        default=DEFAULT_RETRIES,
        show_default=True,
        help="Retries after a network error or a 5xx reply (waiting 0.5 s, 1 s, 2 s, ...).",
    )(command)
    command = click.option(
        "--timeout-ping",
        type=click.FloatRange(0, min_open=True),
        default=DEFAULT_TIMEOUT,
        show_default=True,
        metavar="SECONDS",
        help="How long to wait for the server on each try.",
    )(command)
    return location_options(command)


def _resolve_target(ctx: click.Context, ref: str, where: dict[str, Any]) -> PingTarget:
    """A ping URL as given, or the ping URL of a check in the local data dir."""
    if is_ping_url(ref):
        try:
            return parse_ping_url(ref)
        except PingUrlError as exc:
            raise click.BadParameter(str(exc), ctx, param_hint=REF_HINT) from None
    try:
        return parse_ping_url(with_service(ctx, partial(_ping_url_of, ref=ref), **where))
    except NoDatabase as exc:
        raise NotFound(
            f"no check matches {ref!r}: there is no beatwatch database in {exc.data_dir}; "
            "on this machine give the check's ping URL (http://…) instead"
        ) from None
    except CheckNotFound:
        data_dir = settings_from(ctx, **where).data_dir
        raise NotFound(
            f"no check matches {ref!r} in {data_dir}; give a check's name, slug, id or uuid, "
            "or its ping URL (http://…)"
        ) from None


async def _ping_url_of(service: Service, ref: str) -> str:
    return service.ping_url(await service.get_check(ref))


def _pinger(
    ctx: click.Context, ref: str, timeout_ping: float, retries: int, where: dict[str, Any]
) -> Pinger:
    target = _resolve_target(ctx, ref, where)
    return Pinger(target, timeout=timeout_ping, delays=retry_delays(retries))


def _try_ping(
    pinger: Pinger, label: str, action: str, rid: str | None = None, body: bytes | None = None
) -> int | None:
    """Send a ping; on failure say so in one line and return None, else the body limit."""
    try:
        return pinger.send(action, rid, body)
    except PingFailed as exc:
        echo(f"beatwatch: could not ping {pinger.target.redacted} ({label}): {exc}", err=True)
        return None


# -- beatwatch run ----------------------------------------------------------------------------


@click.command("run")
@click.argument("ref", metavar=REF_HINT)
@click.argument("command", nargs=-1, metavar="-- COMMAND [ARGS]...")
@_ping_options
@click.pass_context
def run_command(
    ctx: click.Context,
    ref: str,
    command: tuple[str, ...],
    timeout_ping: float,
    retries: int,
    **where: Any,
) -> None:
    """Run COMMAND and report it: a start ping, then success or fail/<exit code> with the
    last part of its output. Output passes through unchanged; the exit code is COMMAND's.

    REF is a check's name, slug, id or uuid (looked up in the local data dir) or its ping URL.

    \b
    Example:
      beatwatch run nightly-backup -- /usr/local/bin/backup.sh --full
    """
    if not command:
        raise click.UsageError(
            "give the command to run after --, e.g. beatwatch run backup -- /usr/local/bin/backup",
            ctx,
        )
    pinger = _pinger_if_found(ctx, ref, timeout_ping, retries, where)
    rid = str(uuid.uuid4())
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
    sys.exit(exit_code)


def _pinger_if_found(
    ctx: click.Context, ref: str, timeout_ping: float, retries: int, where: dict[str, Any]
) -> Pinger | None:
    """The check's pinger; None, said in one line, when the check cannot be found. The job
    matters more than its report: a mistyped check name must not stop a backup."""
    try:
        return _pinger(ctx, ref, timeout_ping, retries, where)
    except click.BadParameter as exc:
        reason = exc.format_message()
    except NotFound as exc:
        reason = str(exc)
    echo(f"beatwatch: {reason}; running the command without reporting it", err=True)
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


# -- beatwatch ping ---------------------------------------------------------------------------


@click.command("ping")
@click.argument("ref", metavar=REF_HINT)
@click.argument("kind", required=False, type=click.Choice(PING_KINDS))
@click.option(
    "--exit-code",
    type=click.IntRange(0, 255),
    help="The job's exit code: 0 counts as success, anything else as a failure.",
)
@click.option(
    "--body",
    metavar="TEXT|-",
    help="Text to send with the ping, e.g. a log excerpt; - reads it from stdin "
    f"(the last {BODY_LIMIT // 1024} KiB are sent).",
)
@click.option("--rid", type=click.UUID, help="Pairs a start with its own finish (a UUID).")
@_ping_options
@click.pass_context
def ping_command(
    ctx: click.Context,
    ref: str,
    kind: str | None,
    exit_code: int | None,
    body: str | None,
    rid: uuid.UUID | None,
    timeout_ping: float,
    retries: int,
    **where: Any,
) -> None:
    """Send one ping (success unless KIND says start, fail or log); exit 0 once the server
    has stored it, 1 if it has not.

    REF is a check's name, slug, id or uuid (looked up in the local data dir) or its ping URL.
    """
    if exit_code is not None and kind not in (None, "fail"):
        raise click.UsageError(f"--exit-code goes with fail (or no kind), not with {kind}", ctx)
    pinger = _pinger(ctx, ref, timeout_ping, retries, where)
    payload = None if body is None else _stdin_tail() if body == "-" else body.encode()
    kind = kind or "success"
    rid_text = str(rid) if rid else None
    if _try_ping(pinger, kind, action_path(kind, exit_code), rid_text, payload) is None:
        sys.exit(1)


def _stdin_tail() -> bytes:
    """All of stdin is read (so a writer piping into us never blocks), only its end is kept."""
    tail = OutputTail(BODY_LIMIT)
    while chunk := os.read(sys.stdin.fileno(), READ_SIZE):
        tail.add(chunk)
    return tail.value()
