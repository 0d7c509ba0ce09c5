"""Secrets never leak. Planted: channel passwords and a header value, an API token, a check's
uuid and the instance's ping key. Then the real `beatwatch serve` alerts, fails to deliver,
takes pings and API calls, and the command line lists and exports; every output is searched.

Ping URLs are meant to be shown where checks are (`check list`, the API's checks), so the uuid
is looked for everywhere else: alerts, the serve log, channel listings, exports, incidents.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import stat
import uuid as uuidlib
from contextlib import closing
from pathlib import Path

import aiohttp

from beatwatch.store.database import DB_FILE
from tests.conftest import wait_for
from tests.engine.conftest import shift_into_past
from tests.reliability.conftest import BEATWATCH, ServeProcess, free_port
from tests.webhook import Hook, serving

PASSWORD, HEADER_VALUE, BROKEN_PASSWORD = "PlantedPw123", "PlantedHdr", "PlantedPw456"


async def cli(data_dir: Path, *args: str) -> str:
    """Run a beatwatch command; its stdout and stderr together."""
    process = await asyncio.create_subprocess_exec(
        *BEATWATCH,
        *args,
        "--data-dir",
        str(data_dir),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    assert process.returncode == 0, output.decode()
    return output.decode()


async def http_text(url: str, token: str | None = None) -> str:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as reply:
        return f"{reply.status} {dict(reply.headers)} {await reply.text()}"


def ping_key(db_path: Path) -> str:
    with closing(sqlite3.connect(db_path)) as conn:
        return str(conn.execute("SELECT value FROM settings WHERE key = 'ping_key'").fetchone()[0])


def failed_attempts(db_path: Path, channel: str) -> int:
    with closing(sqlite3.connect(db_path)) as conn:
        query = "SELECT sum(attempts) FROM outbox o JOIN channels c ON c.id = o.channel_id "
        return int(conn.execute(query + "WHERE c.name = ?", (channel,)).fetchone()[0] or 0)


def private_modes(data_dir: Path) -> dict[str, str]:
    """Mode of the data dir and of each file in it that others could read or write."""
    paths = [data_dir, *data_dir.iterdir()]
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in paths}
    return {name: oct(mode) for name, mode in modes.items() if mode & 0o077}


async def test_no_output_carries_a_planted_secret(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    db_path = data_dir / DB_FILE
    hook_port, closed_port = free_port(), free_port()
    ops_url = f"json://alert:{PASSWORD}@127.0.0.1:{hook_port}/hook?+X-Planted={HEADER_VALUE}"
    broken_url = f"json://alert:{BROKEN_PASSWORD}@127.0.0.1:{closed_port}/hook"
    outputs: dict[str, str] = {}
    check_outputs: dict[str, str] = {}  # where ping URLs belong

    outputs["channel add"] = await cli(data_dir, "channel", "add", "ops", ops_url, "--default")
    outputs["channel add broken"] = await cli(
        data_dir, "channel", "add", "broken", broken_url, "--default"
    )
    check_outputs["check add"] = await cli(
        data_dir, "check", "add", "nightly-backup", "--every", "1h", "--json"
    )
    check = json.loads(check_outputs["check add"])
    token = (await cli(data_dir, "token", "create", "--name", "ci")).split()[-1]
    assert token.startswith("bw_")
    key = ping_key(db_path)
    secrets = [PASSWORD, HEADER_VALUE, BROKEN_PASSWORD, token, check["uuid"], key]
    shift_into_past(db_path, check["id"], 2 * 3600)

    inbox = Hook(port=hook_port)
    server = ServeProcess(data_dir)
    async with serving(inbox):
        await server.start()
        await wait_for(lambda: len(inbox.received) == 1, timeout=10)  # missed
        await http_text(f"{server.base}/ping/{key}/nightly-backup/fail")
        await wait_for(lambda: len(inbox.received) == 2, timeout=10)  # failing
        await http_text(f"{server.base}/ping/{check['uuid']}")
        await wait_for(lambda: len(inbox.received) == 3, timeout=10)  # recovered
        await http_text(f"{server.base}/ping/{uuidlib.uuid4()}")
        await http_text(f"{server.base}/ping/{key}/no-such-job")
        outputs["api with a wrong token"] = await http_text(
            f"{server.base}/api/v1/channels", token + "x"
        )
        outputs["api channels"] = await http_text(f"{server.base}/api/v1/channels", token)
        outputs["metrics"] = await http_text(f"{server.base}/metrics", token)
        check_outputs["api checks"] = await http_text(f"{server.base}/api/v1/checks", token)
        await wait_for(lambda: failed_attempts(db_path, "broken") >= 3, timeout=10)
        outputs["channel test"] = await cli(data_dir, "channel", "test", "ops")
        assert {f"{DB_FILE}-wal", f"{DB_FILE}-shm"} <= {p.name for p in data_dir.iterdir()}
        assert private_modes(data_dir) == {}, "while serving"
        assert await server.stop() == 0
    assert server.process is not None and server.process.stderr is not None
    outputs["serve log"] = (await server.process.stderr.read()).decode()
    outputs["alerts received"] = json.dumps(inbox.received)

    commands = {
        "channel list": ["channel", "list"],
        "channel list --json": ["channel", "list", "--json"],
        "export": ["export"],
        "incidents": ["incidents", "--json"],
        "check list": ["check", "list"],
        "check list --json": ["check", "list", "--json"],
    }
    replies = await asyncio.gather(*(cli(data_dir, *args) for args in commands.values()))
    for name, text in zip(commands, replies, strict=True):
        (check_outputs if name.startswith("check") else outputs)[name] = text
    assert private_modes(data_dir) == {}, "after serving"

    # The planted secrets were live: Apprise used them to reach the hook.
    assert inbox.headers[0]["X-Planted"] == HEADER_VALUE
    assert inbox.headers[0]["Authorization"].startswith("Basic ")
    assert "could not send" in outputs["serve log"], "the failing channel was logged"

    leaks = [(where, s) for where, text in outputs.items() for s in secrets if s in text]
    channel_secrets = [PASSWORD, HEADER_VALUE, BROKEN_PASSWORD, token, key]
    leaks += [
        (where, s) for where, text in check_outputs.items() for s in channel_secrets if s in text
    ]
    assert leaks == []
    searched = sum(len(text) for text in (*outputs.values(), *check_outputs.values()))
    print(
        f"\nsecrets: {len(secrets)} planted, {len(outputs) + len(check_outputs)} outputs "
        f"({searched} characters) searched, none found"
    )
