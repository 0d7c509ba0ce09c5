"""healthchecks' integrations as Apprise URLs, where what healthchecks stored is enough to
make one. Pure: no I/O.

healthchecks keeps an integration as a kind and a value (a URL, an address, or JSON, by
kind). Its API lists only the kind and the name; the value comes from the database, e.g.
`./manage.py dumpdata api.channel`. Some kinds cannot come over from the value alone: a
Telegram or Pushover integration uses healthchecks' own bot or app token, a site setting.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit


@dataclass(frozen=True, slots=True)
class Converted:
    url: str
    # What the Apprise channel does differently from the integration, if anything.
    note: str = ""


@dataclass(frozen=True, slots=True)
class NotConverted:
    reason: str


# healthchecks' ntfy priorities (1-5) by Apprise's names.
_NTFY_PRIORITY = {1: "min", 2: "low", 3: "default", 4: "high", 5: "max"}
_SITE_TOKEN = (
    "it sends through healthchecks' own {what} (a site setting, not stored with the "
    "integration); add a {scheme} channel with your own {what}"
)
_NO_VALUE = (
    "healthchecks' API gives only an integration's name and kind, not its address or "
    "secrets; import the output of `./manage.py dumpdata api.channel` with --from-file, "
    "or add the channel by hand"
)


def _json(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return None


def _with_query(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query.update(params)
    return urlunsplit(parts._replace(query=urlencode(query)))


def _webhook_target(url: str) -> str | None:
    """http(s)://host/path as Apprise's JSON poster: json(s)://host/path."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    scheme = "jsons" if parts.scheme == "https" else "json"
    return urlunsplit(parts._replace(scheme=scheme))


def _native_webhook(kind: str, url: str) -> str | None:
    """A service's own webhook URL as Apprise writes it: https://hooks.slack.com/services/
    T/B/X is slack://T/B/X, https://discord.com/api/webhooks/ID/TOKEN discord://ID/TOKEN,
    https://host/hooks/TOKEN (Mattermost) mmosts://host/TOKEN."""
    parts = urlsplit(url)
    path = [segment for segment in parts.path.split("/") if segment]
    if parts.scheme != "https":
        return None
    if kind == "slack" and len(path) == 4 and path[0] == "services":
        return "slack://" + "/".join(path[1:])
    if kind == "discord" and len(path) == 4 and path[:2] == ["api", "webhooks"]:
        return "discord://" + "/".join(path[2:])
    if kind == "mattermost" and len(path) >= 2 and path[-2] == "hooks":
        prefix = "/".join(path[:-2])
        return f"mmosts://{parts.netloc}/{prefix + '/' if prefix else ''}{path[-1]}"
    return None


def convert(kind: str, value: str | None, mail_via: str | None = None) -> Converted | NotConverted:
    """The Apprise URL for a healthchecks integration of `kind` holding `value`; `mail_via`
    is an Apprise mailto URL (an existing channel's) whose server e-mail goes out through."""
    if value is None:
        return NotConverted(_NO_VALUE)
    data = _json(value)
    match kind:
        case "apprise":
            return Converted(value)
        case "email":
            address = data.get("value") if isinstance(data, dict) else value
            if not isinstance(address, str) or "@" not in address:
                return NotConverted("its e-mail address could not be read")
            if mail_via is None:
                return NotConverted(
                    f"e-mail to {address} needs a mail server: give --mail-via CHANNEL, an "
                    "existing mailto channel to send through"
                )
            return Converted(_with_query(mail_via, to=address))
        case "slack" | "mattermost":
            url = data.get("incoming_webhook", {}).get("url") if isinstance(data, dict) else value
            target = _native_webhook(kind, url) if isinstance(url, str) else None
            if target is None:
                return NotConverted(f"its {kind} webhook URL could not be read")
            return Converted(target)
        case "discord":
            url = data.get("webhook", {}).get("url") if isinstance(data, dict) else None
            target = _native_webhook(kind, url) if isinstance(url, str) else None
            if target is None:
                return NotConverted("its Discord webhook URL could not be read")
            return Converted(target)
        case "ntfy":
            if not isinstance(data, dict) or not data.get("topic"):
                return NotConverted("its ntfy topic could not be read")
            server = urlsplit(str(data.get("url") or "https://ntfy.sh"))
            scheme = "ntfys" if server.scheme == "https" else "ntfy"
            url = f"{scheme}://{server.netloc}{server.path.rstrip('/')}/{data['topic']}"
            params = {"priority": _NTFY_PRIORITY.get(data.get("priority"), "default")}
            if data.get("token"):
                params["token"] = str(data["token"])
            return Converted(_with_query(url, **params))
        case "gotify":
            if not isinstance(data, dict) or not data.get("url") or not data.get("token"):
                return NotConverted("its Gotify server or token could not be read")
            server = urlsplit(str(data["url"]))
            scheme = "gotifys" if server.scheme == "https" else "gotify"
            return Converted(f"{scheme}://{server.netloc}{server.path.rstrip('/')}/{data['token']}")
        case "webhook":
            url = data.get("url_down") if isinstance(data, dict) else None
            target = _webhook_target(url) if isinstance(url, str) else None
            if target is None:
                return NotConverted("its webhook has no http(s) URL for going down")
            return Converted(
                target, "posts beatwatch's JSON message, not healthchecks' custom body or headers"
            )
        case "telegram":
            return NotConverted(_SITE_TOKEN.format(what="bot token", scheme="tgram://"))
        case "po":
            return NotConverted(_SITE_TOKEN.format(what="app token", scheme="pover://"))
    return NotConverted(f"beatwatch has no conversion for healthchecks' {kind!r} integrations")
