"""schemathesis against the real server on 127.0.0.1: every request the OpenAPI document
allows is taken (bar the rules it states only in words, see schemathesis_hooks), every one
it forbids is refused, and every reply is one it describes. A small seeded run; the README
gives the full one."""

from __future__ import annotations

import asyncio
import sys
from dataclasses import replace
from pathlib import Path

from beatwatch.core.validation import CheckSpec
from beatwatch.service.service import Service
from beatwatch.web.openapi import OPENAPI_PATH
from tests.conftest import engine_settings, running_engine

CONFIG = Path(__file__).with_name("schemathesis.toml")
SEED = "1"
EXAMPLES = "5"
DEADLINE = 120


async def seed(service: Service) -> str:
    """The check, channel, host, person, rotation and policy schemathesis.toml names;
    returns a read-write token."""
    await service.add_check(CheckSpec(name="nightly-backup", every_seconds=3600))
    await service.alerts.add_channel("ops", "json://127.0.0.1:9/ops")
    await service.alerts.start_maintenance("db1", weekly="sun 02:00-04:00", force=True)
    await service.oncall.add_person("alice", ("ops",))
    await service.oncall.add_rotation("primary", ("alice",), "1w", "09:00", "UTC")
    await service.oncall.add_policy("night", ("rotation:primary",))
    _, token = await service.tokens.create("schemathesis")
    return token


async def test_schemathesis_finds_nothing_the_server_and_its_document_disagree_on(
    tmp_path: Path,
) -> None:
    # No API rate limit: a 429 would stand in for the replies under test.
    settings = replace(engine_settings(tmp_path / "data"), api_rate_limit=None)
    async with running_engine(settings) as service:
        token = await seed(service)
        run = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            "from schemathesis.cli import schemathesis; schemathesis()",
            "--config-file",
            str(CONFIG),
            "--no-color",
            "run",
            f"http://127.0.0.1:{service.bound_port}/api/v1{OPENAPI_PATH}",
            "--checks",
            "all",
            "--max-examples",
            EXAMPLES,
            "--seed",
            SEED,
            "--generation-database",
            "none",
            "--header",
            f"Authorization: Bearer {token}",
            cwd=Path(__file__).parents[2],
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await asyncio.wait_for(run.communicate(), DEADLINE)
    report = output.decode(errors="replace")
    assert run.returncode == 0, report
