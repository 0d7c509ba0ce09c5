"""Ready-made snippets that make a job ping its check: crontab, a shell wrapper, systemd and
a Kubernetes CronJob. Plain text, ready to paste."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from beatwatch.core.model import Check

CURL = "curl -fsS -m 10 --retry 5 -o /dev/null"


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


def crontab(url: str, check: Check) -> str:
    zone = check.schedule.tz if check.schedule.cron else None
    # The check expects its times in its own zone, which the server's cron may not share.
    in_zone = (
        f"# times in {zone}: cronie and busybox crond read CRON_TZ; Debian's cron does not,\n"
        "# so there write them in the server's time zone\n"
        f"CRON_TZ={zone}\n"
        if zone
        else ""
    )
    return (
        f"# {check.name}: pings only when the job succeeds\n"
        f"{in_zone}"
        f"{cron_line(check)}  /usr/local/bin/{check.slug}.sh && {CURL} {url}\n"
    )


def wrapper(url: str, check: Check) -> str:
    return f"""#!/bin/sh
# {check.name}: reports the start, then the exit code with the tail of the output.
url={url}
{CURL} "$url/start"
output=$(/usr/local/bin/{check.slug}.sh 2>&1)
code=$?
printf '%s' "$output" | tail -c 10000 | {CURL} --data-binary @- "$url/$code"
exit $code
"""


def systemd(url: str, check: Check) -> str:
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


def kubernetes(url: str, check: Check) -> str:
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


@dataclass(frozen=True, slots=True)
class Snippet:
    key: str
    title: str
    render: Callable[[str, Check], str]


SNIPPETS = (
    Snippet("crontab", "crontab", crontab),
    Snippet("wrapper", "shell wrapper", wrapper),
    Snippet("systemd", "systemd", systemd),
    Snippet("kubernetes", "Kubernetes", kubernetes),
)
