"""The yardstick for ingest: an aiohttp server that answers every ping URL with the same
200, JSON body and headers as beatwatch's receiver, but stores nothing.

`python -m tests.bench.bare_server PORT [--uvloop]` serves on 127.0.0.1:PORT until SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import json

from aiohttp import web
from aiohttp.typedefs import Handler

from beatwatch.core.model import BODY_LIMIT
from tests.bench.common import HOST

OK_BODY = json.dumps({"ok": True}).encode()
HEADERS = {"Ping-Body-Limit": str(BODY_LIMIT), "Cache-Control": "no-store"}


async def handle(request: web.Request) -> web.Response:
    return web.Response(body=OK_BODY, content_type="application/json", headers=HEADERS)


def ping_app(handler: Handler) -> web.Application:
    """An application answering every ping URL form with `handler`."""
    app = web.Application()
    for path in ("/ping/{key}", "/ping/{key}/{tail:.+}"):
        app.add_routes([web.get(path, handler), web.post(path, handler)])
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("port", type=int)
    parser.add_argument("--uvloop", action="store_true")
    args = parser.parse_args()
    if args.uvloop:
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    web.run_app(ping_app(handle), host=HOST, port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
