"""A ping's job alone and its SQL alone: how much of a ping is SQLite's, how much Python's.

The job is record_ping on a writer connection, as the writer runs it (batches of 8 in one
transaction, the jobs with no savepoint of their own, the check rows they held back written
at the end of each), without HTTP, the event loop, the
helper thread or the fsync (synchronous=OFF): what a ping costs the loop thread besides the
receiver and the writer. Beside it the same statements alone, as sqlite3 runs them for one
ping: the ping written into its slot over the oldest one, beside an INSERT with no cap at
all into a table of its own (what the durable floor writes), the UPDATE of the columns a
success ping changes, and the savepoint each job took before batches ran their jobs
together. Over
a fleet whose checks each hold their 100 pings, and over one hot check; every check has
been pinged once before (its row cached, as on a server that has run a while). CPU time
per ping, the median of a few runs; under `valgrind --tool=callgrind` the same code gives
instruction counts, which do not drift with the machine's load.
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

from beatwatch.core.model import PINGS_KEPT, PingKind, PingRequest
from beatwatch.engine.ingest import record_ping
from beatwatch.store.check_cache import CheckCache
from beatwatch.store.database import INSERT_PING, connect, ping_slot, prepare_files
from tests.bench.common import (
    HOST,
    Figure,
    Scale,
    full_fleet,
    info,
    scratch_dir,
)

BATCH = 8
SUCCESS = PingKind.SUCCESS.value
RUNS = 3
UNCAPPED = "uncapped_pings"
UPDATE_CHECK = (
    "UPDATE checks SET last_ping_at = ?, last_ping_number = ?, last_finish_at = ?, "
    "next_change_at = ? WHERE id = ?"
)
# A ping's statement as a function of the connection, the check's id and uuid.
Step = Callable[[sqlite3.Connection, int, str], object]


class PingJob:
    """`record_ping` with a check cache watching the connection it runs on, as the writer's
    does: a fresh cache for each fresh copy of the fleet."""

    def __init__(self) -> None:
        self._conn: sqlite3.Connection | None = None
        self._cache = CheckCache()

    def __call__(self, conn: sqlite3.Connection, _: int, uuid: str) -> None:
        if conn is not self._conn:
            self._conn, self._cache = conn, CheckCache()
            self._cache.watch(conn)
        request = PingRequest(PingKind.SUCCESS, uuid, remote_addr=HOST, at=time.time())
        record_ping(conn, request, ping_key="unused-by-uuid-pings", cache=self._cache)

    def end_batch(self, conn: sqlite3.Connection) -> None:
        """What the writer does before the commit: write the check rows the jobs held back."""
        self._cache.write_held(conn)


def run(scale: Scale) -> list[Figure]:
    checks = scale.pick(10_000, 500)
    pings = scale.pick(40_000, 4_000)
    figures: list[Figure] = []
    with scratch_dir("ping-cost") as scratch:
        template = full_fleet(scratch / "template", checks)
        for load, hot in ((f"fleet of {checks:,}", False), ("hot check", True)):
            steps: dict[str, tuple[Step, ...]] = {
                "record_ping job": (PingJob(),),
                "its SQL alone: the ping into its slot, UPDATE": (_into_slot, _update),
                "SAVEPOINT + RELEASE": (_savepoint, _release),
                "the ping into its slot, over the oldest": (_into_slot,),
                "INSERT with no cap (the floor's)": (_uncapped,),
                "UPDATE of the changed columns": (_update,),
            }
            cost: dict[str, float] = {}
            for label, step in steps.items():
                cost[label] = statistics.median(
                    _per_ping(template, scratch / "run", step, pings, hot) for _ in range(RUNS)
                )
                figures.append(info(f"{label} ({load})", cost[label], "us", "CPU per ping"))
            job_cost, sql_cost = list(cost.values())[:2]
            cap = (
                cost["the ping into its slot, over the oldest"]
                - cost["INSERT with no cap (the floor's)"]
            )
            figures += [
                info(
                    f"Python's part of the job ({load})",
                    job_cost - sql_cost,
                    "us",
                    f"the job less its SQL: {(job_cost - sql_cost) / job_cost:.0%} of it",
                ),
                info(
                    f"the 100-ping cap's part ({load})",
                    cap,
                    "us",
                    f"{cap / job_cost:.0%} of the job: its slot's write over an uncapped INSERT",
                ),
            ]
    return figures


@contextlib.contextmanager
def _copy(template: Path, data_dir: Path) -> Iterator[sqlite3.Connection]:
    shutil.rmtree(data_dir, ignore_errors=True)
    path = prepare_files(data_dir)
    shutil.copyfile(template, path)
    with contextlib.closing(connect(path)) as conn:
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA cache_size = -16384")
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute(
            f"CREATE TABLE {UNCAPPED} (id INTEGER PRIMARY KEY, check_id, kind, at, "
            "remote_addr, user_agent, body)"
        )
        yield conn


def _per_ping(
    template: Path, data_dir: Path, step: tuple[Step, ...], pings: int, hot: bool
) -> float:
    with _copy(template, data_dir) as conn:
        targets = list(conn.execute("SELECT id, uuid FROM checks ORDER BY id"))
        # Every check pinged once first: the checks leave `new` and the cache holds them.
        _pings(conn, step, targets, len(targets))
        if hot:
            targets = targets[:1]
        started = time.process_time()
        _pings(conn, step, targets, pings)
        return (time.process_time() - started) / pings * 1e6


def _pings(
    conn: sqlite3.Connection, step: tuple[Step, ...], targets: list[sqlite3.Row], count: int
) -> None:
    for first in range(0, count, BATCH):
        conn.execute("BEGIN IMMEDIATE")
        for n in range(first, min(count, first + BATCH)):
            check_id, uuid = targets[n % len(targets)]
            for statement in step:
                statement(conn, check_id, uuid)
        for statement in step:
            if isinstance(statement, PingJob):
                statement.end_batch(conn)
        conn.execute("COMMIT")


def _savepoint(conn: sqlite3.Connection, _: int, __: str) -> None:
    conn.execute("SAVEPOINT job")


def _release(conn: sqlite3.Connection, _: int, __: str) -> None:
    conn.execute("RELEASE job")


# Each check's newest ping number in the copies: the fleet's checks hold PINGS_KEPT each.
_numbers: defaultdict[int, int] = defaultdict(lambda: PINGS_KEPT)


def _into_slot(conn: sqlite3.Connection, check_id: int, _: str) -> None:
    _numbers[check_id] = number = _numbers[check_id] + 1
    values = (SUCCESS, time.time(), None, None, None, HOST, "wrk", b"")
    conn.execute(INSERT_PING, (check_id, ping_slot(number), number, *values))


def _uncapped(conn: sqlite3.Connection, check_id: int, _: str) -> None:
    conn.execute(
        f"INSERT INTO {UNCAPPED} (check_id, kind, at, remote_addr, user_agent, body) "
        "VALUES (?, ?, ?, ?, 'wrk', x'')",
        (check_id, SUCCESS, time.time(), HOST),
    )


def _update(conn: sqlite3.Connection, check_id: int, _: str) -> None:
    now = time.time()
    conn.execute(UPDATE_CHECK, (now, _numbers[check_id], now, now + 3600, check_id))
