"""`beatwatch run` and `beatwatch ping` as click commands: their options, and REF found in the
local data dir when it is a check's name, slug, id or uuid rather than a ping URL. What they
then do is cli/reporting.py's.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

import click

from beatwatch.cli.context import location_options, settings_from, with_service
from beatwatch.cli.printing import echo
from beatwatch.cli.reporting import PING_KINDS, ping_once, run_reported, stdin_tail
from beatwatch.client.pinger import (
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    Pinger,
    PingTarget,
    is_ping_url,
    parse_ping_url,
    retry_delays,
)
from beatwatch.core.errors import CheckNotFound, NoDatabase, NotFound, PingUrlError
from beatwatch.core.ping_request import BODY_LIMIT

if TYPE_CHECKING:
    from beatwatch.service.service import Service

REF_HINT = "REF|PING_URL"


def _ping_options(command: Callable[..., Any]) -> Callable[..., Any]:
    command = click.option(
        "--retries",
        type=click.IntRange(0, 10),
        default=DEFAULT_RETRIES,
        show_default=True,
        help="Retries after a network error or a 5xx reply (waiting 0.5 s, 1 s, 2 s, ...).",
    )(command)
    command = click.option(
        "--timeout-ping",
        type=click.FloatRange(0, min_open=True),
        default=DEFAULT_TIMEOUT,
        show_default=True,
        metavar="SECONDS",
        help="How long to wait for the server on each try.",
    )(command)
    return location_options(command)


def _resolve_target(ctx: click.Context, ref: str, where: dict[str, Any]) -> PingTarget:
    """A ping URL as given, or the ping URL of a check in the local data dir."""
    if is_ping_url(ref):
        try:
            return parse_ping_url(ref)
        except PingUrlError as exc:
            raise click.BadParameter(str(exc), ctx, param_hint=REF_HINT) from None
    try:
        return parse_ping_url(with_service(ctx, partial(_ping_url_of, ref=ref), **where))
    except NoDatabase as exc:
        raise NotFound(
            f"no check matches {ref!r}: there is no beatwatch database in {exc.data_dir}; "
            "on this machine give the check's ping URL (http://…) instead"
        ) from None
    except CheckNotFound:
        data_dir = settings_from(ctx, **where).data_dir
        raise NotFound(
            f"no check matches {ref!r} in {data_dir}; give a check's name, slug, id or uuid, "
            "or its ping URL (http://…)"
        ) from None


async def _ping_url_of(service: Service, ref: str) -> str:
    return service.ping_url(await service.get_check(ref))


def _pinger(
    ctx: click.Context, ref: str, timeout_ping: float, retries: int, where: dict[str, Any]
) -> Pinger:
    target = _resolve_target(ctx, ref, where)
    return Pinger(target, timeout=timeout_ping, delays=retry_delays(retries))


# -- beatwatch run ----------------------------------------------------------------------------


@click.command("run")
@click.argument("ref", metavar=REF_HINT)
@click.argument("command", nargs=-1, metavar="-- COMMAND [ARGS]...")
@_ping_options
@click.pass_context
def run_command(
    ctx: click.Context,
    ref: str,
    command: tuple[str, ...],
    timeout_ping: float,
    retries: int,
    **where: Any,
) -> None:
    """Run COMMAND and report it: a start ping, then success or fail/<exit code> with the
    last part of its output. Output passes through unchanged; the exit code is COMMAND's.

    REF is a check's name, slug, id or uuid (looked up in the local data dir) or its ping URL.

    \b
    Example:
      beatwatch run nightly-backup -- /usr/local/bin/backup.sh --full
    """
    if not command:
        raise click.UsageError(
            "give the command to run after --, e.g. beatwatch run backup -- /usr/local/bin/backup",
            ctx,
        )
    pinger = _pinger_if_found(ctx, ref, timeout_ping, retries, where)
    sys.exit(run_reported(pinger, command))


def _pinger_if_found(
    ctx: click.Context, ref: str, timeout_ping: float, retries: int, where: dict[str, Any]
) -> Pinger | None:
    """The check's pinger; None, said in one line, when the check cannot be found. The job
    matters more than its report: a mistyped check name must not stop a backup."""
    try:
        return _pinger(ctx, ref, timeout_ping, retries, where)
    except click.BadParameter as exc:
        reason = exc.format_message()
    except NotFound as exc:
        reason = str(exc)
    echo(f"beatwatch: {reason}; running the command without reporting it", err=True)
    return None


# -- beatwatch ping ---------------------------------------------------------------------------


@click.command("ping")
@click.argument("ref", metavar=REF_HINT)
@click.argument("kind", required=False, type=click.Choice(PING_KINDS))
@click.option(
    "--exit-code",
    type=click.IntRange(0, 255),
    help="The job's exit code: 0 counts as success, anything else as a failure.",
)
@click.option(
    "--body",
    metavar="TEXT|-",
    help="Text to send with the ping, e.g. a log excerpt; - reads it from stdin "
    f"(the last {BODY_LIMIT // 1024} KiB are sent).",
)
@click.option("--rid", type=click.UUID, help="Pairs a start with its own finish (a UUID).")
@_ping_options
@click.pass_context
def ping_command(
    ctx: click.Context,
    ref: str,
    kind: str | None,
    exit_code: int | None,
    body: str | None,
    rid: uuid.UUID | None,
    timeout_ping: float,
    retries: int,
    **where: Any,
) -> None:
    """Send one ping (success unless KIND says start, fail or log); exit 0 once the server
    has stored it, 1 if it has not.

    REF is a check's name, slug, id or uuid (looked up in the local data dir) or its ping URL.
    """
    if exit_code is not None and kind not in (None, "fail"):
        raise click.UsageError(f"--exit-code goes with fail (or no kind), not with {kind}", ctx)
    pinger = _pinger(ctx, ref, timeout_ping, retries, where)
    payload = None if body is None else stdin_tail() if body == "-" else body.encode()
    sys.exit(ping_once(pinger, kind or "success", exit_code, payload, str(rid) if rid else None))
