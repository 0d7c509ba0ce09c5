"""The durable floor for ingest: the bare server's handler, plus one INSERT per ping through
beatwatch's own Writer (the same group commit, WAL and synchronous=FULL as `serve`), and
nothing else. What serve would do if checking a ping's check and its rules were free.

`python -m tests.bench.floor_server PORT DATA_DIR [--uvloop]` serves until SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sqlite3
import time
from pathlib import Path

from aiohttp import web

from beatwatch.store.database import connect, prepare_files
from beatwatch.store.writer import Writer
from tests.bench.bare_server import handle as bare_handle
from tests.bench.bare_server import ping_app
from tests.bench.common import HOST


def _insert(conn: sqlite3.Connection, key: str, at: float) -> None:
    conn.execute("INSERT INTO floor_pings (key, at) VALUES (?, ?)", (key, at))


def _open(path: Path) -> sqlite3.Connection:
    conn = connect(path)
    conn.execute("CREATE TABLE IF NOT EXISTS floor_pings (id INTEGER PRIMARY KEY, key, at)")
    return conn


async def serve(port: int, path: Path) -> None:
    writer = Writer(lambda: _open(path))
    writer.start()

    async def handle(request: web.Request) -> web.StreamResponse:
        key = request.match_info["key"]
        await writer.run(lambda conn: _insert(conn, key, time.time()), quiet=True)
        return await bare_handle(request)

    runner = web.AppRunner(ping_app(handle), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, HOST, port).start()
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
        await writer.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("port", type=int)
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--uvloop", action="store_true")
    args = parser.parse_args()
    main_task = serve(args.port, prepare_files(args.data_dir))
    if args.uvloop:
        import uvloop

        uvloop.run(main_task)
    else:
        asyncio.run(main_task)


if __name__ == "__main__":
    main()
