"""Notification channels: Apprise URL validation and sending one message.

A channel URL is a credential: anything shown to a person goes through
`url_masking.mask_url`, never the URL itself.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
from urllib.parse import parse_qsl, urlsplit

import apprise

from beatwatch.core.errors import ChannelError

log = logging.getLogger("beatwatch.channels")

SEND_TIMEOUT = 30.0


def validate_url(url: str) -> None:
    """Raise ChannelError unless Apprise knows how to send to `url`."""
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if not scheme:
        raise ChannelError(
            "a channel URL looks like scheme://... (for example mailto://, slack://, ntfys://)"
        )
    if scheme not in _known_schemes():
        raise ChannelError(f"Apprise does not know the scheme {scheme}:// (see its wiki)")
    if not apprise.Apprise().add(url):
        raise ChannelError(
            f"Apprise cannot use this {scheme}:// URL: a part is missing or malformed"
        )


@functools.cache
def _known_schemes() -> frozenset[str]:
    """Every scheme Apprise's plugins take: asking loads every plugin's details, which takes
    a second or more, and the answer never changes while the process runs."""
    schemes: set[str] = set()
    for details in apprise.Apprise().details()["schemas"]:
        for key in ("protocols", "secure_protocols"):
            value = details.get(key) or ()
            schemes.update([value] if isinstance(value, str) else value)
    return frozenset(s.lower() for s in schemes)


# How each kind of message looks where the service has a notion of it (Slack's colour bar,
# ntfy's priority icons, ...): an alert is a failure, a recovery a success.
_NOTIFY_TYPES = {
    "alert": apprise.NotifyType.FAILURE,
    "escalation": apprise.NotifyType.FAILURE,
    "handoff": apprise.NotifyType.FAILURE,
    "reminder": apprise.NotifyType.WARNING,
    "digest": apprise.NotifyType.WARNING,
    "recovery": apprise.NotifyType.SUCCESS,
}


async def send(
    url: str, title: str, body: str, kind: str = "test", timeout: float = SEND_TIMEOUT
) -> str | None:
    """Send one message of `kind` (an outbox kind, or "test"); None on success, else
    Apprise's reason (secrets masked).

    Apprise's plugins block (requests, smtplib) and no read timeout helps against an endpoint
    that answers a byte at a time, so the send runs in a daemon thread of its own: after
    `timeout`, or when the caller is cancelled at shutdown, it is left behind, and it can
    neither hold up the event loop nor keep the process alive at exit, as a pool thread
    (Apprise's own, or asyncio's) would.
    """
    notifier = apprise.Apprise(asset=_BLOCKING_IN_THIS_THREAD)
    if not notifier.add(url):
        return "Apprise cannot use this URL any more"
    loop = asyncio.get_running_loop()
    outcome: asyncio.Future[apprise.AppriseResult] = loop.create_future()

    def deliver() -> None:
        try:
            result = notifier.notify(
                title=title,
                body=body,
                body_format=apprise.NotifyFormat.MARKDOWN,
                notify_type=_NOTIFY_TYPES.get(kind, apprise.NotifyType.INFO),
            )
        except Exception as exc:  # handed to the awaiting task, which logs it
            loop.call_soon_threadsafe(_settle, outcome, None, exc)
        else:
            loop.call_soon_threadsafe(_settle, outcome, result, None)

    threading.Thread(target=deliver, name="apprise-send", daemon=True).start()
    try:
        async with asyncio.timeout(timeout):
            result = await outcome
    except TimeoutError:
        return f"no answer within {timeout:.0f} s"
    if result:
        return None
    problems = [e.message for e in result.logs() if e.level in ("WARNING", "ERROR", "CRITICAL")]
    reason = problems[-1] if problems else f"delivery failed ({result.status.name.lower()})"
    return _scrub(reason, url)


# Every service sent one after another in the calling thread, with no deadline of Apprise's:
# with one, Apprise hands the work to its shared pool, whose threads the interpreter waits
# for at exit.
_BLOCKING_IN_THIS_THREAD = apprise.AppriseAsset(async_mode=False, service_timeout=0)


def _settle(
    outcome: asyncio.Future[apprise.AppriseResult],
    result: apprise.AppriseResult | None,
    error: Exception | None,
) -> None:
    if outcome.done():  # the caller gave up waiting
        return
    if error is not None:
        outcome.set_exception(error)
    else:
        assert result is not None
        outcome.set_result(result)


def _scrub(text: str, url: str) -> str:
    """Apprise's messages sometimes quote the URL or its parts; never pass secrets on."""
    parts = urlsplit(url)
    secrets_in_url = [parts.password or "", *parts.path.split("/"), *parts.netloc.split("@")[:1]]
    secrets_in_url += [value for _, value in parse_qsl(parts.query)]
    for secret in sorted(set(secrets_in_url), key=len, reverse=True):
        if len(secret) >= 6:
            text = text.replace(secret, "****")
    return text[:500]
