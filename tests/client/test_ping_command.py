"""`beatwatch ping` as a real process against the real engine."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from beatwatch.core.model import BODY_LIMIT, PingKind
from beatwatch.core.validation import CheckSpec
from beatwatch.service.service import Service
from tests.client.conftest import Cli, Stub, closed_port

LONG_LOG = b"copying...\n" * BODY_LIMIT + b"no space left on device\n"
# (arguments after the URL, stdin, what the engine stores: kind, exit code, body)
SENDS = [
    (["start"], None, (PingKind.START, None, b"")),
    (["log", "--body", "rotated 3 files"], None, (PingKind.LOG, None, b"rotated 3 files")),
    (["fail", "--exit-code", "4"], None, (PingKind.FAIL, 4, b"")),
    (["--exit-code", "0"], None, (PingKind.SUCCESS, 0, b"")),
    (["--exit-code", "9", "--body", "-"], LONG_LOG, (PingKind.FAIL, 9, LONG_LOG[-BODY_LIMIT:])),
]


async def test_each_kind_exit_code_and_body_is_stored(engine: Service, cli: Cli) -> None:
    checks = [
        await engine.add_check(CheckSpec(name=f"job {n}", every_seconds=3600))
        for n in range(len(SENDS))
    ]

    results = await asyncio.gather(
        *(
            cli.run("ping", engine.ping_url(check), *args, stdin=stdin)
            for check, (args, stdin, _) in zip(checks, SENDS, strict=True)
        )
    )

    for check, done, (args, _, expected) in zip(checks, results, SENDS, strict=True):
        assert (done.code, done.stdout, done.stderr) == (0, b"", ""), args
        [ping] = await engine.pings(check.slug)
        assert (ping.kind, ping.exit_code, ping.body) == expected, args


async def test_a_rid_pairs_a_start_with_its_finish(engine: Service, cli: Cli) -> None:
    check = await engine.add_check(CheckSpec(name="paired", every_seconds=3600))
    url = f"{engine.slug_ping_url(check)}/fail/3"  # a suffix in the URL is replaced
    rid = str(uuid.uuid4())

    for kind in ("start", "success"):
        done = await cli.run("ping", url, kind, "--rid", rid)
        assert done.code == 0, done.stderr

    finish, start = await engine.pings(check.slug)
    assert (start.kind, finish.kind) == (PingKind.START, PingKind.SUCCESS)
    assert start.rid == finish.rid == rid
    assert finish.duration is not None


async def test_a_refused_ping_exits_1_with_one_line(stub: Stub, cli: Cli) -> None:
    stub.statuses = [404]
    check_uuid = str(uuid.uuid4())
    down = f"http://127.0.0.1:{closed_port()}/ping/{check_uuid}"

    refused, unreachable = await asyncio.gather(
        cli.run("ping", stub.url(f"/ping/{check_uuid}"), "start"),
        cli.run("ping", down, "--retries", "0"),
    )

    assert refused.code == 1
    assert refused.stderr_lines == [
        f"beatwatch: could not ping http://127.0.0.1:{stub.port}/ping/… (start): "
        "the server answered 404: stub"
    ]
    assert len(stub.received) == 1
    assert unreachable.code == 1
    assert len(unreachable.stderr_lines) == 1
    assert check_uuid not in refused.stderr + unreachable.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--exit-code", "256"], "256 is not in the range 0<=x<=255"),
        (["start", "--exit-code", "1"], "--exit-code goes with fail (or no kind), not with start"),
    ],
)
async def test_usage_mistakes_are_one_line_and_exit_2(
    cli: Cli, args: list[str], message: str
) -> None:
    done = await cli.run("ping", f"http://127.0.0.1:{closed_port()}/ping/{uuid.uuid4()}", *args)

    assert done.code == 2
    assert len(done.stderr_lines) == 1
    assert done.stderr.startswith("beatwatch: ")
    assert message in done.stderr
