"""Running `beatwatch run` and `beatwatch ping` as real processes, against the real engine or a
small scripted HTTP server that stands in for a flaky one."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

BEATWATCH = (sys.executable, "-c", "from beatwatch.cli import main; main()")
# A loaded machine can take seconds just to start Python; this only bounds a hung process.
PROCESS_TIMEOUT = 120.0


@dataclass(frozen=True)
class Finished:
    code: int
    stdout: bytes
    stderr: str

    @property
    def stderr_lines(self) -> list[str]:
        return self.stderr.splitlines()


@dataclass
class Cli:
    """Starts beatwatch processes with an environment that ignores the user's own config."""

    env: dict[str, str]

    async def spawn(
        self, *args: str, launcher: tuple[str, ...] = BEATWATCH, stdin: bool = False
    ) -> asyncio.subprocess.Process:
        # A session of its own: no controlling terminal, as under cron or systemd.
        return await asyncio.create_subprocess_exec(
            *launcher,
            *args,
            stdin=asyncio.subprocess.PIPE if stdin else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=self.env,
            start_new_session=True,
        )

    async def run(
        self, *args: str, launcher: tuple[str, ...] = BEATWATCH, stdin: bytes | None = None
    ) -> Finished:
        process = await self.spawn(*args, launcher=launcher, stdin=stdin is not None)
        return await finish(process, stdin)


async def finish(process: asyncio.subprocess.Process, stdin: bytes | None = None) -> Finished:
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(stdin), PROCESS_TIMEOUT)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    assert process.returncode is not None
    return Finished(process.returncode, stdout, stderr.decode())


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BEATWATCH_")}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    env["XDG_DATA_HOME"] = str(tmp_path / "user-data")
    return Cli(env)


def closed_port() -> int:
    """A loopback port nobody listens on (connections to it are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Received:
    path: str
    query: dict[str, str]
    body: bytes
    authorization: str | None = None
    host: str | None = None


@dataclass
class Stub:
    """Answers pings with the scripted statuses in order, then 200; records what arrived."""

    statuses: list[int] = field(default_factory=list)
    body_limit: int | None = None
    # Paths answered with a redirect to another path, once each.
    redirects: dict[str, str] = field(default_factory=dict)
    chunked: bool = False
    received: list[Received] = field(default_factory=list)
    port: int = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append(
            Received(
                request.path,
                dict(request.query),
                await request.read(),
                request.headers.get("Authorization"),
                request.host,
            )
        )
        if request.path in self.redirects:
            raise web.HTTPFound(self.redirects.pop(request.path))
        status = self.statuses.pop(0) if self.statuses else 200
        headers = {} if self.body_limit is None else {"Ping-Body-Limit": str(self.body_limit)}
        body: dict[str, Any] = {"ok": True} if status == 200 else {"ok": False, "error": "stub"}
        if not self.chunked:
            return web.Response(status=status, text=json.dumps(body), headers=headers)
        reply = web.StreamResponse(status=status, headers=headers)
        reply.enable_chunked_encoding()
        await reply.prepare(request)
        await reply.write(json.dumps(body).encode())
        await reply.write_eof()
        return reply


@pytest.fixture
async def stub() -> AsyncIterator[Stub]:
    stub = Stub()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", stub.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    stub.port = runner.addresses[0][1]
    try:
        yield stub
    finally:
        await runner.cleanup()
