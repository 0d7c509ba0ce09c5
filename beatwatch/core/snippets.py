"""Ready-made snippets that make a job ping its check, one per way jobs are run, and its
status badges. Plain text, ready to paste; the check detail and `check show --snippets` show
the same ones."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from beatwatch.core.model import Check
from beatwatch.core.schedule import describe

CURL = "curl -fsS -m 10 --retry 5 -o /dev/null"
# Output kept with a finish ping; the server keeps the same tail of a longer body.
OUTPUT_TAIL = 10000


@dataclass(frozen=True, slots=True)
class Links:
    """Where a check's pings and badges go."""

    ping_url: str  # by the check's uuid: the check's own credential
    slug_url: str  # by the instance's ping key and the check's slug
    badge_url: str
    tag_badges: tuple[tuple[str, str], ...] = ()  # (tag, badge URL)


def job_path(check: Check) -> str:
    return f"/usr/local/bin/{check.slug}.sh"


def cron_line(check: Check) -> str:
    """The check's cron expression, or the closest one for an interval."""
    if check.schedule.cron:
        return check.schedule.cron
    every = check.schedule.every_seconds or 60
    if every % 86400 == 0:
        return "0 3 * * *"
    if every % 3600 == 0:
        hours = every // 3600
        return "0 * * * *" if hours == 1 else f"0 */{hours} * * *"
    minutes = max(1, every // 60)
    return "* * * * *" if minutes == 1 else f"*/{minutes} * * * *"


def _cron_zone(check: Check) -> str:
    """The CRON_TZ lines a crontab needs for a check whose times are in its own zone."""
    zone = check.schedule.tz if check.schedule.cron else None
    if not zone:
        return ""
    # The check expects its times in its own zone, which the server's cron may not share.
    return (
        f"# times in {zone}: cronie and busybox crond read CRON_TZ; Debian's cron does not,\n"
        "# so there write them in the server's time zone\n"
        f"CRON_TZ={zone}\n"
    )


def _cron_entry(check: Check, about: str, command: str) -> str:
    """A crontab entry: what it does, the zone its times are in, and the line itself."""
    return f"# {about}\n{_cron_zone(check)}{cron_line(check)}  {command}\n"


def crontab(links: Links, check: Check) -> str:
    return _cron_entry(
        check,
        f"{check.name}: pings only when the job succeeds",
        f"{job_path(check)} && {CURL} {links.ping_url}",
    )


def beatwatch_run(links: Links, check: Check) -> str:
    return _cron_entry(
        check,
        f"{check.name}: `beatwatch run` pings the start, then the exit code with the tail\n"
        "# of the output; the job's own exit code and output are left as they are",
        f"beatwatch run {links.ping_url} -- {job_path(check)}",
    )


def by_slug(links: Links, check: Check) -> str:
    return _cron_entry(
        check,
        f"{check.name} by its slug: one ping key serves every check, so a config\n"
        "# management template needs only the check's slug (/start, /fail and /CODE work too)",
        f"{job_path(check)} && {CURL} {links.slug_url}",
    )


def wrapper(links: Links, check: Check) -> str:
    return f"""#!/bin/sh
# {check.name}: reports the start, then the exit code with the tail of the output.
url={links.ping_url}
{CURL} "$url/start"
output=$({job_path(check)} 2>&1)
code=$?
printf '%s' "$output" | tail -c {OUTPUT_TAIL} | {CURL} --data-binary @- "$url/$code"
exit $code
"""


def python(links: Links, check: Check) -> str:
    return f"""#!/usr/bin/env python3
# {check.name}: runs the job, reporting its start, then its exit code with the tail of its
# output. Standard library only.
import subprocess
import sys
import urllib.request

URL = {json.dumps(links.ping_url)}


def ping(path: str = "", body: bytes = b"") -> None:
    try:
        urllib.request.urlopen(URL + path, data=body, timeout=10).close()
    except OSError as exc:  # a ping that fails must not stop the job
        print(f"ping failed: {{exc}}", file=sys.stderr)


ping("/start")
job = subprocess.run(
    [{json.dumps(job_path(check))}], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
)
sys.stdout.buffer.write(job.stdout)
# A job killed by a signal has a negative return code; the shell would say 128 + N.
code = job.returncode if job.returncode >= 0 else 128 - job.returncode
ping(f"/{{code}}", job.stdout[-{OUTPUT_TAIL}:])
sys.exit(code)
"""


def _task_trigger(check: Check) -> str:
    """A Task Scheduler trigger for the check's schedule, as near as one goes."""
    every = check.schedule.every_seconds
    if every is not None:
        return (
            "New-ScheduledTaskTrigger -Once -At (Get-Date) "
            f"-RepetitionInterval (New-TimeSpan -Seconds {every})"
        )
    return f"New-ScheduledTaskTrigger -Daily -At 03:00  # set it to: {describe(check.schedule)}"


def powershell(links: Links, check: Check) -> str:
    return f"""# {check.name}: C:\\Jobs\\{check.slug}.ps1, for Windows Task Scheduler.
# Register it once:
#   $action = New-ScheduledTaskAction -Execute 'powershell.exe' `
#       -Argument '-NoProfile -ExecutionPolicy Bypass -File C:\\Jobs\\{check.slug}.ps1'
#   $trigger = {_task_trigger(check)}
#   Register-ScheduledTask -TaskName '{check.slug}' -Action $action -Trigger $trigger
$url = '{links.ping_url}'
function Send-Ping([string]$Path, [string]$Body = '') {{
    try {{
        Invoke-RestMethod -Uri "$url$Path" -Method Post -Body $Body -TimeoutSec 10 | Out-Null
    }} catch {{
        Write-Warning "ping failed: $_"  # a ping that fails must not stop the job
    }}
}}
Send-Ping '/start'
$output = & 'C:\\Jobs\\{check.slug}.cmd' 2>&1 | Out-String
$code = $LASTEXITCODE
Write-Output $output
if ($output.Length -gt {OUTPUT_TAIL}) {{
    $output = $output.Substring($output.Length - {OUTPUT_TAIL})
}}
Send-Ping "/$code" $output
exit $code
"""


def github_actions(links: Links, check: Check) -> str:
    zone = check.schedule.tz if check.schedule.cron else None
    utc_note = (
        f"  # GitHub reads this in UTC; the check expects {zone}: write the times in UTC\n"
        if zone and zone not in ("UTC", "Etc/UTC")
        else "  # GitHub reads this in UTC, and may start a run some minutes late\n"
    )
    return f"""# .github/workflows/{check.slug}.yml: {check.name}
# The ping URL is the check's credential: keep it as a repository secret, e.g.
#   gh secret set BEATWATCH_PING_URL --body '{links.ping_url}'
name: {check.slug}
on:
  schedule:
    - cron: "{cron_line(check)}"
{utc_note}  workflow_dispatch:
jobs:
  run:
    runs-on: ubuntu-latest
    env:
      PING_URL: ${{{{ secrets.BEATWATCH_PING_URL }}}}
    steps:
      - uses: actions/checkout@v4
      - run: {CURL} "$PING_URL/start"
      - run: ./{check.slug}.sh
      - if: success()
        run: {CURL} "$PING_URL"
      - if: failure()
        run: {CURL} "$PING_URL/fail"
"""


def systemd(links: Links, check: Check) -> str:
    url = links.ping_url
    return f"""# {check.slug}.service (Type=oneshot): add to [Unit] and [Service]
[Unit]
OnFailure=beatwatch-fail-{check.slug}.service

[Service]
ExecStartPre=-/usr/bin/{CURL} {url}/start
ExecStartPost=/usr/bin/{CURL} {url}

# beatwatch-fail-{check.slug}.service
[Service]
Type=oneshot
ExecStart=/usr/bin/{CURL} {url}/fail
"""


def kubernetes(links: Links, check: Check) -> str:
    url = links.ping_url
    zone = f'\n  timeZone: "{check.schedule.tz}"' if check.schedule.tz else ""
    return f"""apiVersion: batch/v1
kind: CronJob
metadata:
  name: {check.slug}
spec:
  schedule: "{cron_line(check)}"{zone}
  concurrencyPolicy: Forbid
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
            - name: {check.slug}
              image: registry.example/{check.slug}:latest
              command: ["/bin/sh", "-c"]
              args:
                - >-
                  {CURL} {url}/start;
                  /app/run; code=$?;
                  {CURL} {url}/$code;
                  exit $code
"""


def badges(links: Links, check: Check) -> str:
    lines = [
        f"# {check.name}'s status badge: it shows the state only, never the ping URL",
        links.badge_url,
        f"![{check.name}]({links.badge_url})",
    ]
    for tag, url in links.tag_badges:
        lines += ["", f"# every check tagged {tag}", url, f"![{tag}]({url})"]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True, slots=True)
class Snippet:
    key: str
    title: str
    render: Callable[[Links, Check], str]


SNIPPETS = (
    Snippet("crontab", "crontab", crontab),
    Snippet("run", "beatwatch run", beatwatch_run),
    Snippet("slug", "by slug", by_slug),
    Snippet("wrapper", "shell wrapper", wrapper),
    Snippet("python", "Python", python),
    Snippet("systemd", "systemd", systemd),
    Snippet("kubernetes", "Kubernetes", kubernetes),
    Snippet("powershell", "PowerShell", powershell),
    Snippet("github", "GitHub Actions", github_actions),
    Snippet("badges", "badges", badges),
)
