"""Bringing checks and channels over from healthchecks, each check with its uuid and slug,
so that every crontab's ping URL keeps working once it reaches beatwatch.

The plan is made first and changes nothing; applying it makes the changes. Importing again
changes nothing. A check that exists here under another uuid (same name or slug) is
reported and left alone. What beatwatch's rules refuse (a grace as long as the period, a
period beyond a week) comes over at the nearest setting allowed, each change listed.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

from beatwatch.core.errors import ChannelError, SetupError, ValidationError
from beatwatch.core.healthchecks_channels import Converted, convert
from beatwatch.core.healthchecks_fields import (
    HcFieldError,
    dropped_settings,
    hc_spec,
    nearest_allowed,
    parse_hc_check,
)
from beatwatch.core.url_masking import mask_url
from beatwatch.core.validation import CheckSpec, differing_fields, spec_of, validate
from beatwatch.engine.apprise_sender import validate_url
from beatwatch.service.service import Service

CHANNEL_NAME_MAX = 100


@dataclass(frozen=True, slots=True)
class HcExport:
    """healthchecks' checks (as its API lists them) and integrations (from the API, or
    with their values from `manage.py dumpdata api.channel`)."""

    checks: list[dict[str, Any]]
    channels: list[dict[str, Any]]


def read_export(documents: Iterable[Any]) -> HcExport:
    """Merge what healthchecks gave: {"checks": [...]}, {"channels": [...]}, one check, or a
    dumpdata list of api.channel objects. A channel listed twice (by the API and by dumpdata)
    is one channel, with the value dumpdata holds."""
    checks: list[dict[str, Any]] = []
    channels: dict[str, dict[str, Any]] = {}
    for document in documents:
        if isinstance(document, list):
            for entry in document:
                if isinstance(entry, dict) and entry.get("model") == "api.channel":
                    found = entry.get("fields", {})
                    code = str(found.get("code", entry.get("pk")))
                    channels.setdefault(code, {}).update(
                        id=code,
                        name=found.get("name", ""),
                        kind=found.get("kind", ""),
                        value=found.get("value"),
                    )
            continue
        if not isinstance(document, dict):
            raise SetupError('a healthchecks export is a JSON object such as {"checks": [...]}')
        if "checks" in document or "channels" in document:
            checks += _entries(document, "checks")
            for channel in _entries(document, "channels"):
                channels.setdefault(str(channel.get("id")), {}).update(channel)
        elif "name" in document and "grace" in document:
            checks.append(document)
        else:
            raise SetupError("this JSON is not from healthchecks' API (no checks or channels)")
    for check in checks:
        if not isinstance(check.get("uuid"), str):
            raise SetupError(
                f"check {check.get('name')!r} has no uuid: the export was made with a "
                "read-only key, which hides them; use the project's read-write key"
            )
    return HcExport(checks, list(channels.values()))


def _entries(document: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = document.get(key, [])
    if not isinstance(value, list) or not all(isinstance(e, dict) for e in value):
        raise SetupError(f'"{key}" in a healthchecks export must be a list of objects')
    return value


def read_export_text(texts: Iterable[tuple[str, str]]) -> HcExport:
    """`read_export` of files given as (name, text)."""
    documents = []
    for name, text in texts:
        try:
            documents.append(json.loads(text))
        except ValueError as exc:
            raise SetupError(f"{name} is not JSON: {exc}") from None
    return read_export(documents)


@dataclass(frozen=True, slots=True)
class Step:
    """One line of the plan: + create, ~ change, ! not imported (and why)."""

    symbol: str
    what: str
    detail: str
    notes: list[str] = field(default_factory=list)
    apply: Callable[[], Awaitable[object]] | None = None

    def __str__(self) -> str:
        lines = [f"{self.symbol} {self.what} {self.detail}".rstrip()]
        lines += [f"    {note}" for note in self.notes]
        return "\n".join(lines)


async def plan_hc_import(
    service: Service,
    export: HcExport,
    ping_key: str | None = None,
    mail_via: str | None = None,
) -> list[Step]:
    """What importing `export` would do: channels, then checks, then the ping key (so the
    slug URLs healthchecks gave out keep working). `mail_via` names an existing channel
    e-mail integrations send through."""
    mail_url = await _mail_url(service, mail_via)
    channel_steps, channel_names = await _plan_channels(service, export.channels, mail_url)
    steps = channel_steps + await _plan_checks(service, export.checks, channel_names)
    if ping_key is not None and ping_key != service.ping_key:
        steps.append(
            Step(
                "~",
                "ping key",
                "for slug URLs: healthchecks' project ping key",
                ["slug URLs made with beatwatch's previous ping key stop working"],
                partial(service.adopt_ping_key, ping_key),
            )
        )
    return steps


async def _mail_url(service: Service, mail_via: str | None) -> str | None:
    if mail_via is None:
        return None
    channel = await service.alerts.channel(mail_via)
    if not channel.url.lower().startswith(("mailto://", "mailtos://")):
        raise ValidationError("mail_via", f"channel {mail_via!r} is not a mailto:// channel")
    return channel.url


async def _plan_channels(
    service: Service, channels: list[dict[str, Any]], mail_url: str | None
) -> tuple[list[Step], dict[str, str]]:
    """The steps for healthchecks' integrations, and the beatwatch channel name each one
    that comes over has, by its healthchecks id."""
    have = {c.name: c for c in await service.alerts.channels()}
    steps, names = [], {}
    for channel in channels:
        kind, code = str(channel.get("kind", "")), str(channel.get("id", ""))
        name = (str(channel.get("name") or "") or f"{kind}-{code[:8]}")[:CHANNEL_NAME_MAX]
        label = f"{name!r} ({kind!r})"
        converted = convert(kind, channel.get("value"), mail_url)
        if not isinstance(converted, Converted):
            steps.append(Step("!", "channel", f"{label} not imported: {converted.reason}"))
            continue
        try:
            validate_url(converted.url)
        except ChannelError as exc:
            steps.append(Step("!", "channel", f"{label} not imported: {exc}"))
            continue
        existing = have.get(name)
        if existing is not None and existing.url != converted.url:
            steps.append(
                Step(
                    "!",
                    "channel",
                    f"{label} not imported: a channel named {name!r} exists here with "
                    "another URL, and is left as it is",
                )
            )
            continue
        names[code] = name
        if existing is None:
            notes = [converted.note] if converted.note else []
            add = partial(service.alerts.add_channel, name, converted.url)
            steps.append(Step("+", "channel", f"{label} -> {mask_url(converted.url)}", notes, add))
    return steps, names


async def _plan_checks(
    service: Service, checks: list[dict[str, Any]], channel_names: dict[str, str]
) -> list[Step]:
    current = await service.list_checks()
    by_uuid = {c.uuid: c for c in current}
    # Who holds each name and slug: checks here, and those this import creates before.
    holders = {
        key: f"{c.name!r} (id {c.id})" for c in current for key in (c.name, f"slug:{c.slug}")
    }
    steps = []
    for data in checks:
        uuid = str(data["uuid"]).lower()
        label = f"{data.get('name')!r} ({uuid})"
        try:
            spec, notes = _spec(data, channel_names)
        except (HcFieldError, ValidationError) as exc:
            steps.append(Step("!", "check", f"{label} not imported: {exc}"))
            continue
        have = by_uuid.get(uuid)
        if have is not None:
            changes = differing_fields(spec_of(have), spec)
            if changes:
                detail = ", ".join(f"{key} -> {value!r}" for key, value in changes.items())
                update = partial(service.update_check, str(have.id), **changes)
                steps.append(Step("~", "check", f"{have.slug}: {detail}", notes, update))
            continue
        keys = (spec.name, f"slug:{spec.slug}")
        holder = next((holders[k] for k in keys if k in holders), None)
        if holder is not None:
            steps.append(
                Step(
                    "!",
                    "check",
                    f"{label} not imported: {holder} has the same name or slug and is not "
                    "overwritten; rename one and import again",
                )
            )
            continue
        paused = data.get("status") == "paused"
        if paused:
            notes.append("paused, as it is in healthchecks")
        create = partial(_create, service, spec, uuid, paused)
        steps.append(Step("+", "check", f"{spec.slug} ({uuid})", notes, create))
        holders.update(dict.fromkeys(keys, f"{spec.name!r}, imported just before,"))
    return steps


def _spec(data: dict[str, Any], channel_names: dict[str, str]) -> tuple[CheckSpec, list[str]]:
    """The spec a recorded check comes over with, and what differs from healthchecks."""
    schedule = data.get("schedule")
    if isinstance(schedule, str) and len(schedule.split()) != 5:
        raise HcFieldError(
            "schedule", f"its OnCalendar schedule {schedule!r} has no equivalent in beatwatch"
        )
    wanted = {k: v for k, v in data.items() if k not in ("channels", "slug") or v}
    wanted.pop("channels", None)
    spec, notes = nearest_allowed(hc_spec(parse_hc_check(wanted), None, [], version=3))
    notes += dropped_settings(data)
    refs = [ref for ref in str(data.get("channels") or "").split(",") if ref]
    names = tuple(channel_names[ref] for ref in refs if ref in channel_names)
    if len(names) < len(refs):
        notes.append(
            f"{len(refs) - len(names)} of its integrations did not come over (see the channels "
            "above); " + ("it alerts the others" if names else "it alerts the default channels")
        )
    return validate(replace(spec, channels=names)), notes


async def _create(service: Service, spec: CheckSpec, uuid: str, paused: bool) -> None:
    check = await service.add_check(spec, uuid)
    if paused:
        await service.pause_check(str(check.id))


async def apply_steps(steps: list[Step]) -> int:
    """Make the plan's changes, in order; how many were made."""
    made = 0
    for step in steps:
        if step.apply is not None:
            await step.apply()
            made += 1
    return made
