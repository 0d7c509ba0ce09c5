"""A JSON webhook that records what Apprise sends it (bodies and headers) and can be switched
to answer 503 or to answer slowly. The port may be chosen before it runs, so a channel can
point at a receiver that is down."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Hook:
    port: int = 0
    received: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    failing: bool = False
    answer_after: float = 0.0  # a slow receiver takes this long over each request
    in_flight: int = 0
    most_at_once: int = 0

    @property
    def url(self) -> str:
        return f"json://127.0.0.1:{self.port}/hook"

    def titles(self) -> list[str]:
        return [m["title"] for m in self.received]


@contextlib.asynccontextmanager
async def serving(hook: Hook) -> AsyncIterator[Hook]:
    """Receive at http://127.0.0.1:<hook.port>/hook (port 0: any free one) until the block
    ends."""

    async def receive(request: web.Request) -> web.Response:
        if hook.failing:
            return web.Response(status=503, text="down for maintenance")
        hook.headers.append(dict(request.headers))
        hook.received.append(await request.json())
        hook.in_flight += 1
        hook.most_at_once = max(hook.most_at_once, hook.in_flight)
        await asyncio.sleep(hook.answer_after)
        hook.in_flight -= 1
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/hook", receive)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", hook.port).start()
    hook.port = runner.addresses[0][1]
    try:
        yield hook
    finally:
        await runner.cleanup()
