"""`beatwatch ping URL [KIND]` and `beatwatch run URL -- COMMAND...`, the forms a crontab uses
most, recognised without click. They mean exactly what the full command line makes of them
(the same defaults, the same reporting); any other form is not answered here."""

from __future__ import annotations

from collections.abc import Sequence

from beatwatch.cli.reporting import PING_KINDS, ping_once, run_reported
from beatwatch.client.pinger import Pinger, PingTarget, is_ping_url, parse_ping_url
from beatwatch.core.errors import PingUrlError


def answer_plainly(args: Sequence[str]) -> int | None:
    """The exit code of a plain ping or run, once done; None when `args` are anything else."""
    match list(args):
        case ["run", url, "--", *command] if command and (target := _target(url)):
            return run_reported(Pinger(target), command)
        case ["ping", url] if target := _target(url):
            return ping_once(Pinger(target))
        case ["ping", url, kind] if kind in PING_KINDS and (target := _target(url)):
            return ping_once(Pinger(target), kind)
    return None


def _target(url: str) -> PingTarget | None:
    """A well-formed ping URL's target; a mistyped one is for the full command line to
    explain, with its usual message."""
    if not is_ping_url(url):
        return None
    try:
        return parse_ping_url(url)
    except PingUrlError:
        return None
