"""The alerting side of the service: channels, maintenance windows and incidents.

Reached as `service.alerts`; the CLI, the API and the TUI all go through here.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import partial

from beatwatch.core.alert_text import test_message
from beatwatch.core.errors import (
    ChannelError,
    ChannelNotFound,
    Conflict,
    HostNotFound,
    HostUnwatched,
    IncidentNotFound,
    ScheduleError,
    ValidationError,
    WindowNotFound,
)
from beatwatch.core.escalation import OnCallFacts, step_reaches
from beatwatch.core.maintenance import check_window_fields, is_open, occurrence, parse_weekly
from beatwatch.core.model import (
    Channel,
    Check,
    Incident,
    IncidentStep,
    MaintenanceWindow,
    Notification,
    is_row_id,
)
from beatwatch.core.reach import AlertFacts, Reach, chosen_channels
from beatwatch.core.schedule import zone
from beatwatch.core.url_masking import mask_url
from beatwatch.core.validation import refuse_control, refuse_control_in, refuse_too_long
from beatwatch.engine.apprise_sender import send, validate_url
from beatwatch.engine.check_edits import edit_channel
from beatwatch.engine.clock import Clock
from beatwatch.engine.events import CheckChanged, EventBus, IncidentChanged, SetupChanged
from beatwatch.engine.incidents import acknowledge
from beatwatch.store import alert_rows, database
from beatwatch.store.connection import Connection, IntegrityError
from beatwatch.store.database import Store

log = logging.getLogger("beatwatch.alerts")


@dataclass(frozen=True, slots=True)
class HostStatus:
    name: str
    windows: list[MaintenanceWindow]
    in_maintenance: bool
    checks: int


def channel_name(name: str) -> str:
    """`name` as a channel is stored under, or the refusal of it."""
    refuse_control("name", name)
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationError("name", "a channel name is 1 to 100 characters")
    return name


def channel_url(url: str) -> str:
    """`url` if Apprise can send to it, else the refusal of it."""
    try:
        validate_url(url)
    except ChannelError as exc:
        raise ValidationError("url", str(exc)) from None
    return url


def _name_taken(name: str) -> Conflict:
    return Conflict("name", f"a channel named {name!r} already exists")


def window_asked(
    host: str,
    *,
    duration: int | None = None,
    starts_at: float | None = None,
    ends_at: float | None = None,
    weekly: str | None = None,
    tz: str | None = None,
    reason: str = "",
    now: float,
) -> MaintenanceWindow:
    """The window `start_maintenance` would open at `now` (id 0, not stored), or the
    ValidationError it would refuse it with: what a form checks as the user types."""
    refuse_control("host", host)
    refuse_control("reason", reason)
    host = host.strip()
    if not host:
        raise ValidationError("host", "give the host the window is for")
    check_window_fields(
        {
            "duration": duration,
            "starts_at": starts_at,
            "ends_at": ends_at,
            "weekly": weekly,
            "tz": tz,
        },
        now,
    )
    if weekly is not None:
        return _weekly_window(host, weekly, tz, reason, now)
    if duration is not None:
        refuse_too_long("duration", duration, "a maintenance window")
        return _one_off_window(host, now, now + duration, "duration", reason, now)
    assert ends_at is not None  # the one of the three left
    start = now if starts_at is None else starts_at
    return _one_off_window(host, start, ends_at, "ends_at", reason, now)


def _one_off_window(
    host: str, start: float, end: float, end_field: str, reason: str, now: float
) -> MaintenanceWindow:
    """`end_field` is the field the end came from, for the error about it."""
    if end <= start:
        raise ValidationError(end_field, "a maintenance window must end after it starts")
    if end <= now:
        raise ValidationError(end_field, "that window would already be over")
    return MaintenanceWindow(0, host, reason, now, starts_at=start, ends_at=end)


def _weekly_window(
    host: str, weekly: str, tz: str | None, reason: str, now: float
) -> MaintenanceWindow:
    try:
        weekdays, start_minute, duration = parse_weekly(weekly)
    except ValueError as exc:
        raise ValidationError("weekly", str(exc)) from None
    zone_name = tz or "UTC"
    try:
        zone(zone_name)
    except ScheduleError as exc:
        raise ValidationError("tz", str(exc)) from None
    return MaintenanceWindow(
        0,
        host,
        reason,
        now,
        weekdays=weekdays,
        start_minute=start_minute,
        duration_seconds=duration,
        tz=zone_name,
    )


class Alerts:
    def __init__(self, db: Store, events: EventBus, clock: Clock) -> None:
        self._db = db
        self._events = events
        self._clock = clock

    # -- channels ------------------------------------------------------------------------

    async def channels(self) -> list[Channel]:
        return await self._db.channels()

    async def channels_alerted_by(self, check: Check) -> list[Channel]:
        """The channels the check's first alert goes to."""
        return chosen_channels(await self._db.channels(), check.channels)

    async def channel(self, name: str) -> Channel:
        for channel in await self._db.channels():
            if channel.name == name:
                return channel
        raise ChannelNotFound(name)

    async def add_channel(
        self, name: str, url: str, is_default: bool = False, tags: tuple[str, ...] = ()
    ) -> Channel:
        refuse_control_in("tags", tags)
        name, url = channel_name(name), channel_url(url)
        try:
            await self._db.write(
                partial(
                    alert_rows.insert_channel,
                    name=name,
                    url=url,
                    is_default=is_default,
                    tags=tags,
                    now=self._clock.now(),
                )
            )
        except IntegrityError:
            raise _name_taken(name) from None
        log.info("channel %s added (%s)", name, mask_url(url))
        self._events.publish(SetupChanged())
        return await self.channel(name)

    async def update_channel(
        self,
        name: str,
        *,
        new_name: str | None = None,
        url: str | None = None,
        is_default: bool | None = None,
        tags: tuple[str, ...] | None = None,
    ) -> Channel:
        """Change some settings of a channel in place; the rest keep their values, and its
        queued messages stay queued for it. A rename carries over to the checks naming it."""
        channel = await self.channel(name)
        refuse_control_in("tags", tags or ())
        changed = replace(
            channel,
            name=channel.name if new_name is None else channel_name(new_name),
            url=channel.url if url is None else channel_url(url),
            is_default=channel.is_default if is_default is None else is_default,
            tags=channel.tags if tags is None else tags,
        )
        try:
            checks = await self._db.write(partial(edit_channel, channel=channel, changed=changed))
        except IntegrityError:
            raise _name_taken(changed.name) from None
        if changed.name != channel.name:
            log.info("channel %s renamed to %s", channel.name, changed.name)
        if changed.url != channel.url:
            log.info("channel %s now sends to %s", changed.name, mask_url(changed.url))
        for check in checks:
            self._events.publish(CheckChanged(check))
        self._events.publish(SetupChanged())
        return await self.channel(changed.name)

    async def remove_channel(self, name: str) -> Channel:
        channel = await self.channel(name)
        await self._db.write(partial(alert_rows.delete_channel, channel_id=channel.id))
        log.info("channel %s removed", name)
        self._events.publish(SetupChanged())
        return channel

    async def checks_naming(self, name: str) -> list[Check]:
        """The checks that name the channel `name` (theirs or for escalation)."""
        return [
            check
            for check in await self._db.list_checks()
            if name in check.channels or name in check.escalation_channels
        ]

    async def facts(self) -> AlertFacts:
        """The channels, maintenance windows and acknowledged incidents that decide whether
        each check's alert would reach a person."""
        channels = await self._db.channels()
        windows = await self._db.windows()
        incidents = await self._db.incidents(open_only=True, limit=None)
        acknowledged = frozenset(i.check_id for i in incidents if i.acknowledged_at is not None)
        policies = await self._db.policies()
        first_reach = {}
        if policies:
            now = self._clock.now()
            oncall = OnCallFacts(
                channels,
                {p.name: p for p in await self._db.people()},
                {r.name: r for r in await self._db.rotations()},
                await self._db.overrides(now),
            )
            first_reach = {
                p.name: tuple(step_reaches(oncall, p.steps[0], now).channels) for p in policies
            }
        return AlertFacts(
            tuple(channels), tuple(windows), acknowledged, tuple(policies), first_reach
        )

    async def reach_of(self, checks: Sequence[Check]) -> dict[int, Reach]:
        """Whether each check's alert would reach a person now, by check id."""
        facts = await self.facts()
        held = facts.hosts_held(self._clock.now())
        return {check.id: facts.reach(check, held) for check in checks}

    async def checks_alerting_no_one(self) -> list[Check]:
        """The checks whose alerts would reach no channel: none of the channels they name
        exists, and no channel is a default."""
        channels = await self._db.channels()
        checks = await self._db.list_checks()
        return [check for check in checks if not chosen_channels(channels, check.channels)]

    async def test_channel(self, name: str) -> str | None:
        """Send a test message now; None if it went through, else Apprise's reason."""
        channel = await self.channel(name)
        title, body = test_message()
        error = await send(channel.url, title, body)
        now = self._clock.now()
        await self._db.write(
            partial(alert_rows.record_delivery, channel_id=channel.id, error=error, now=now)
        )
        self._events.publish(SetupChanged())
        return error

    # -- hosts and maintenance -----------------------------------------------------------

    async def hosts(self) -> list[HostStatus]:
        now = self._clock.now()
        windows = await self._db.windows()
        checks = await self._db.list_checks()
        statuses = []
        for name in await self._db.hosts():
            own = [w for w in windows if w.host == name]
            statuses.append(
                HostStatus(
                    name=name,
                    windows=own,
                    in_maintenance=any(is_open(w, now) for w in own),
                    checks=sum(1 for c in checks if c.host == name),
                )
            )
        return statuses

    async def watched_hosts(self) -> list[str]:
        """The hosts some check names, sorted."""
        return sorted({c.host for c in await self._db.list_checks() if c.host})

    async def start_maintenance(
        self,
        host: str,
        *,
        duration: int | None = None,
        starts_at: float | None = None,
        ends_at: float | None = None,
        weekly: str | None = None,
        tz: str | None = None,
        reason: str = "",
        force: bool = False,
    ) -> MaintenanceWindow:
        """A window from now for `duration` seconds, one from starts_at (None: now) to
        ends_at, or a weekly one. Errors name the fields by these parameters' names. A host no
        check names raises HostUnwatched unless `force`."""
        now = self._clock.now()
        window = window_asked(
            host,
            duration=duration,
            starts_at=starts_at,
            ends_at=ends_at,
            weekly=weekly,
            tz=tz,
            reason=reason,
            now=now,
        )
        if not force:
            watched = await self.watched_hosts()
            if window.host not in watched:
                raise HostUnwatched(window.host, watched)

        def job(conn: Connection) -> int:
            database.ensure_host(conn, window.host, now)
            return alert_rows.insert_window(conn, window)

        window_id = await self._db.write(job)
        log.info("maintenance window %d on %s added", window_id, window.host)
        self._events.publish(SetupChanged())
        return replace(window, id=window_id)

    async def end_maintenance(self, host: str) -> int:
        """End every window open on `host` now; returns how many were open."""
        now = self._clock.now()

        def job(conn: Connection) -> int:
            if not database.host_exists(conn, host):
                raise HostNotFound(host)
            ended = 0
            for window in alert_rows.windows_for_host(conn, host):
                current = occurrence(window, now)
                if current is None:
                    continue
                ended += 1
                alert_rows.end_window(conn, window, now, current[1])
            return ended

        ended = await self._db.write(job)
        if ended:
            log.info("maintenance on %s ended early", host)
            self._events.publish(SetupChanged())
        return ended

    async def remove_window(self, window_id: int) -> None:
        removed = is_row_id(window_id) and await self._db.write(
            partial(alert_rows.delete_window, window_id=window_id)
        )
        if not removed:
            raise WindowNotFound(window_id)
        self._events.publish(SetupChanged())

    # -- incidents -----------------------------------------------------------------------

    async def incidents(self, open_only: bool = False, limit: int = 200) -> list[Incident]:
        return await self._db.incidents(open_only, limit)

    async def incident(self, incident_id: int) -> Incident:
        incident = await self._db.incident(incident_id) if is_row_id(incident_id) else None
        if incident is None:
            raise IncidentNotFound(incident_id)
        return incident

    async def notifications(self, incident_id: int) -> list[Notification]:
        return (await self._db.notifications([incident_id]))[incident_id]

    async def notifications_by_incident(
        self, incidents: Sequence[Incident]
    ) -> dict[int, list[Notification]]:
        """Who was told about each of `incidents`, keyed by incident id."""
        return await self._db.notifications([i.id for i in incidents])

    async def steps_by_incident(
        self, incidents: Sequence[Incident]
    ) -> dict[int, list[IncidentStep]]:
        """The escalation steps and hand-offs each of `incidents` took: whom each reached."""
        return await self._db.incident_steps([i.id for i in incidents])

    async def acknowledge(self, incident_id: int) -> Incident:
        if not is_row_id(incident_id):
            raise IncidentNotFound(incident_id)
        incident = await self._db.write(
            partial(acknowledge, incident_id=incident_id, now=self._clock.now())
        )
        log.info("incident %d acknowledged", incident_id)
        self._events.publish(IncidentChanged(incident))
        return incident
