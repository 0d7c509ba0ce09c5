"""What every benchmark shares: scratch dirs, seeding checks through the real catalog code,
starting `beatwatch serve` or the bare server as subprocesses, driving the load generator,
and printing each figure beside its target."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from beatwatch.core.model import PINGS_KEPT, PingKind
from beatwatch.core.validation import CheckSpec, validate
from beatwatch.engine import check_edits
from beatwatch.store.database import DB_FILE, INSERT_PING, connect, ping_slot, prepare_files
from beatwatch.store.schema import migrate

HOST = "127.0.0.1"
SERVE_STARTUP_TIMEOUT = 60.0
LOADGEN_GRACE = 60.0  # beyond its own time bound, before the load generator counts as hung
PACED_LOAD_LIMIT_S = 600.0  # a paced load stops by itself after this, if never stopped


@dataclass(frozen=True, slots=True)
class Scale:
    """How big a run is: the targets' full numbers, or `--quick` ones for a smoke run."""

    quick: bool
    profile_dir: Path | None = None

    def pick(self, full: int, quick: int) -> int:
        return quick if self.quick else full


@dataclass(frozen=True, slots=True)
class Figure:
    """One measured number, what it was measured against, and whether it meets its target
    (None: reported for context, no target)."""

    name: str
    value: float
    unit: str
    target: str = ""
    passed: bool | None = None
    context: str = ""

    def line(self) -> str:
        verdict = {True: "PASS", False: "MISS", None: "    "}[self.passed]
        number = f"{self.value:,.2f}" if self.value < 100 else f"{self.value:,.0f}"
        target = f"target {self.target}" if self.target else ""
        text = f"  {verdict}  {self.name:<48} {number:>12} {self.unit:<8} {target}"
        return text.rstrip() + (f"\n{'':8}{self.context}" if self.context else "")


def at_most(name: str, value: float, unit: str, limit: float, context: str = "") -> Figure:
    return Figure(name, value, unit, f"<= {limit:g} {unit}", value <= limit, context)


def at_least(name: str, value: float, unit: str, floor: float, context: str = "") -> Figure:
    return Figure(name, value, unit, f">= {floor:g} {unit}", value >= floor, context)


def info(name: str, value: float, unit: str, context: str = "") -> Figure:
    return Figure(name, value, unit, context=context)


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[rank]


def wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll until `predicate` holds; raise after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not happen within {timeout:g} s")
        time.sleep(0.02)


@contextlib.contextmanager
def scratch_dir(label: str) -> Iterator[Path]:
    """A directory under /tmp for one benchmark's database and logs, removed afterwards."""
    path = Path(tempfile.mkdtemp(prefix=f"beatwatch-bench-{label}-", dir="/tmp"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def seed_checks(
    conn: sqlite3.Connection, count: int, every_seconds: int, created_at: Callable[[int], float]
) -> list[str]:
    """Writer job: one check made by check_edits.create_check (the code every real check goes
    through), then copies of its row with their own id, uuid, name and slug, and its times
    shifted to `created_at(n)`: the rows create_check would write, at bulk-insert speed.
    Returns the uuids in order."""
    first = conn.execute("SELECT count(*) FROM checks").fetchone()[0]
    spec = validate(CheckSpec(name=f"bench-{first}", every_seconds=every_seconds))
    origin = created_at(0)
    template = dict(
        conn.execute(
            "SELECT * FROM checks WHERE id = ?", (check_edits.create_check(conn, spec, origin).id,)
        ).fetchone()
    )
    del template["id"]
    rows = []
    for n in range(1, count):
        row = dict(template, uuid=str(uuid.uuid4()), name=f"bench-{first + n}")
        row["slug"] = row["name"]
        shift = created_at(n) - origin
        for column in SHIFTED_COLUMNS:
            if row[column] is not None:
                row[column] += shift
        rows.append(row)
    columns = ", ".join(template)
    conn.executemany(
        f"INSERT INTO checks ({columns}) VALUES ({', '.join(':' + c for c in template)})", rows
    )
    return [template["uuid"], *(row["uuid"] for row in rows)]


# The times create_check derives from its `now`.
SHIFTED_COLUMNS = ("created_at", "clock_start", "state_since", "next_change_at")


def db_path(data_dir: Path) -> Path:
    return data_dir / DB_FILE


def insert_kept_pings(conn: sqlite3.Connection, check_ids: Sequence[int], now: float) -> None:
    """Writer job: PINGS_KEPT success pings for each check, a minute apart and the newest at
    `now`, in their slots as store.insert_ping writes them: a history as full as it gets."""
    success, rest = PingKind.SUCCESS.value, (None, None, None, HOST, "curl/8.5.0", b"")
    conn.executemany(
        INSERT_PING,
        (
            (
                check_id,
                ping_slot(number),
                number,
                success,
                now - 60 * (PINGS_KEPT - number),
                *rest,
            )
            for check_id in check_ids
            for number in range(1, PINGS_KEPT + 1)
        ),
    )
    conn.executemany(
        "UPDATE checks SET last_ping_number = ? WHERE id = ?",
        ((PINGS_KEPT, check_id) for check_id in check_ids),
    )


def count_rows(data_dir: Path, sql: str) -> int:
    with contextlib.closing(sqlite3.connect(db_path(data_dir), timeout=30)) as conn:
        return int(conn.execute(sql).fetchone()[0])


def disk_bytes(data_dir: Path) -> int:
    """The database as it sits on disk: the main file plus its write-ahead log."""
    total = 0
    for suffix in ("", "-wal"):
        with contextlib.suppress(FileNotFoundError):
            total += db_path(data_dir).with_name(DB_FILE + suffix).stat().st_size
    return total


def rss_mib(pid: int, field: str = "VmRSS") -> float:
    """Resident memory of a process (VmRSS now, or VmHWM for its peak), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise LookupError(f"{field} missing from /proc/{pid}/status")


def write_lines(path: Path, lines: Sequence[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


@contextlib.contextmanager
def server_process(
    argv: list[str],
    port: int,
    log_path: Path,
    env: dict[str, str] | None = None,
    startup_timeout: float = SERVE_STARTUP_TIMEOUT,
    stop_timeout: float = 30.0,
) -> Iterator[subprocess.Popen[bytes]]:
    """Run a server subprocess (with `env` added to its environment) until it accepts
    connections on `port`; stop it with SIGTERM (as systemd would) when done."""
    with log_path.open("wb") as log:
        environment = {**os.environ, **(env or {})}
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=environment)
        try:
            try:
                wait_for(
                    lambda: _accepts(port) or _exited(proc, log_path),
                    startup_timeout,
                    f"server on port {port} to start",
                )
            except TimeoutError as exc:
                raise TimeoutError(f"{exc}; its log: {log_path.read_text()[-2000:]}") from None
            yield proc
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=stop_timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _accepts(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex((HOST, port)) == 0


def _exited(proc: subprocess.Popen[bytes], log_path: Path) -> bool:
    if proc.poll() is None:
        return False
    raise RuntimeError(f"server exited with {proc.returncode}: {log_path.read_text()[-2000:]}")


def serve_argv(port: int, data_dir: Path) -> list[str]:
    return [
        sys.executable,
        "-c",
        "from beatwatch.cli import main; main()",
        "serve",
        "--listen",
        f"{HOST}:{port}",
        "--data-dir",
        str(data_dir),
    ]


def serve_env(uvloop: bool) -> dict[str, str]:
    """`beatwatch serve` runs on uvloop when it is installed; this asks for either loop."""
    return {"BEATWATCH_EVENT_LOOP": "uvloop" if uvloop else "asyncio"}


def floor_argv(port: int, data_dir: Path, uvloop: bool = False) -> list[str]:
    return [sys.executable, "-m", "tests.bench.floor_server", str(port), str(data_dir)] + (
        ["--uvloop"] if uvloop else []
    )


def bare_argv(port: int, uvloop: bool = False) -> list[str]:
    return [sys.executable, "-m", "tests.bench.bare_server", str(port)] + (
        ["--uvloop"] if uvloop else []
    )


# Enough for the burst's 500 connections, all from the load generator's one address.
CONNECTIONS_FROM_ONE_ADDRESS = 1024


def isolate_config(scratch: Path) -> None:
    """Keep a personal beatwatch.toml and BEATWATCH_* variables out of the measurement: the
    servers started from here read a config file of their own in the scratch dir."""
    for variable in [v for v in os.environ if v.startswith("BEATWATCH_")]:
        del os.environ[variable]
    config = scratch / "beatwatch.toml"
    # The load generator sends everything from one address; the per-address limits are for
    # a runaway client, not for a measurement of the whole fleet's load.
    config.write_text(
        'ping_rate_limit = "off"\napi_rate_limit = "off"\n'
        f"max_connections_per_address = {CONNECTIONS_FROM_ONE_ADDRESS}\n"
    )
    os.environ["BEATWATCH_CONFIG"] = str(config)


def has_uvloop() -> bool:
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class LoadResult:
    sent: int
    ok: int
    errors: dict[str, int]
    seconds: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    cpu_seconds: float  # the load generator's own
    server_cpu_seconds: float | None = None  # the server's, every thread, if measured

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def summary(self) -> str:
        return (
            f"{self.ok} x 200 in {self.seconds:.1f} s, p50 {self.p50_ms:.2f} ms, "
            f"p99 {self.p99_ms:.2f} ms, max {self.max_ms:.1f} ms, errors {self.error_count}"
            + (f" ({kinds})" if (kinds := self._error_kinds()) else "")
        )

    def _error_kinds(self) -> str:
        return ", ".join(f"{count} {kind}" for kind, count in sorted(self.errors.items()))


def process_cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process (every thread of it) has used so far; Linux."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def loadgen_argv(
    port: int, uuids_file: Path, concurrency: int, max_requests: int, max_seconds: float
) -> list[str]:
    return [
        sys.executable,
        "-m",
        "tests.bench.loadgen",
        "--base-url",
        f"http://{HOST}:{port}",
        "--uuids-file",
        str(uuids_file),
        "--concurrency",
        str(concurrency),
        "--max-requests",
        str(max_requests),
        "--max-seconds",
        str(max_seconds),
    ]


def run_load(
    port: int,
    uuids_file: Path,
    concurrency: int,
    max_requests: int,
    max_seconds: float,
    each_once: bool = False,
) -> LoadResult:
    """Drive the load generator in its own process, so it does not share the server's GIL."""
    argv = loadgen_argv(port, uuids_file, concurrency, max_requests, max_seconds)
    if each_once:
        argv.append("--each-once")
    done = subprocess.run(
        argv, capture_output=True, text=True, timeout=max_seconds + LOADGEN_GRACE, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"load generator failed: {done.stderr[-2000:]}")
    return LoadResult(**json.loads(done.stdout))


class PacedLoad:
    """The load generator at a steady rate in its own process, until stopped: for measuring
    something else while pings arrive."""

    def __init__(self, port: int, uuids_file: Path, rate: float, concurrency: int = 16) -> None:
        argv = loadgen_argv(port, uuids_file, concurrency, 10**9, PACED_LOAD_LIMIT_S)
        self._process = subprocess.Popen(
            [*argv, "--rate", str(rate)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )

    def stop(self) -> LoadResult:
        self._process.send_signal(signal.SIGTERM)
        out, err = self._process.communicate(timeout=LOADGEN_GRACE)
        if self._process.returncode != 0:
            raise RuntimeError(f"load generator failed: {err[-2000:]}")
        return LoadResult(**json.loads(out))


@contextlib.contextmanager
def py_spy(pid: int, scale: Scale, label: str, seconds: float) -> Iterator[None]:
    """With --profile, record the process with py-spy (every thread, native frames off)
    while the block runs; the flame graph goes to the profile dir."""
    if scale.profile_dir is None:
        yield
        return
    scale.profile_dir.mkdir(parents=True, exist_ok=True)
    output = scale.profile_dir / f"{label}.svg"
    argv = ["py-spy", "record", "--pid", str(pid), "--output", str(output)]
    argv += ["--duration", str(int(seconds) + 1), "--rate", "250", "--threads", "--nonblocking"]
    recorder = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        yield
    finally:
        _, stderr = recorder.communicate(timeout=seconds + 60)
        where = output if output.exists() else f"failed: {stderr.decode()[-500:]}"
        print(f"        profile of {label}: {where}")


def debian_tool(binary: str, needed_for: str) -> str:
    """The path of `binary`, installed from Debian's package of that name if absent (as root,
    with apt-get); a clear error naming what needs it if it cannot be had."""
    found = shutil.which(binary)
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print(f"        {binary} is not installed: installing Debian's package of it (apt-get)")
        for argv in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", binary]):
            subprocess.run(argv, capture_output=True, check=False, timeout=600)
        found = shutil.which(binary)
        if found:
            return found
    raise RuntimeError(
        f"{needed_for} needs {binary} and it is not installed, nor could it be: install it "
        f"(Debian/Ubuntu: apt-get install {binary}) and run again"
    )


def full_fleet(data_dir: Path, checks: int) -> Path:
    """A database of `checks` hourly checks, each holding its 100 pings; its path."""
    path = prepare_files(data_dir)
    with contextlib.closing(connect(path)) as conn:
        migrate(conn)
        conn.execute("BEGIN IMMEDIATE")
        now = time.time()
        seed_checks(conn, checks, every_seconds=3600, created_at=lambda _: now)
        insert_kept_pings(conn, [row[0] for row in conn.execute("SELECT id FROM checks")], now)
        conn.execute("COMMIT")
    return path
