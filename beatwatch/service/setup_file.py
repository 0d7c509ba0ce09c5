"""Config as code: the whole setup (channels, who is on call, hosts and their maintenance
windows, checks) as
a TOML document, exported from a running instance and imported idempotently.

Secrets stay out unless asked for: channel URLs and check uuids (the ping URL credential)
are written only with `with_secrets`. An import without them keeps what the instance has.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any, TypeVar

import tomli_w

from beatwatch.config import line_of
from beatwatch.core.errors import FieldsError, SetupError, ValidationError
from beatwatch.core.maintenance import check_window_fields, parse_weekly, weekly_pattern
from beatwatch.core.model import AlertType, Channel, Check, MaintenanceWindow
from beatwatch.core.terminal_text import escaped_exactly
from beatwatch.core.timefmt import format_duration_exact, parse_duration, utc_iso
from beatwatch.core.validation import (
    CheckSpec,
    differing_fields,
    refuse_control,
    refuse_control_in,
    spec_of,
    validate,
)
from beatwatch.engine.check_edits import channel_refs, unknown_channel_ref
from beatwatch.engine.clock import WALL_CLOCK, Clock
from beatwatch.service.service import Service
from beatwatch.service.setup_oncall import (
    PERSON_KEYS,
    POLICY_KEYS,
    ROTATION_KEYS,
    OnCallSetup,
    oncall_sections,
    parse_person,
    parse_policy,
    parse_rotation,
    plan_oncall,
)

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
T = TypeVar("T")
HEADER = "# beatwatch setup: `beatwatch import FILE` applies it (try --dry-run first).\n"


# -- export --------------------------------------------------------------------------------


async def export_setup(service: Service, with_secrets: bool = False) -> str:
    now = service.clock.now()
    channels = [_channel_entry(c, with_secrets) for c in await service.alerts.channels()]
    hosts = []
    for host in await service.alerts.hosts():
        windows = [_window_entry(w) for w in host.windows if _still_relevant(w, now)]
        hosts.append({"name": host.name, **({"window": windows} if windows else {})})
    checks = [
        _check_entry(spec_of(c), c.uuid if with_secrets else None)
        for c in sorted(await service.list_checks(), key=lambda c: c.slug)
    ]
    document = {
        "channel": channels,
        **await oncall_sections(service),
        "host": hosts,
        "check": checks,
    }
    return HEADER + escaped_exactly(tomli_w.dumps({k: v for k, v in document.items() if v}))


def _channel_entry(channel: Channel, with_secrets: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": channel.name}
    if with_secrets:
        entry["url"] = channel.url
    entry["default"] = channel.is_default
    if channel.tags:
        entry["tags"] = list(channel.tags)
    return entry


def _still_relevant(window: MaintenanceWindow, now: float) -> bool:
    return window.is_weekly or (window.ends_at or 0) > now


def _window_entry(window: MaintenanceWindow) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    if window.is_weekly:
        entry.update(weekly=weekly_pattern(window), tz=window.tz)
    else:
        entry.update(starts_at=utc_iso(window.starts_at), ends_at=utc_iso(window.ends_at))
    if window.reason:
        entry["reason"] = window.reason
    return entry


_DURATION_FIELDS = {
    "grace_seconds": "grace",
    "max_duration_seconds": "max_duration",
    "escalate_after_seconds": "escalate_after",
    "remind_every_seconds": "remind_every",
}


def _check_entry(spec: CheckSpec, uuid: str | None) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": spec.name, "slug": spec.slug}
    if uuid:
        entry["uuid"] = uuid
    if spec.every_seconds is not None:
        entry["every"] = format_duration_exact(spec.every_seconds)
    else:
        entry.update(cron=spec.cron, tz=spec.tz)
    for attribute, key in _DURATION_FIELDS.items():
        value = getattr(spec, attribute)
        if value is not None:
            entry[key] = format_duration_exact(value)
    if spec.host:
        entry["host"] = spec.host
    for key in ("tags", "channels"):
        if getattr(spec, key):
            entry[key] = list(getattr(spec, key))
    if spec.escalation_channels:
        entry["escalate_to"] = list(spec.escalation_channels)
    if spec.escalation_policy:
        entry["policy"] = spec.escalation_policy
    if spec.description:
        entry["description"] = spec.description
    entry["alerts"] = sorted(a.value for a in spec.alerts or ())
    entry["failure_threshold"] = spec.failure_threshold
    return entry


# -- reading a file ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DesiredCheck:
    spec: CheckSpec
    uuid: str | None


@dataclass(frozen=True, slots=True)
class DesiredChannel:
    name: str
    url: str | None
    is_default: bool
    tags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DesiredWindow:
    host: str
    weekly: str | None
    tz: str | None
    starts_at: float | None
    ends_at: float | None
    reason: str


@dataclass(frozen=True, slots=True)
class Setup:
    channels: list[DesiredChannel]
    hosts: list[str]
    windows: list[DesiredWindow]
    checks: list[DesiredCheck]
    oncall: OnCallSetup = field(default_factory=lambda: OnCallSetup([], [], []))


_CHECK_KEYS = {
    "name",
    "slug",
    "uuid",
    "every",
    "cron",
    "tz",
    "grace",
    "max_duration",
    "host",
    "tags",
    "channels",
    "escalate_to",
    "escalate_after",
    "remind_every",
    "description",
    "alerts",
    "failure_threshold",
    "policy",
}
_CHANNEL_KEYS = {"name", "url", "default", "tags"}
_HOST_KEYS = {"name", "window"}
_WINDOW_KEYS = {"weekly", "tz", "starts_at", "ends_at", "reason"}
_NEEDS_TIMES = (
    'host {host!r}: a window needs weekly = "sun 02:00-04:00" or both starts_at and ends_at'
)


def parse_setup(text: str, clock: Clock = WALL_CLOCK) -> Setup:
    """The setup file `text` as what it asks for; times in it are bounded around clock.now()."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SetupError(str(exc)) from None
    unknown = set(data) - {"channel", "person", "rotation", "policy", "host", "check"}
    if unknown:
        key = sorted(unknown)[0]
        raise SetupError(
            f"{_where(text, key)}unknown section {key!r} "
            "(expected channel, person, rotation, policy, host, check)"
        )
    channels = [_parse_channel(text, e) for e in _entries(data, "channel")]
    hosts, windows = [], []
    for entry in _entries(data, "host"):
        _only(text, entry, _HOST_KEYS, _named("host", entry))
        name = _text(text, entry, "name", "host")
        with _entry_named(f"host {name!r}"):
            refuse_control("name", name)
        hosts.append(name)
        windows += [_parse_window(text, name, w, clock.now()) for w in entry.get("window", [])]
    checks = [_parse_check(text, e) for e in _entries(data, "check")]
    _ensure_distinct(checks)
    oncall = OnCallSetup(
        [_entry_of(text, "person", e, PERSON_KEYS, parse_person) for e in _entries(data, "person")],
        [
            _entry_of(text, "rotation", e, ROTATION_KEYS, partial(parse_rotation, now=clock.now()))
            for e in _entries(data, "rotation")
        ],
        [_entry_of(text, "policy", e, POLICY_KEYS, parse_policy) for e in _entries(data, "policy")],
    )
    return Setup(channels, hosts, windows, checks, oncall)


def _entry_of(
    text: str,
    what: str,
    entry: dict[str, Any],
    keys: set[str],
    parse: Callable[[dict[str, Any]], T],
) -> T:
    _only(text, entry, keys, _named(what, entry))
    return parse(entry)


def _ensure_distinct(checks: list[DesiredCheck]) -> None:
    """Two entries for one check would apply one after the other, the second failing."""
    for label, key in (
        ("name", lambda c: c.spec.name),
        ("slug", lambda c: c.spec.slug),
        ("uuid", lambda c: c.uuid),
    ):
        seen: set[object] = set()
        for check in checks:
            value = key(check)
            if value is not None and value in seen:
                raise SetupError(
                    f"check {check.spec.name!r}: another [[check]] in the file has the "
                    f"{label} {value!r}; each check may appear once"
                )
            seen.add(value)


def _entries(data: dict[str, Any], section: str) -> list[dict[str, Any]]:
    value = data.get(section, [])
    if not isinstance(value, list) or not all(isinstance(e, dict) for e in value):
        raise SetupError(f"{section} entries must be written as [[{section}]] tables")
    return value


def _where(text: str, key: str) -> str:
    line = line_of(text, key)
    return f"line {line}: " if line else ""


@contextmanager
def _entry_named(owner: str) -> Iterator[None]:
    """The engine's refusal of a value, told as the entry it is in."""
    try:
        yield
    except ValidationError as exc:
        raise SetupError(f"{owner}: {exc.message}") from None


def _named(what: str, entry: dict[str, Any]) -> str:
    """How errors call an entry: "check 'backup'", or "a check without a name"."""
    name = entry.get("name")
    return f"{what} {name!r}" if isinstance(name, str) else f"a {what} without a name"


def _only(text: str, entry: dict[str, Any], allowed: set[str], owner: str) -> None:
    for key in entry:
        if key not in allowed:
            raise SetupError(
                f"{_where(text, key)}{owner}: unknown key {key!r} "
                f"(known: {', '.join(sorted(allowed))})"
            )


def _text(text: str, entry: dict[str, Any], key: str, what: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise SetupError(f"{what} entry without a {key} (every {what} needs one)")
    return value


def _strings(entry: dict[str, Any], key: str, what: str) -> tuple[str, ...]:
    value = entry.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SetupError(f"{_named(what, entry)}: {key} must be a list of strings")
    return tuple(value)


def _parse_channel(text: str, entry: dict[str, Any]) -> DesiredChannel:
    _only(text, entry, _CHANNEL_KEYS, _named("channel", entry))
    name = _text(text, entry, "name", "channel")
    url = entry.get("url")
    if url is not None and not isinstance(url, str):
        raise SetupError(f"channel {name!r}: url must be a string")
    tags = _strings(entry, "tags", "channel")
    with _entry_named(f"channel {name!r}"):
        refuse_control("name", name)
        refuse_control_in("tags", tags)
    return DesiredChannel(name, url, bool(entry.get("default", False)), tags)


def _parse_window(text: str, host: str, entry: dict[str, Any], now: float) -> DesiredWindow:
    _only(text, entry, _WINDOW_KEYS, f"a window of host {host!r}")
    reason = str(entry.get("reason", ""))
    with _entry_named(f"a window of host {host!r}"):
        refuse_control("reason", reason)
    # A file has no "from now", so a one-off window needs both of its times.
    if "weekly" not in entry and not {"starts_at", "ends_at"} <= entry.keys():
        raise SetupError(_NEEDS_TIMES.format(host=host))
    times = {key: _timestamp(host, entry, key) for key in ("starts_at", "ends_at") if key in entry}
    try:
        check_window_fields({**entry, **times}, now)
    except FieldsError as exc:
        raise SetupError(f"host {host!r}: {exc.message}") from None
    if "weekly" in entry:
        try:
            parse_weekly(str(entry["weekly"]))
        except ValueError as exc:
            raise SetupError(f"host {host!r}: {exc}") from None
        return DesiredWindow(
            host, str(entry["weekly"]), str(entry.get("tz", "UTC")), None, None, reason
        )
    return DesiredWindow(host, None, None, times["starts_at"], times["ends_at"], reason)


def _timestamp(host: str, entry: dict[str, Any], key: str) -> float:
    value = entry[key]
    try:
        if isinstance(value, datetime):
            return value.timestamp()
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()
    except (ValueError, OverflowError):
        raise SetupError(
            f"host {host!r}: {key} {str(value)[:40]!r} is not a time "
            "(write it as 2026-11-24T06:00:00Z)"
        ) from None


def _parse_check(text: str, entry: dict[str, Any]) -> DesiredCheck:
    _only(text, entry, _CHECK_KEYS, _named("check", entry))
    name = _text(text, entry, "name", "check")

    def duration(key: str) -> int | None:
        if key not in entry:
            return None
        try:
            return parse_duration(str(entry[key]))
        except ValueError as exc:
            raise SetupError(f"check {name!r}: {key}: {exc}") from None

    alerts = None
    if "alerts" in entry:
        try:
            alerts = frozenset(AlertType(a) for a in _strings(entry, "alerts", "check"))
        except ValueError:
            raise SetupError(
                f"check {name!r}: alerts may list missed, failing, stuck and long"
            ) from None
    uuid = entry.get("uuid")
    if uuid is not None and not (isinstance(uuid, str) and _UUID.match(uuid)):
        raise SetupError(f"check {name!r}: uuid must be a lowercase UUID")
    spec = CheckSpec(
        name=name,
        slug=entry.get("slug"),
        every_seconds=duration("every"),
        cron=entry.get("cron"),
        tz=entry.get("tz"),
        grace_seconds=duration("grace"),
        max_duration_seconds=duration("max_duration"),
        host=entry.get("host"),
        tags=_strings(entry, "tags", "check"),
        channels=_strings(entry, "channels", "check"),
        escalation_channels=_strings(entry, "escalate_to", "check"),
        escalate_after_seconds=duration("escalate_after"),
        remind_every_seconds=duration("remind_every"),
        description=str(entry.get("description", "")),
        alerts=alerts,
        failure_threshold=int(entry.get("failure_threshold", 1)),
        escalation_policy=entry.get("policy"),
    )
    with _entry_named(f"check {name!r}"):
        return DesiredCheck(validate(spec), uuid)


# -- planning and applying -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Change:
    """One difference between the file and the instance, and how to make it so."""

    symbol: str  # + create, ~ update, - delete
    what: str
    detail: str
    apply: Callable[[], Awaitable[object]]

    def __str__(self) -> str:
        return f"{self.symbol} {self.what} {self.detail}".rstrip()


async def plan_import(service: Service, setup: Setup, prune: bool = False) -> list[Change]:
    """The changes that make the instance match the file: channels first (checks name them),
    then windows, then checks; deletions (with prune) last."""
    changes = await _plan_channels(service, setup, prune)
    channels_known = channel_refs([*await service.alerts.channels(), *setup.channels])
    oncall, removals = await plan_oncall(service, setup.oncall, channels_known, prune)
    changes += [Change(*parts) for parts in oncall]
    changes += await _plan_windows(service, setup, prune)
    changes += await _plan_checks(service, setup, prune)
    # Policies go once no check names them, rotations once no policy does, people last.
    changes += [Change(*parts) for parts in removals]
    order = {"+": 0, "~": 0, "-": 1}
    return sorted(changes, key=lambda c: order[c.symbol])


async def _plan_channels(service: Service, setup: Setup, prune: bool) -> list[Change]:
    alerts = service.alerts
    current = {c.name: c for c in await alerts.channels()}
    changes = []
    for wanted in setup.channels:
        have = current.get(wanted.name)
        if have is None:
            if wanted.url is None:
                raise SetupError(
                    f"channel {wanted.name!r} has no url in the file and does not exist here "
                    "(export with --with-secrets, or add the url)"
                )
            changes.append(
                Change(
                    "+",
                    "channel",
                    wanted.name,
                    partial(
                        alerts.add_channel, wanted.name, wanted.url, wanted.is_default, wanted.tags
                    ),
                )
            )
            continue
        diffs = []
        if wanted.url is not None and wanted.url != have.url:
            diffs.append("url")
        if wanted.is_default != have.is_default:
            diffs.append(f"default {have.is_default} -> {wanted.is_default}")
        if wanted.tags != have.tags:
            diffs.append(f"tags {list(have.tags)} -> {list(wanted.tags)}")
        if diffs:
            changes.append(
                Change(
                    "~",
                    "channel",
                    f"{wanted.name}: {', '.join(diffs)}",
                    partial(
                        alerts.update_channel,
                        wanted.name,
                        url=wanted.url,
                        is_default=wanted.is_default,
                        tags=wanted.tags,
                    ),
                )
            )
    if prune:
        names = {c.name for c in setup.channels}
        changes += [
            Change("-", "channel", name, partial(alerts.remove_channel, name))
            for name in current
            if name not in names
        ]
    return changes


def _window_key(w: DesiredWindow) -> tuple[Any, ...]:
    """Identity of a window; times to the whole second, cut as the export cuts them."""
    starts = math.floor(w.starts_at) if w.starts_at is not None else None
    ends = math.floor(w.ends_at) if w.ends_at is not None else None
    return (w.host, w.weekly, w.tz, starts, ends, w.reason)


async def _plan_windows(service: Service, setup: Setup, prune: bool) -> list[Change]:
    alerts = service.alerts
    now = service.clock.now()
    existing: dict[tuple[Any, ...], int] = {}
    for host in await alerts.hosts():
        for w in host.windows:
            if _still_relevant(w, now):
                entry = _window_entry(w)
                desired = DesiredWindow(
                    w.host, entry.get("weekly"), entry.get("tz"), w.starts_at, w.ends_at, w.reason
                )
                existing[_window_key(desired)] = w.id
    changes = []
    for wanted in setup.windows:
        if _window_key(wanted) in existing:
            continue
        label = (
            f"{wanted.host}: {wanted.weekly + ' ' + (wanted.tz or '') if wanted.weekly else 'once'}"
        )
        changes.append(
            Change(
                "+",
                "maintenance window",
                label,
                partial(
                    alerts.start_maintenance,
                    wanted.host,
                    starts_at=wanted.starts_at,
                    ends_at=wanted.ends_at,
                    weekly=wanted.weekly,
                    tz=wanted.tz,
                    reason=wanted.reason,
                    # The file states its windows on purpose, and the checks that name the
                    # host may be among its changes still to come.
                    force=True,
                ),
            )
        )
    if prune:
        wanted_keys = {_window_key(w) for w in setup.windows}
        changes += [
            Change(
                "-",
                "maintenance window",
                f"#{window_id} on {key[0]}",
                partial(alerts.remove_window, window_id),
            )
            for key, window_id in existing.items()
            if key not in wanted_keys
        ]
    return changes


async def _plan_checks(service: Service, setup: Setup, prune: bool) -> list[Change]:
    current = await service.list_checks()
    known = channel_refs([*await service.alerts.channels(), *setup.channels])
    policies = {p.name for p in await service.oncall.policies()}
    policies |= {p.name for p in setup.oncall.policies}
    # A check is recognised by its uuid first (so an exported file can rename it), then by
    # its slug.
    matches = _match_checks(setup.checks, current)
    changes = []
    for wanted, have in zip(setup.checks, matches, strict=True):
        spec = wanted.spec
        assert spec.slug is not None
        if (unknown := unknown_channel_ref(spec, known, kept=have)) is not None:
            raise SetupError(
                f"check {spec.name!r}: no channel is named or tagged {unknown[1]!r}, neither "
                "in beatwatch nor in the file"
            )
        if spec.escalation_policy is not None and spec.escalation_policy not in policies:
            raise SetupError(
                f"check {spec.name!r}: no escalation policy is named "
                f"{spec.escalation_policy!r}, neither in beatwatch nor in the file"
            )
        if have is None:
            changes.append(
                Change("+", "check", spec.slug, partial(service.add_check, spec, wanted.uuid))
            )
            continue
        before = spec_of(have)
        differing = differing_fields(before, spec)
        if differing:
            detail = ", ".join(
                f"{key} {getattr(before, key)!r} -> {value!r}" for key, value in differing.items()
            )
            changes.append(
                Change(
                    "~",
                    "check",
                    f"{have.slug}: {detail}",
                    partial(service.update_check, str(have.id), **differing),
                )
            )
    if prune:
        kept_ids = {check.id for check in matches if check is not None}
        changes += [
            Change("-", "check", check.slug, partial(service.delete_check, str(check.id)))
            for check in current
            if check.id not in kept_ids
        ]
    return changes


def _match_checks(wanted: list[DesiredCheck], current: list[Check]) -> list[Check | None]:
    """The stored check each entry stands for, in the entries' order; None: a new one."""
    by_uuid = {c.uuid: c for c in current}
    by_slug = {c.slug: c for c in current}
    matches = [by_uuid.get(w.uuid) if w.uuid else None for w in wanted]
    taken = {c.id for c in matches if c is not None}
    for index, entry in enumerate(wanted):
        have = by_slug.get(entry.spec.slug or "")
        if matches[index] is None and have is not None and have.id not in taken:
            matches[index] = have
            taken.add(have.id)
    return matches


async def apply_changes(changes: list[Change]) -> None:
    for change in changes:
        await change.apply()
