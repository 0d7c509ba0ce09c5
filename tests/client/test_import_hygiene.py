"""`beatwatch ping` and `beatwatch run` start on every cron job: what they import is checked
in a fresh interpreter, as a crontab would start them. Neither the web server, Apprise, the
terminal UI nor the store may load on their way."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest

HEAVY = ("aiohttp", "apprise", "textual", "rich", "aiosqlite", "sqlite3", "cronsim")
# Whole layers: the pinger needs core alone (and the command line's own modules).
LAYERS_NOT_NEEDED = (
    "beatwatch.engine",
    "beatwatch.service",
    "beatwatch.store",
    "beatwatch.web",
    "beatwatch.runtime",
    "beatwatch.ui",
    "beatwatch.config",  # a ping URL says all: no settings are read
)
UUID = "0b0e9b2a-2f1a-4a43-9d8d-1d2b3c4d5e6f"
# Runs the command line in-process, then reports every module it loaded.
PROBE = """
import json, sys
from beatwatch.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)))
"""


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def modules_loaded_by(*args: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


def offenders(loaded: set[str]) -> list[str]:
    return sorted(
        name for name in loaded if name.split(".")[0] in HEAVY or name.startswith(LAYERS_NOT_NEEDED)
    )


@pytest.mark.parametrize(
    "args",
    [
        ("--version",),
        ("ping", "URL", "--retries", "0"),
        ("ping", "URL", "fail", "--exit-code", "3", "--retries", "0"),
        ("run", "URL", "--retries", "0", "--", "true"),
    ],
    ids=["version", "ping", "ping-fail", "run"],
)
def test_the_pinger_loads_neither_the_engine_nor_the_web_nor_the_ui(args):
    url = f"http://127.0.0.1:{closed_port()}/ping/{UUID}"
    loaded = modules_loaded_by(*(url if a == "URL" else a for a in args))
    assert "beatwatch.cli" in loaded
    assert offenders(loaded) == []


def test_a_command_that_opens_the_store_does_load_it(tmp_path):
    # The probe itself can see a heavy import: the list above is not vacuous.
    loaded = modules_loaded_by("check", "list", "--data-dir", str(tmp_path))
    assert "beatwatch.service.service" in loaded and "aiosqlite" in loaded


# What the plain forms a crontab uses do without: click, http.client with email and ssl,
# and dataclasses with inspect.
NOT_NEEDED_PLAINLY = ("click", "http", "email", "ssl", "uuid", "dataclasses", "inspect")


@pytest.fixture
def accepting_url() -> Iterator[str]:
    """The ping URL of a server that stores every ping (it answers 200)."""
    server = socket.create_server(("127.0.0.1", 0))

    def answer() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:  # closed: the test is over
                return
            with conn:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK")

    threading.Thread(target=answer, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}/ping/{UUID}"
    finally:
        server.close()


@pytest.mark.parametrize(
    "args",
    [("ping", "URL"), ("ping", "URL", "fail"), ("run", "URL", "--", "true")],
    ids=["ping", "ping-fail", "run"],
)
def test_the_plain_forms_load_neither_click_nor_http_client(args, accepting_url):
    loaded = modules_loaded_by(*(accepting_url if a == "URL" else a for a in args))
    assert "beatwatch.cli.plain" in loaded
    assert sorted(m for m in loaded if m.split(".")[0] in NOT_NEEDED_PLAINLY) == []
