"""Every snippet `check show --snippets` prints, run for real against `serve`: the crontab
lines, the shell wrapper, `beatwatch run`, the slug form, Python, and the GitHub Actions steps
in the order Actions runs them. PowerShell has no runner on this machine (neither Debian nor
PyPI ship one): its script is checked for its shape."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml

from tests.cli.conftest import TIMEOUT, Beatwatch
from tests.cli.test_serve import start_serve

TITLE = re.compile(r"^──── (.+) ────$", re.MULTILINE)
JOB = "/usr/local/bin/etl.sh"


@pytest.fixture
async def served(beatwatch: Beatwatch) -> AsyncIterator[Beatwatch]:
    """`beatwatch serve` on a free port, with `beatwatch` itself on the PATH the snippets use."""
    beatwatch("check", "add", "etl", "--every", "1h")
    beatwatch.env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{beatwatch.env['PATH']}"
    serve, _ = await start_serve(beatwatch)
    try:
        yield beatwatch
    finally:
        serve.send_signal(signal.SIGTERM)
        await asyncio.wait_for(serve.communicate(), TIMEOUT)


def snippets(beatwatch: Beatwatch) -> dict[str, str]:
    """The snippets as printed, by title."""
    shown = beatwatch("check", "show", "etl", "--snippets")
    assert shown.code == 0, shown
    parts = TITLE.split(shown.stdout)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def job(tmp_path: Path, output: str, code: int) -> str:
    script = tmp_path / f"job-{code}.sh"
    script.write_text(f"#!/bin/sh\necho '{output}'\nexit {code}\n")
    script.chmod(0o755)
    return str(script)


def crontab_command(snippet: str) -> str:
    """The command of the snippet's one crontab line: what cron hands to /bin/sh."""
    [line] = [line for line in snippet.splitlines() if line and not line.startswith("#")]
    return line.split(None, 5)[5]


def run(beatwatch: Beatwatch, *argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, capture_output=True, text=True, env={**beatwatch.env, **env}, timeout=TIMEOUT
    )


def latest_pings(beatwatch: Beatwatch, count: int) -> list[tuple[str, int | None, str]]:
    """The newest `count` pings, oldest first, as (kind, exit code, body)."""
    pings = beatwatch("pings", "etl", "--limit", str(count), "--json").json()
    return [(p["kind"], p["exit_code"], p["body"].strip()) for p in reversed(pings)]


async def test_the_shell_snippets_ping_for_real(served: Beatwatch, tmp_path: Path) -> None:
    shown = snippets(served)

    ok = run(
        served, "sh", "-c", crontab_command(shown["crontab"]).replace(JOB, job(tmp_path, "ok", 0))
    )
    assert ok.returncode == 0, ok
    assert latest_pings(served, 1) == [("success", None, "")]

    slug = crontab_command(shown["by slug"]).replace(JOB, job(tmp_path, "ok", 0))
    assert "/ping/" in slug and slug.rstrip().endswith("/etl")
    assert run(served, "sh", "-c", slug).returncode == 0
    assert latest_pings(served, 2)[-1] == ("success", None, "")

    wrapper = tmp_path / "wrapper.sh"
    wrapper.write_text(shown["shell wrapper"].replace(JOB, job(tmp_path, "disk full", 3)))
    assert run(served, "sh", str(wrapper)).returncode == 3
    assert latest_pings(served, 2) == [("start", None, ""), ("fail", 3, "disk full")]


async def test_beatwatch_run_pings_for_real(served: Beatwatch, tmp_path: Path) -> None:
    command = crontab_command(snippets(served)["beatwatch run"])
    assert command.startswith("beatwatch run http://")

    done = run(served, "sh", "-c", command.replace(JOB, job(tmp_path, "rotated", 0)))

    assert done.returncode == 0, done
    assert "rotated" in done.stdout
    assert latest_pings(served, 2) == [("start", None, ""), ("success", None, "rotated")]


async def test_the_python_snippet_pings_for_real(served: Beatwatch, tmp_path: Path) -> None:
    script = tmp_path / "etl.py"
    script.write_text(snippets(served)["Python"].replace(JOB, job(tmp_path, "no space left", 2)))

    done = run(served, sys.executable, str(script))

    assert done.returncode == 2, done
    assert done.stdout.strip() == "no space left"
    assert latest_pings(served, 2) == [("start", None, ""), ("fail", 2, "no space left")]


async def test_the_github_actions_steps_ping_for_real(served: Beatwatch, tmp_path: Path) -> None:
    text = snippets(served)["GitHub Actions"]
    url = served("check", "show", "etl", "--json").json()["ping_url"]
    workflow = yaml.safe_load(text)
    # YAML reads the key `on` as True.
    assert workflow[True]["schedule"] == [{"cron": "0 * * * *"}]
    assert "workflow_dispatch" in workflow[True]
    job_spec = workflow["jobs"]["run"]
    assert job_spec["env"]["PING_URL"] == "${{ secrets.BEATWATCH_PING_URL }}"
    assert f"--body '{url}'" in text

    (tmp_path / "etl.sh").write_text(Path(job(tmp_path, "failed step", 1)).read_text())
    (tmp_path / "etl.sh").chmod(0o755)
    failed = False
    for step in job_spec["steps"]:
        if "uses" in step or step.get("if") == ("success()" if failed else "failure()"):
            continue
        done = subprocess.run(
            ["sh", "-c", step["run"]], cwd=tmp_path, env={**served.env, "PING_URL": url}
        )
        failed = failed or done.returncode != 0

    assert failed
    assert latest_pings(served, 2) == [("start", None, ""), ("fail", None, "")]


async def test_the_kubernetes_job_pings_for_real(served: Beatwatch, tmp_path: Path) -> None:
    cron_job = yaml.safe_load(snippets(served)["Kubernetes"])
    [container] = cron_job["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    assert container["command"] == ["/bin/sh", "-c"]
    [script] = container["args"]

    done = run(served, "sh", "-c", script.replace("/app/run", job(tmp_path, "ok", 0)))

    assert done.returncode == 0, done
    assert latest_pings(served, 2) == [("start", None, ""), ("success", 0, "")]


def test_the_powershell_script_has_the_shape_task_scheduler_runs(beatwatch: Beatwatch) -> None:
    beatwatch("check", "add", "etl", "--every", "1h")
    text = snippets(beatwatch)["PowerShell"]
    url = beatwatch("check", "show", "etl", "--json").json()["ping_url"]
    code = [line for line in text.splitlines() if line and not line.lstrip().startswith("#")]
    body = "\n".join(code)

    # Brackets balance outside strings, and every string closes on its line.
    for line in code:
        assert line.count("'") % 2 == 0 and line.count('"') % 2 == 0, line
    bare = re.sub(r"'[^']*'|\"[^\"]*\"", "", body)
    for opening, closing in ("{}", "()", "[]"):
        assert bare.count(opening) == bare.count(closing), (opening, body)
    assert code[0] == f"$url = '{url}'"
    # The function is defined before the pings call it; the start goes first, the exit code last.
    calls = [n for n, line in enumerate(code) if line.startswith("Send-Ping")]
    defined = next(n for n, line in enumerate(code) if line.startswith("function Send-Ping"))
    assert defined < calls[0]
    assert code[calls[0]] == "Send-Ping '/start'"
    assert code[calls[-1]] == 'Send-Ping "/$code" $output'
    assert code[-1] == "exit $code"
    assert "-RepetitionInterval (New-TimeSpan -Seconds 3600)" in text
