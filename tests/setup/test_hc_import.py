"""Importing from healthchecks: the real `beatwatch import` against a local HTTP server that
answers with responses recorded from a real healthchecks server (unchanged), then pings to
the imported uuids and slug URLs; dry run, idempotence, conflicts, channels."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from beatwatch.core.validation import CheckSpec
from beatwatch.service.healthchecks_import import apply_steps, plan_hc_import, read_export
from beatwatch.service.service import Service
from tests.cli.conftest import Beatwatch, Result, assert_one_line_error
from tests.conftest import engine_settings, running_engine

FIXTURES = Path(__file__).parent.parent / "fixtures" / "healthchecks-v3"
API_KEY = "hcw_0123456789abcdef0123456789ab"
# A healthchecks project's ping key, as its settings page shows it.
PING_KEY = "hV3wQfOd9sZk2LmN8pRtYw"
RECORDED = {
    "/api/v3/checks/": "checks.json",
    "/api/v3/channels/": "channels.json",
}


def recorded(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


class _Healthchecks(BaseHTTPRequestHandler):
    """healthchecks' API as recorded: the fixture for each path, for the right key only."""

    keys_seen: list[str]
    # As healthchecks behind gunicorn and nginx: one connection for both documents.
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.keys_seen.append(self.headers.get("X-Api-Key", ""))
        if self.headers.get("X-Api-Key") != API_KEY:
            self._reply(401, b'{"error": "wrong api key"}')
        elif self.path == "/not-healthchecks/api/v3/checks/":
            self._reply(200, b"<html><title>Welcome to nginx!\x1b[2J</title>", "text/html")
        elif self.path in RECORDED:
            self._reply(200, (FIXTURES / RECORDED[self.path]).read_bytes())
        else:
            self._reply(404, b"not found")

    def _reply(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def healthchecks() -> Iterator[tuple[str, list[str]]]:
    """The site root of a local "healthchecks", and the API keys it was sent."""
    keys: list[str] = []
    handler = type("Handler", (_Healthchecks,), {"keys_seen": keys})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", keys
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def beatwatch(tmp_path: Path) -> Beatwatch:
    env = {"PATH": "/usr/bin:/bin", "XDG_CONFIG_HOME": str(tmp_path / "config")}
    return Beatwatch(tmp_path / "data", env)


@pytest.fixture
def key_files(tmp_path: Path) -> tuple[Path, Path]:
    api_key, ping_key = tmp_path / "hc-api-key", tmp_path / "hc-ping-key"
    api_key.write_text(API_KEY + "\n")
    ping_key.write_text(PING_KEY + "\n")
    return api_key, ping_key


def imported(beatwatch: Beatwatch, site: str, key_files: tuple[Path, Path], *more: str) -> Result:
    api_key, ping_key = key_files
    return beatwatch(
        "import",
        "--from-healthchecks",
        site,
        "--api-key-file",
        str(api_key),
        "--ping-key-file",
        str(ping_key),
        *more,
    )


async def test_checks_come_over_with_their_uuids_and_slugs_and_get_their_pings(
    beatwatch: Beatwatch, healthchecks, key_files
):
    site, keys = healthchecks
    assert beatwatch("token", "create", "--name", "first").code == 0  # makes the database

    dry = imported(beatwatch, site, key_files, "--dry-run")
    assert dry.code == 0, dry.stderr
    for uuid in ("f27f2112-8a04-478d-aa27-c9e10f683855", "e8ff399b-71b9-46dd-8074-5ffa02286ec0"):
        assert uuid in dry.stdout
    assert "grace 1h -> 30m (at most half the period" in dry.stdout
    assert "5 changes (dry run: nothing was changed)" in dry.stdout
    assert beatwatch("check", "list", "--json").json() == []

    done = imported(beatwatch, site, key_files)
    assert done.code == 0, done.stderr
    assert done.stdout.replace("applied", "(dry run: nothing was changed)") == dry.stdout
    assert set(keys) == {API_KEY}  # sent as X-Api-Key, read from the file

    again = imported(beatwatch, site, key_files)
    assert (again.code, again.stdout) == (0, "nothing to change\n")

    async with running_engine(engine_settings(beatwatch.data_dir)) as engine:
        async with aiohttp.ClientSession() as http:
            base = f"http://127.0.0.1:{engine.bound_port}/ping"
            for data in recorded("checks.json")["checks"]:
                async with http.post(f"{base}/{data['uuid']}", data=data["name"]) as reply:
                    assert reply.status == 200
            async with http.get(f"{base}/{PING_KEY}/nightly-backup/start") as reply:
                assert reply.status == 200
            async with http.get(f"{base}/{PING_KEY}/weekday-report/fail") as reply:
                assert reply.status == 200
        for data in recorded("checks.json")["checks"]:
            check = await engine.get_check(data["uuid"])
            assert check.name == data["name"] and check.uuid == data["uuid"]
            pings = await engine.pings(data["uuid"])
            assert pings[-1].body_text == data["name"]
        assert (await engine.pings("nightly-backup"))[0].kind == "start"
        assert (await engine.pings("weekday-report"))[0].kind == "fail"
        assert await engine.unknown_ping_count() == 0


def test_bad_keys_and_read_only_exports_are_refused_in_one_line(
    beatwatch: Beatwatch, healthchecks, key_files, tmp_path: Path
):
    site, _ = healthchecks
    assert beatwatch("token", "create", "--name", "first").code == 0
    wrong = tmp_path / "wrong-key"
    wrong.write_text("not the key")
    refused = beatwatch("import", "--from-healthchecks", site, "--api-key-file", str(wrong))
    assert_one_line_error(refused, 2, "refused the API key (401)")
    no_key = beatwatch("import", "--from-healthchecks", site)
    assert_one_line_error(no_key, 2, "--api-key-file", "HEALTHCHECKS_API_KEY")
    readonly = beatwatch("import", "--from-file", str(FIXTURES / "checks-readonly.json"))
    assert_one_line_error(readonly, 2, "read-only key")
    assert beatwatch("check", "list", "--json").json() == []

    elsewhere = imported(beatwatch, site + "/not-healthchecks", key_files)
    assert_one_line_error(
        elsewhere, 2, "answered text/html, not JSON: '<html><title>Welcome to nginx!\u241b[2J"
    )

    from_file = beatwatch("import", "--from-file", str(FIXTURES / "checks.json"), "--dry-run")
    assert from_file.code == 0 and "4 changes (dry run" in from_file.stdout


async def test_a_check_here_with_another_uuid_is_reported_never_overwritten(engine: Service):
    mine = await engine.add_check(CheckSpec(name="Weekday report", every_seconds=3600))
    export = read_export([recorded("checks.json")])
    steps = await plan_hc_import(engine, export)
    [conflict] = [str(s) for s in steps if s.symbol == "!"]
    assert conflict.startswith(
        "! check 'Weekday report' (e8ff399b-71b9-46dd-8074-5ffa02286ec0) not imported: "
        f"'Weekday report' (id {mine.id}) has the same name or slug"
    )
    assert await apply_steps(steps) == 3
    kept = await engine.get_check("weekday-report")
    assert (kept.uuid, kept.schedule.every_seconds) == (mine.uuid, 3600)
    assert len(await engine.list_checks()) == 4
    # Run again: the same conflict, nothing else to do.
    again = await plan_hc_import(engine, export)
    assert [s.symbol for s in again] == ["!"]


async def test_settings_beatwatch_refuses_come_over_at_the_nearest_allowed(engine: Service):
    yearly = {
        "name": "yearly audit",
        "slug": "yearly-audit",
        "uuid": "6f7c0f8e-1b2a-4c3d-9e8f-0a1b2c3d4e5f",
        "timeout": 31536000,
        "grace": 31536000,
        "status": "paused",
        "channels": "",
    }
    [step] = await plan_hc_import(engine, read_export([{"checks": [yearly]}]))
    assert step.notes == [
        "period 52w1d -> 1w (beatwatch's longest interval; a cron schedule can run less often)",
        "grace 52w1d -> 3d12h (at most half the period in beatwatch, so one missed run "
        "cannot hide behind the next)",
        "paused, as it is in healthchecks",
    ]
    await apply_steps([step])
    check = await engine.get_check(yearly["uuid"])
    assert (check.schedule.every_seconds, check.grace_seconds) == (604800, 302400)
    assert check.paused_at is not None
    assert await plan_hc_import(engine, read_export([{"checks": [yearly]}])) == []


async def test_channels_become_apprise_urls_where_their_values_allow(engine: Service):
    slack = "1f0c9d4e-8b7a-4c6d-9e5f-3a2b1c0d9e8f"
    telegram = "2a1b0c9d-8e7f-4a5b-9c6d-1e0f2a3b4c5d"
    listed_only = "3b2c1d0e-9f8a-4b6c-8d7e-2f1a0b9c8d7e"
    api = {
        "channels": [
            {"id": slack, "name": "ops slack", "kind": "slack"},
            {"id": telegram, "name": "", "kind": "telegram"},
            {"id": listed_only, "name": "pager", "kind": "pd"},
        ]
    }
    dumped = [
        {
            "model": "api.channel",
            "pk": 1,
            "fields": {
                "code": slack,
                "kind": "slack",
                "name": "ops slack",
                "value": json.dumps(
                    {"incoming_webhook": {"url": "https://hooks.slack.com/services/T1/B2/xyz"}}
                ),
            },
        },
        {
            "model": "api.channel",
            "pk": 2,
            "fields": {"code": telegram, "kind": "telegram", "name": "", "value": '{"id": 42}'},
        },
    ]
    check = {
        "name": "backup",
        "uuid": "4c3d2e1f-0a9b-4c7d-8e6f-5a4b3c2d1e0f",
        "timeout": 86400,
        "grace": 3600,
        "channels": f"{slack},{telegram}",
    }
    steps = await plan_hc_import(engine, read_export([api, dumped, {"checks": [check]}]))
    lines = [str(s) for s in steps]
    assert lines[0] == "+ channel 'ops slack' ('slack') -> slack://…/…/…"
    assert lines[1].startswith("! channel 'telegram-2a1b0c9d' ('telegram') not imported: it sends")
    assert lines[2].startswith("! channel 'pager' ('pd') not imported: healthchecks' API gives")
    assert steps[3].notes == [
        "1 of its integrations did not come over (see the channels above); it alerts the others"
    ]
    await apply_steps(steps)
    [channel] = await engine.alerts.channels()
    assert (channel.name, channel.url) == ("ops slack", "slack://T1/B2/xyz")
    assert (await engine.get_check("backup")).channels == ("ops slack",)
    again = await plan_hc_import(engine, read_export([api, dumped, {"checks": [check]}]))
    assert [s.symbol for s in again] == ["!", "!"]
