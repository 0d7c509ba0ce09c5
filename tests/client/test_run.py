"""`beatwatch run` as a real process, reporting to the real engine (or a stand-in server)."""

from __future__ import annotations

import asyncio
import signal
import sys
import uuid
from pathlib import Path

import pytest

from beatwatch.core.model import BODY_LIMIT, Check, Ping, PingKind
from beatwatch.core.validation import CheckSpec
from beatwatch.service.service import Service
from tests.client.conftest import Cli, Stub, closed_port, finish

PYTHON = sys.executable


async def add_check(engine: Service, name: str = "db backup") -> Check:
    return await engine.add_check(CheckSpec(name=name, every_seconds=3600))


async def oldest_first(engine: Service, check: Check) -> list[Ping]:
    return list(reversed(await engine.pings(check.slug)))


async def test_success_is_reported_with_a_paired_start_and_its_duration(
    engine: Service, cli: Cli
) -> None:
    check = await add_check(engine)
    script = (
        "import sys, time; print('to stdout'); print('to stderr', file=sys.stderr); time.sleep(0.3)"
    )

    done = await cli.run("run", engine.ping_url(check), "--", PYTHON, "-c", script)

    assert done.code == 0
    assert done.stdout == b"to stdout\n"
    assert done.stderr == "to stderr\n"
    start, success = await oldest_first(engine, check)
    assert (start.kind, success.kind) == (PingKind.START, PingKind.SUCCESS)
    assert start.rid is not None and uuid.UUID(start.rid).version == 4
    assert success.rid == start.rid
    assert success.duration is not None and success.duration >= 0.3
    assert b"to stdout" in success.body and b"to stderr" in success.body


async def test_a_failing_command_keeps_its_exit_code_and_sends_its_output_tail(
    engine: Service, cli: Cli
) -> None:
    check = await add_check(engine)
    # stdout and stderr are read side by side, so the command spaces them out the way a
    # real job's log lines are; the order in the tail then follows the order written.
    script = (
        "import sys, time; print('x' * 20000, flush=True); time.sleep(0.3); "
        "print('disk full', file=sys.stderr); sys.exit(3)"
    )

    done = await cli.run("run", engine.ping_url(check), "--", PYTHON, "-c", script)

    assert done.code == 3
    fail = (await oldest_first(engine, check))[-1]
    assert (fail.kind, fail.exit_code) == (PingKind.FAIL, 3)
    assert len(fail.body) == BODY_LIMIT
    assert fail.body.endswith(b"x\ndisk full\n")


async def test_a_command_killed_by_a_signal_reports_128_plus_the_signal(
    engine: Service, cli: Cli
) -> None:
    check = await add_check(engine)
    script = "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"

    done = await cli.run("run", engine.ping_url(check), "--", PYTHON, "-c", script)

    assert done.code == 128 + signal.SIGKILL
    fail = (await oldest_first(engine, check))[-1]
    assert (fail.kind, fail.exit_code) == (PingKind.FAIL, 128 + signal.SIGKILL)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
async def test_a_stop_signal_is_passed_on_to_the_command(
    engine: Service, cli: Cli, signum: signal.Signals
) -> None:
    check = await add_check(engine)
    script = "import signal; print('ready', flush=True); signal.pause()"
    process = await cli.spawn("run", engine.ping_url(check), "--", PYTHON, "-c", script)
    assert process.stdout is not None
    assert await asyncio.wait_for(process.stdout.readline(), 30) == b"ready\n"

    process.send_signal(signum)

    done = await finish(process)
    assert done.code == 128 + signum
    fail = (await oldest_first(engine, check))[-1]
    assert (fail.kind, fail.exit_code) == (PingKind.FAIL, 128 + signum)


async def test_a_command_that_cannot_start_reports_127(engine: Service, cli: Cli) -> None:
    check = await add_check(engine)

    done = await cli.run("run", engine.ping_url(check), "--", "no-such-command-here", "--flag")

    assert done.code == 127
    assert done.stderr_lines == ["beatwatch: cannot run 'no-such-command-here': command not found"]
    fail = (await oldest_first(engine, check))[-1]
    assert (fail.kind, fail.exit_code) == (PingKind.FAIL, 127)
    assert fail.body_text == "cannot run 'no-such-command-here': command not found"


# The wrapper, reporting its own peak memory (KiB) to the file named by its first argument.
MEASURED = (
    PYTHON,
    "-c",
    "import resource, sys\n"
    "from beatwatch.cli import main\n"
    "try:\n"
    "    main(sys.argv[2:])\n"
    "finally:\n"
    "    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
    "    open(sys.argv[1], 'w').write(str(peak))\n",
)
BLOCK = 64 * 1024
BLOCKS = 768  # 48 MiB
WRITER = (
    "import sys\n"
    "for i in range(int(sys.argv[1])):\n"
    f"    sys.stdout.buffer.write(b'%0{BLOCK}d' % i)\n"
)


def written(blocks: int) -> bytes:
    return b"".join(b"%0*d" % (BLOCK, i) for i in range(blocks))


async def test_megabytes_of_output_pass_through_while_only_the_tail_is_kept(
    engine: Service, cli: Cli, tmp_path: Path
) -> None:
    check = await add_check(engine)

    async def wrap(blocks: int, peak_file: Path) -> bytes:
        done = await cli.run(
            str(peak_file), "run", engine.ping_url(check), "--",
            PYTHON, "-c", WRITER, str(blocks), launcher=MEASURED,
        )  # fmt: skip
        assert done.code == 0, done.stderr
        return done.stdout

    small, big = tmp_path / "small-peak", tmp_path / "big-peak"
    out_small, out_big = await asyncio.gather(wrap(1, small), wrap(BLOCKS, big))

    assert out_small == written(1)
    assert out_big == written(BLOCKS)
    tails = sorted(p.body for p in await engine.pings(check.slug) if p.kind is PingKind.SUCCESS)
    assert tails == sorted([written(1)[-BODY_LIMIT:], written(BLOCKS)[-BODY_LIMIT:]])
    growth_kib = int(big.read_text()) - int(small.read_text())
    assert growth_kib < 16 * 1024, f"the wrapper grew by {growth_kib} KiB for 48 MiB of output"


async def test_with_the_server_down_the_command_still_runs_and_its_code_stands(
    cli: Cli,
) -> None:
    check_uuid = str(uuid.uuid4())
    url = f"http://127.0.0.1:{closed_port()}/ping/{check_uuid}"
    script = "import sys; print('did the work'); sys.exit(5)"

    done = await cli.run("run", url, "--retries", "1", "--", PYTHON, "-c", script)

    assert done.code == 5
    assert done.stdout == b"did the work\n"
    shown = url.split("/ping/")[0] + "/ping/…"
    assert done.stderr_lines == [
        f"beatwatch: could not ping {shown} ({kind}): connection refused: "
        "is beatwatch running and listening there? (tried 2 times)"
        for kind in ("start", "fail")
    ]
    assert check_uuid not in done.stderr


async def test_retries_and_the_announced_body_limit_with_a_flaky_server(
    stub: Stub, cli: Cli
) -> None:
    stub.statuses = [503, 503]
    stub.body_limit = 100
    script = "print('a' * 500 + 'the end')"

    done = await cli.run("run", stub.url(f"/ping/{uuid.uuid4()}"), "--", PYTHON, "-c", script)

    assert done.code == 0
    assert done.stderr == ""
    starts, finishes = stub.received[:3], stub.received[3:]
    assert [r.path.rsplit("/", 1)[-1] for r in starts] == ["start"] * 3
    assert len(finishes) == 1
    assert finishes[0].query["rid"] == starts[0].query["rid"]
    assert finishes[0].body == (b"a" * 500 + b"the end\n")[-100:]


async def test_a_check_is_found_by_slug_in_the_data_dir(engine: Service, cli: Cli) -> None:
    check = await add_check(engine, "Nightly Backup")
    cli.env["BEATWATCH_LISTEN"] = f"127.0.0.1:{engine.bound_port}"
    data_dir = str(engine.settings.data_dir)

    found, missing = await asyncio.gather(
        cli.run("--data-dir", data_dir, "run", check.slug, "--", PYTHON, "-c", "pass"),
        cli.run("--data-dir", data_dir, "run", "nightly-backpu", "--", PYTHON, "-c", "pass"),
    )

    assert found.code == 0, found.stderr
    kinds = [p.kind for p in await oldest_first(engine, check)]
    assert kinds == [PingKind.START, PingKind.SUCCESS]
    # A mistyped check name must not stop the job: it runs, unreported, and its code stands.
    assert missing.code == 0
    assert missing.stderr_lines == [
        f"beatwatch: no check matches 'nightly-backpu' in {data_dir}; give a check's name, "
        "slug, id or uuid, or its ping URL (http://…); running the command without reporting it"
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "http://mon.lan/ping/x"], "give the command to run after --"),
    ],
)
async def test_usage_mistakes_are_one_line_and_exit_2(
    cli: Cli, tmp_path: Path, args: list[str], message: str
) -> None:
    done = await cli.run("--data-dir", str(tmp_path / "nothing-here"), *args)

    assert done.code == 2
    assert len(done.stderr_lines) == 1
    assert done.stderr.startswith("beatwatch: ")
    assert message in done.stderr


async def test_a_malformed_ping_url_still_runs_the_command(cli: Cli) -> None:
    script = "import sys; print('did the work'); sys.exit(3)"

    done = await cli.run("run", "http://mon.lan/health", "--", PYTHON, "-c", script)

    assert done.code == 3
    assert done.stdout == b"did the work\n"
    assert len(done.stderr_lines) == 1
    assert "is not a ping URL" in done.stderr
    assert done.stderr.rstrip().endswith("running the command without reporting it")
