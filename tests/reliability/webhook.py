"""A JSON webhook on a chosen port that records what Apprise sends it, headers included; the
port can be picked before the hook runs, so a channel can point at a receiver that is down."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Inbox:
    messages: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)


@contextlib.asynccontextmanager
async def webhook(port: int, inbox: Inbox) -> AsyncIterator[None]:
    """Receive at http://127.0.0.1:<port>/hook until the block ends."""

    async def receive(request: web.Request) -> web.Response:
        inbox.headers.append(dict(request.headers))
        inbox.messages.append(await request.json())
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/hook", receive)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield
    finally:
        await runner.cleanup()
