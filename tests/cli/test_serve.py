"""`beatwatch serve` as systemd runs it: it answers pings over HTTP, logs to stderr, and
exits 0 on SIGTERM."""

from __future__ import annotations

import asyncio
import re
import signal

import aiohttp

from tests.cli.conftest import TIMEOUT, Beatwatch

LISTENING = re.compile(r"ping URLs start with (http://\S+)/ping/")


async def read_until(stream: asyncio.StreamReader, pattern: re.Pattern[str]) -> list[str]:
    """Lines from `stream` up to and including the first that matches `pattern`."""
    lines: list[str] = []
    while not lines or not pattern.search(lines[-1]):
        line = await stream.readline()
        if not line:
            raise AssertionError("serve ended before it was listening:\n" + "".join(lines))
        lines.append(line.decode())
    return lines


async def start_serve(beatwatch: Beatwatch) -> tuple[asyncio.subprocess.Process, list[str]]:
    """`beatwatch serve` on a free port, and its log up to the line that says where."""
    serve = await asyncio.create_subprocess_exec(
        *beatwatch.argv(("serve", "--listen", "127.0.0.1:0")),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=beatwatch.env,
    )
    try:
        assert serve.stderr is not None
        return serve, await asyncio.wait_for(read_until(serve.stderr, LISTENING), TIMEOUT)
    except BaseException:
        serve.kill()
        await serve.wait()
        raise


async def stop_serve(serve: asyncio.subprocess.Process) -> tuple[bytes, bytes]:
    """SIGTERM, as systemd stops it; what it wrote to stdout and stderr since."""
    try:
        serve.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(serve.communicate(), TIMEOUT)
    finally:
        if serve.returncode is None:
            serve.kill()
            await serve.wait()


async def test_serve_answers_a_ping_and_stops_on_sigterm(beatwatch: Beatwatch) -> None:
    uuid = beatwatch("check", "add", "backup", "--every", "1h", "--json").json()["uuid"]
    serve, startup = await start_serve(beatwatch)
    try:
        match = LISTENING.search(startup[-1])
        assert match is not None
        async with (
            aiohttp.ClientSession() as http,
            http.post(f"{match.group(1)}/ping/{uuid}", data=b"done") as reply,
        ):
            assert (reply.status, await reply.json()) == (200, {"ok": True})
        # Commands run beside the engine print ping URLs at the address it really listens on.
        added = beatwatch("check", "add", "deploy", "--every", "1h", "--json").json()
        assert added["ping_url"].startswith(f"{match.group(1)}/ping/")

        serve.send_signal(signal.SIGTERM)
        stdout, rest = await asyncio.wait_for(serve.communicate(), TIMEOUT)
    finally:
        if serve.returncode is None:
            serve.kill()
            await serve.wait()

    assert serve.returncode == 0
    assert stdout == b""
    log = "".join(startup) + rest.decode()
    assert "Traceback" not in log
    assert "watching 1 check;" in log
    assert "shutting down" in log
    assert log.rstrip().endswith("stopped")
    [ping] = beatwatch("pings", "backup", "--json").json()
    assert (ping["kind"], ping["body"], ping["remote_addr"]) == ("success", "done", "127.0.0.1")


async def test_nodes_lists_the_engine_and_its_duties_while_it_runs(beatwatch: Beatwatch) -> None:
    assert beatwatch("check", "add", "backup", "--every", "1h").code == 0
    before = beatwatch("nodes")
    assert (before.code, before.stdout.strip()) == (
        0,
        "No engine has run on this database yet: start one with `beatwatch serve`.",
    )
    serve, _ = await start_serve(beatwatch)
    try:
        shown = beatwatch("nodes", "--json").json()
        [node] = shown["nodes"]
        assert (node["duties"], node["alive"], node["clock_off"]) == (
            ["dispatch", "evaluate"][::-1],
            True,
            False,
        )
        assert shown["unheld"] == []
        table = beatwatch("nodes").stdout
        assert "evaluate, dispatch" in table and node["id"] in table
        serve.send_signal(signal.SIGTERM)
        await asyncio.wait_for(serve.wait(), TIMEOUT)
    finally:
        if serve.returncode is None:
            serve.kill()
            await serve.wait()
    # Stopped cleanly, it gave its duties up and left.
    after = beatwatch("nodes", "--json").json()
    assert after == {"nodes": [], "unheld": ["evaluate", "dispatch"]}
