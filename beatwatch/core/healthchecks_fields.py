"""healthchecks' JSON <-> beatwatch's checks, both ways. Pure: no I/O, times as arguments.

healthchecks names a check's period `timeout` (beatwatch: every_seconds), its cron
expression `schedule`, its description `desc`, and keeps tags as one space-separated string.
What beatwatch has no use for (e-mail keyword filters, POST-only pings) is accepted at its
default value and refused otherwise, naming the field, rather than kept and ignored.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from beatwatch.core.model import MAX_INTERVAL, Channel, Check, Ping, State, Transition
from beatwatch.core.rules import due_at, evaluate
from beatwatch.core.timefmt import format_duration_exact
from beatwatch.core.validation import CheckSpec

# healthchecks' own bounds on timeout and grace (one minute to 365 days).
HC_MIN_SECONDS = 60
HC_MAX_SECONDS = 31536000
HC_TEXT_MAX = 100
HC_KEYWORD_MAX = 200
UNIQUE_FIELDS = ("name", "slug", "tags", "timeout", "grace")
# What healthchecks' API says a state is; every state beatwatch alerts for is "down" there.
HC_STATUS = {
    State.NEW: "new",
    State.UP: "up",
    State.LATE: "grace",
    State.RUNNING: "started",
    State.MISSED: "down",
    State.FAILING: "down",
    State.STUCK: "down",
    State.RUNNING_LONG: "down",
    State.PAUSED: "paused",
}
_DOWN = frozenset(state for state, status in HC_STATUS.items() if status == "down")
# E-mail pings and their keyword filters, which beatwatch does not receive: at these values
# they mean nothing, so they are accepted; any other value is refused.
MAIL_FIELDS: dict[str, object] = {
    "subject": "",
    "subject_fail": "",
    "start_kw": "",
    "success_kw": "",
    "failure_kw": "",
    "filter_subject": False,
    "filter_body": False,
    "filter_http_body": False,
    "filter_default_fail": False,
}
_SLUG = re.compile(r"[a-z0-9_-]*")
# Channels have numeric ids in beatwatch; healthchecks' clients expect UUIDs. These are
# derived, so the same channel has the same id in every reply.
_CHANNEL_NAMESPACE = uuid.UUID("5d8e2b0c-9a41-4f6e-8c1d-3b7a9e2f4c60")


class HcFieldError(ValueError):
    """A request field healthchecks' API would refuse, or one beatwatch cannot honour. The
    message is whole, as the reply's "error" carries it."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message


def unique_key(check_uuid: str) -> str:
    """healthchecks' stable id for read-only keys, computed as it computes it, so a check
    imported with its uuid keeps the unique_key dashboards already use."""
    return hashlib.sha1(uuid.UUID(check_uuid).hex[:16].encode()).hexdigest()


def channel_uuid(channel: Channel) -> str:
    return str(uuid.uuid5(_CHANNEL_NAMESPACE, str(channel.id)))


def hc_time(t: float | None, precise: bool = False) -> str | None:
    """ISO 8601 with an offset, as healthchecks writes it: "2026-12-01T22:00:53+00:00"."""
    if t is None:
        return None
    moment = datetime.fromtimestamp(t, UTC)
    return moment.isoformat(timespec="microseconds" if precise else "seconds")


def hc_tags(tags: Iterable[str]) -> str:
    return " ".join(tags)


# -- beatwatch -> healthchecks ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CheckLinks:
    """What a check's JSON links to; built by the web layer, which knows the URLs."""

    api_root: str  # ".../api/v3", for update_url and friends
    ping_url: str
    badge_url: str | None
    channels: str  # comma-separated channel ids


def check_to_hc(check: Check, now: float, links: CheckLinks, readonly: bool) -> dict[str, Any]:
    """A check as healthchecks' API shows it; a read-only key gets `unique_key` instead of
    the uuid, and no URL a ping or a change could be sent to."""
    evaluation = evaluate(check, now)
    due = due_at(check, evaluation) if evaluation.state in (State.UP, State.LATE) else None
    result: dict[str, Any] = {
        "name": check.name,
        "slug": check.slug,
        "tags": hc_tags(check.tags),
        "desc": check.description,
        "grace": check.grace_seconds,
        "n_pings": check.last_ping_number,
        "status": HC_STATUS[evaluation.state],
        "started": check.run_started_at is not None and evaluation.state is not State.PAUSED,
        "last_ping": hc_time(check.last_ping_at),
        "next_ping": hc_time(due),
        # Pings never end a pause in beatwatch: it always resumes by hand.
        "manual_resume": True,
        "methods": "",
        **MAIL_FIELDS,
        "badge_url": links.badge_url,
    }
    if check.last_duration is not None:
        result["last_duration"] = int(check.last_duration)
    if readonly:
        result["unique_key"] = unique_key(check.uuid)
    else:
        update_url = f"{links.api_root}/checks/{check.uuid}"
        result.update(
            uuid=check.uuid,
            ping_url=links.ping_url,
            update_url=update_url,
            pause_url=f"{update_url}/pause",
            resume_url=f"{update_url}/resume",
            channels=links.channels,
        )
    if check.schedule.is_cron:
        result.update(schedule=check.schedule.cron, tz=check.schedule.tz)
    else:
        result["timeout"] = check.schedule.every_seconds
    return result


def ping_to_hc(ping: Ping, body_url: str | None) -> dict[str, Any]:
    """A ping as healthchecks lists it. `n` is the ping's number within its check, which
    names it in .../pings/<n>/body."""
    result: dict[str, Any] = {
        "type": ping.kind.value,
        "date": hc_time(ping.at, precise=True),
        "n": ping.number,
        "scheme": "http",
        "remote_addr": ping.remote_addr or "",
        # beatwatch does not record the method; every method counts the same.
        "method": "",
        "ua": ping.user_agent or "",
        "rid": ping.rid,
        "body_url": body_url if ping.body else None,
    }
    if ping.duration is not None:
        result["duration"] = round(ping.duration, 3)
    return result


def flips(transitions: Sequence[Transition]) -> list[dict[str, Any]]:
    """Each change between healthy and down, newest first (transitions come newest first):
    a move from missed to failing is no flip, as it is none in healthchecks."""
    result = []
    for transition in transitions:
        was_down = transition.from_state in _DOWN
        is_down = transition.to_state in _DOWN
        if was_down != is_down:
            result.append({"timestamp": hc_time(transition.at), "up": 0 if is_down else 1})
    return result


def channel_to_hc(channel: Channel) -> dict[str, Any]:
    """A channel as healthchecks lists an integration; its kind is the Apprise scheme (the
    URL itself holds secrets and never leaves beatwatch)."""
    scheme = channel.url.partition("://")[0].lower() if "://" in channel.url else "apprise"
    return {"id": channel_uuid(channel), "name": channel.name, "kind": scheme}


# -- healthchecks -> beatwatch ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HcCheckFields:
    """What a create or update request sets, still in healthchecks' terms."""

    given: Mapping[str, Any]
    unique: tuple[str, ...] = ()


def _expect(field_name: str, value: Any, kind: type, what: str) -> None:
    if kind is int and isinstance(value, bool):
        raise HcFieldError(field_name, f"json validation error: {field_name} is not a number")
    if not isinstance(value, kind):
        raise HcFieldError(field_name, f"json validation error: {field_name} is not {what}")


def parse_hc_check(data: Mapping[str, Any]) -> HcCheckFields:
    """The fields of a create or update body, type-checked as healthchecks checks them;
    `api_key` and fields healthchecks does not know are left out, as it leaves them."""
    given: dict[str, Any] = {}
    for key, value in data.items():
        if key in ("name", "slug", "tags", "desc", "schedule", "tz", "methods", "channels"):
            _expect(key, value, str, "a string")
        elif key in ("timeout", "grace"):
            _expect(key, value, int, "a number")
            if value < HC_MIN_SECONDS:
                raise HcFieldError(key, f"json validation error: {key} is too small")
            if value > HC_MAX_SECONDS:
                raise HcFieldError(key, f"json validation error: {key} is too large")
        elif key == "manual_resume":
            _expect(key, value, bool, "a boolean")
        elif key in MAIL_FIELDS:
            kind = bool if isinstance(MAIL_FIELDS[key], bool) else str
            _expect(key, value, kind, "a boolean" if kind is bool else "a string")
        elif key != "unique":
            continue
        given[key] = value
    for key in ("name", "schedule", "slug"):
        if len(given.get(key, "")) > HC_TEXT_MAX:
            raise HcFieldError(key, f"json validation error: {key} is too long")
    if not _SLUG.fullmatch(given.get("slug", "")):
        raise HcFieldError("slug", "json validation error: slug does not match pattern")
    if given.get("methods", "") not in ("", "POST"):
        raise HcFieldError("methods", "json validation error: methods has unexpected value")
    unique = data.get("unique", [])
    if not isinstance(unique, list):
        raise HcFieldError("unique", "json validation error: unique is not an array")
    if any(field_name not in UNIQUE_FIELDS for field_name in unique):
        raise HcFieldError(
            "unique", "json validation error: an item in 'unique' has unexpected value"
        )
    given.pop("unique", None)
    return HcCheckFields(given, tuple(unique))


def refuse_unsupported(fields: HcCheckFields) -> None:
    """HcFieldError for a value beatwatch would have to ignore to accept: an e-mail filter,
    POST-only pings. manual_resume is no such field: beatwatch always resumes by hand, so
    false is accepted (a client sends it by default) and true is what it does anyway."""
    for key, default in MAIL_FIELDS.items():
        if key in fields.given and fields.given[key] != default:
            raise HcFieldError(
                key,
                f"{key}: beatwatch receives no e-mail pings and filters no ping bodies, so it "
                f"has no keyword filters; leave {key} at {default!r}",
            )
    if fields.given.get("methods"):
        raise HcFieldError(
            "methods",
            'methods: beatwatch counts GET, POST and HEAD pings alike; only "" is supported',
        )


def hc_spec(
    fields: HcCheckFields, current: CheckSpec | None, channel_names: list[str], version: int
) -> CheckSpec:
    """The spec a create (current None) or an update of `current` asks for. A new check
    without a timeout or schedule watches a daily job, as in healthchecks; without a grace
    it gets beatwatch's default (healthchecks' one hour would often exceed beatwatch's
    limit of half the period). Before v3 a new name makes a new slug, as it did there."""
    given = fields.given
    spec = current or CheckSpec(name="", every_seconds=86400)
    changes: dict[str, Any] = {}
    if "name" in given:
        changes["name"] = given["name"]
        if version < 3 and given["name"] != spec.name:
            changes["slug"] = None
    if given.get("slug"):
        changes["slug"] = given["slug"]
    if "tags" in given:
        changes["tags"] = tuple(given["tags"].split())
    if "desc" in given:
        changes["description"] = given["desc"]
    if "grace" in given:
        changes["grace_seconds"] = given["grace"]
    if "schedule" in given:
        changes.update(
            every_seconds=None, cron=given["schedule"], tz=given.get("tz") or spec.tz or "UTC"
        )
    elif "timeout" in given:
        changes.update(every_seconds=given["timeout"], cron=None, tz=None)
    elif "tz" in given and spec.cron is not None:
        changes["tz"] = given["tz"]
    if "channels" in given:
        changes["channels"] = _channel_refs(given["channels"], channel_names)
    return replace(spec, **changes)


def _channel_refs(value: str, channel_names: list[str]) -> tuple[str, ...]:
    """healthchecks' channel list: "*" for all, "" for none (in beatwatch: the defaults),
    else ids or names separated by commas, already resolved to names by the caller."""
    if value == "*":
        return tuple(channel_names)
    if value == "":
        return ()
    return tuple(value.split(","))


def resolve_channels(value: str, channels: Sequence[Channel]) -> str:
    """`value` with each channel id replaced by its channel's name; HcFieldError (with
    healthchecks' messages) for one that names no channel or more than one."""
    if value in ("*", ""):
        return value
    names = []
    for ref in value.split(","):
        if ref == "":
            raise HcFieldError("channels", "empty channel identifier")
        matches = [c for c in channels if channel_uuid(c) == ref or c.name == ref]
        if not matches:
            raise HcFieldError("channels", f"invalid channel identifier: {ref}")
        if len(matches) > 1:
            raise HcFieldError("channels", f"non-unique channel identifier: {ref}")
        names.append(matches[0].name)
    return ",".join(names)


def matches_unique(check: Check, fields: HcCheckFields) -> bool:
    """Whether `check` is the one an upsert with `unique` means: every listed field equal."""
    given = fields.given
    have = {
        "name": check.name,
        "slug": check.slug,
        "tags": hc_tags(check.tags),
        "timeout": check.schedule.every_seconds,
        "grace": check.grace_seconds,
    }
    return all(have[key] == given.get(key) for key in fields.unique)


def wants_upsert(fields: HcCheckFields) -> bool:
    """An upsert looks only when every field `unique` lists is given, as in healthchecks."""
    return bool(fields.unique) and all(key in fields.given for key in fields.unique)


# -- importing: healthchecks' settings that beatwatch's rules refuse -------------------


def nearest_allowed(spec: CheckSpec) -> tuple[CheckSpec, list[str]]:
    """`spec` moved to the nearest setting beatwatch allows, and a line for each change:
    healthchecks allows periods up to a year and a grace as long as the period."""
    notes = []
    every = spec.every_seconds
    if every is not None and every > MAX_INTERVAL:
        notes.append(
            f"period {format_duration_exact(every)} -> {format_duration_exact(MAX_INTERVAL)} "
            "(beatwatch's longest interval; a cron schedule can run less often)"
        )
        every = MAX_INTERVAL
        spec = replace(spec, every_seconds=every)
    grace = spec.grace_seconds
    if every is not None and grace is not None and grace > every // 2:
        notes.append(
            f"grace {format_duration_exact(grace)} -> {format_duration_exact(every // 2)} "
            "(at most half the period in beatwatch, so one missed run cannot hide behind "
            "the next)"
        )
        spec = replace(spec, grace_seconds=every // 2)
    return spec, notes


def dropped_settings(data: Mapping[str, Any]) -> list[str]:
    """What a check exported from healthchecks sets that beatwatch will not keep."""
    filters = [
        f"{key} {data[key]!r}"
        for key, default in MAIL_FIELDS.items()
        if data.get(key, default) not in (default, None)
    ]
    notes = []
    if filters:
        notes.append(f"dropped {', '.join(filters)} (beatwatch receives no e-mail pings)")
    if data.get("methods"):
        notes.append("methods 'POST' dropped (beatwatch counts GET, POST and HEAD alike)")
    return notes
