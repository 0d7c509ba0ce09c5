"""An instance whose every stored text holds terminal escapes: ping bodies and user agents sent
by a real `beatwatch serve` over HTTP, and names, hosts, tags, descriptions, channel names and
errors, window reasons and token names written into the database as an older version, which
did not refuse control characters, would have left them."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
import uuid as uuidlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp

from beatwatch.config import Settings
from beatwatch.core.validation import CheckSpec
from beatwatch.service.service import Service
from tests.reliability.conftest import ServeProcess

# Write the clipboard (OSC 52), clear the screen, set the window title, and their 8-bit C1
# forms (CSI, OSC), a bidi override, a carriage return and DEL.
OSC52 = "\x1b]52;c;aGVsbG8=\x1b\\"
PAYLOAD = f"{OSC52}\x1b[2J\x1b]0;title\x07\x9b31m\x9d0;c1 title\x9c\u202egnp.exe\r\x7f"
# What a terminal must never receive raw: the sequences above as bytes.
RAW_SEQUENCES = [
    b"\x1b]52;",
    b"\x1b[2J",
    b"\x1b]0;title",
    b"\x07",
    "\x9b".encode(),
    "\x9d".encode(),
    "\u202e".encode(),
    b"\x7f",
]
CHECK_SLUG = "victim"
HOST = "db1"


@dataclass(frozen=True)
class HostileInstance:
    data_dir: Path
    incident_id: int


def raw_controls(output: bytes, allowed: str = "\t\n") -> list[str]:
    """The control characters in `output` a terminal would act on (C0 but `allowed`, DEL, C1)
    and the bidi controls: text that passed the terminal-safe rule holds none."""
    text = output.decode("utf-8", "replace")
    return [
        ch
        for ch in text
        if (ord(ch) < 0x20 and ch not in allowed)
        or 0x7F <= ord(ch) <= 0x9F
        or 0x202A <= ord(ch) <= 0x202E
        or 0x2066 <= ord(ch) <= 0x2069
    ]


async def _send_pings(serve: ServeProcess, check_uuid: str) -> None:
    # C1 controls reach a user agent over HTTP; aiohttp refuses a raw ESC in a header, so
    # the ESC forms are written below as an older version stored them.
    agent = "backup\x9b2J\x9d0;agent\x9c".encode().decode("latin-1")
    async with aiohttp.ClientSession() as session:
        for path in (f"/ping/{check_uuid}", f"/ping/{check_uuid}/fail"):
            async with session.post(
                f"{serve.base}{path}", data=PAYLOAD.encode(), headers={"User-Agent": agent}
            ) as reply:
                assert reply.status == 200, await reply.text()
        async with session.get(
            f"{serve.base}/ping/{uuidlib.uuid4()}", headers={"User-Agent": agent}
        ) as reply:
            assert reply.status < 500


async def _wait_for_incident(data_dir: Path) -> int:
    deadline = time.monotonic() + 20
    while True:
        service = await Service.open(Settings(data_dir=data_dir))
        try:
            incidents = await service.alerts.incidents()
            notes = await service.alerts.notifications(incidents[0].id) if incidents else []
        finally:
            await service.close()
        if notes and notes[0].attempts:
            return incidents[0].id
        assert time.monotonic() < deadline, "no incident with a tried notification"
        await asyncio.sleep(0.1)


def _store_hostile_fields(db: Path) -> None:
    """What an older version let through the API, written as it stored it."""
    named = f"{CHECK_SLUG}{PAYLOAD}"
    host = f"{HOST}{PAYLOAD}"
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute(
            "UPDATE checks SET name = ?, host = ?, tags = ?, description = ?",
            (named, host, json.dumps([f"tag{PAYLOAD}"]), f"about{PAYLOAD}\nsecond line"),
        )
        conn.execute("UPDATE hosts SET name = ?", (host,))
        conn.execute("UPDATE maintenance_windows SET host = ?, reason = ?", (host, PAYLOAD))
        conn.execute("UPDATE channels SET name = ?, last_error = ?", (f"ops{PAYLOAD}", PAYLOAD))
        conn.execute("UPDATE outbox SET last_error = ?, title = title || ?", (PAYLOAD, PAYLOAD))
        conn.execute("UPDATE incidents SET reason = reason || ?", (PAYLOAD,))
        conn.execute("UPDATE api_tokens SET name = ?", (f"token{PAYLOAD}",))
        conn.execute("UPDATE pings SET user_agent = user_agent || ?", (PAYLOAD,))
        conn.execute(
            "UPDATE unknown_pings SET key = key || ?, user_agent = user_agent || ?",
            (PAYLOAD, PAYLOAD),
        )


def _window_not_now() -> str:
    """A weekly window three days away: one open now would hold the incident's alert."""
    day = (datetime.now(UTC) + timedelta(days=3)).strftime("%a").lower()
    return f"{day} 02:00-04:00"


async def build(data_dir: Path) -> HostileInstance:
    service = await Service.open(Settings(data_dir=data_dir), create=True)
    try:
        check = await service.add_check(
            CheckSpec(
                name=CHECK_SLUG,
                every_seconds=3600,
                host=HOST,
                tags=("nightly",),
                description="plain",
            )
        )
        # Nothing listens there: every send fails, and the failure is recorded.
        await service.alerts.add_channel("ops", "json://127.0.0.1:9/hook", is_default=True)
        await service.alerts.start_maintenance(HOST, weekly=_window_not_now(), tz="UTC")
        await service.tokens.create("ci")
    finally:
        await service.close()
    serve = ServeProcess(data_dir)
    await serve.start()
    try:
        await _send_pings(serve, check.uuid)
        incident_id = await _wait_for_incident(data_dir)
    finally:
        await serve.stop()
    _store_hostile_fields(data_dir / "beatwatch.db")
    return HostileInstance(data_dir, incident_id)
