"""A demo fleet: about thirty realistic checks on a handful of hosts, with a history written as
if they had been running for days, arranged so that every state shows at once: up, new, late,
missed, failing, running, running long, stuck and paused. Two channels that lead nowhere
(one of them shown failing) and two maintenance windows complete the picture.

`build_demo(service, now)` writes it (backdated with explicit ping times, so a fixed `now`
gives the same picture every time: screenshots and snapshot tests use that), and
`simulate(service, fleet)` keeps the short-interval jobs pinging live, in-process.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import partial

from aiohttp import web

from beatwatch.core.alert_text import test_message
from beatwatch.core.model import Check, MaintenanceWindow, PingKind, PingRequest, Schedule
from beatwatch.core.schedule import next_due
from beatwatch.core.validation import CheckSpec, default_grace, validate
from beatwatch.engine import check_edits
from beatwatch.engine.apprise_sender import send
from beatwatch.service.service import Service
from beatwatch.store import alert_rows, database, event_rows
from beatwatch.store.connection import Connection

SEED = 8790
HISTORY_RUNS = 10
CRON_LOOKBACK = 35 * 86400
# 2026-03-10 09:30 UTC, a Tuesday: the moment screenshots and snapshot tests are taken at.
FIXED_NOW = 1773135000.0


class Story(StrEnum):
    """What the history of a demo check leads up to."""

    UP = "up"
    FLAKY = "flaky"  # up, with failures in its recent results
    NEW = "new"
    LATE = "late"
    MISSED = "missed"
    FAILING = "failing"
    RUNNING = "running"
    LONG = "long"
    STUCK = "stuck"
    PAUSED = "paused"


HOSTS = {
    "db1": "10.0.1.11",
    "db2": "10.0.1.12",
    "web1": "10.0.2.21",
    "web2": "10.0.2.22",
    "app1": "10.0.5.30",
    "mail1": "10.0.4.8",
    "backup1": "10.0.3.5",
    "ns1": "10.0.0.53",
    "mon1": "10.0.0.90",
    "k8s-prod": "10.42.3.17",
}
CURL = "curl/8.5.0"
OLD_CURL = "curl/7.88.1"


@dataclass(frozen=True, slots=True)
class DemoJob:
    name: str
    host: str
    story: Story = Story.UP
    every: int | None = None
    cron: str | None = None
    tz: str | None = None
    grace: int | None = None
    max_duration: int | None = None
    tags: tuple[str, ...] = ()
    runtime: float = 20.0
    agent: str = CURL
    body: str = ""
    fail_code: int = 1
    fail_body: str = ""

    @property
    def schedule(self) -> Schedule:
        return Schedule(self.every, self.cron, self.tz)


JOBS = (
    DemoJob(
        "Postgres base backup",
        "db1",
        cron="0 3 * * *",
        tz="Europe/Berlin",
        max_duration=3600,
        tags=("backup", "postgres"),
        runtime=14 * 60,
        body="pg_basebackup: base backup completed (41.2 GB in 13m58s)",
    ),
    DemoJob("Postgres WAL archive check", "db2", every=900, tags=("postgres",), runtime=4),
    DemoJob(
        "MySQL dump (CRM)",
        "db2",
        Story.FAILING,
        cron="30 2 * * *",
        tz="Europe/Berlin",
        tags=("backup", "mysql"),
        runtime=300,
        fail_code=2,
        fail_body="mysqldump: Got error: 1045: Access denied for user 'backup'@'localhost' "
        "(using password: YES) when trying to connect",
    ),
    DemoJob(
        "Restic backup to S3",
        "backup1",
        Story.LONG,
        every=6 * 3600,
        max_duration=2 * 3600,
        tags=("backup", "restic"),
        runtime=80 * 60,
        agent="restic-wrapper/1.4 curl/8.5.0",
    ),
    DemoJob(
        "Restic prune",
        "backup1",
        cron="0 5 * * SUN",
        tz="UTC",
        tags=("backup", "restic"),
        runtime=25 * 60,
    ),
    DemoJob(
        "Borg backup (mail)",
        "mail1",
        Story.MISSED,
        every=86400,
        tags=("backup", "borg"),
        runtime=40 * 60,
        agent=OLD_CURL,
    ),
    DemoJob("certbot renew (web1)", "web1", every=12 * 3600, tags=("tls",), runtime=9),
    DemoJob(
        "certbot renew (web2)",
        "web2",
        Story.LATE,
        every=12 * 3600,
        grace=3600,
        tags=("tls",),
        runtime=11,
    ),
    DemoJob("logrotate (web1)", "web1", cron="0 0 * * *", tz="UTC", tags=("logs",), runtime=3),
    DemoJob("logrotate (mail1)", "mail1", cron="0 0 * * *", tz="UTC", tags=("logs",), runtime=2),
    DemoJob(
        "Queue worker heartbeat",
        "app1",
        every=60,
        grace=30,
        tags=("queue",),
        runtime=0.2,
        agent="python-requests/2.31.0",
    ),
    DemoJob(
        "Email queue worker", "mail1", every=120, grace=60, tags=("queue", "mail"), runtime=0.5
    ),
    DemoJob(
        "Image thumbnailer",
        "app1",
        Story.FLAKY,
        every=300,
        tags=("queue",),
        runtime=35,
        agent="python-requests/2.31.0",
        fail_code=137,
        fail_body="Killed (out of memory while resizing IMG_2291.HEIC)",
    ),
    DemoJob(
        "Search index rebuild",
        "app1",
        Story.RUNNING,
        every=3600,
        max_duration=20 * 60,
        tags=("search",),
        runtime=6 * 60,
    ),
    DemoJob(
        "Nightly report mailer",
        "app1",
        cron="15 6 * * 1-5",
        tz="Europe/Berlin",
        tags=("reports",),
        runtime=48,
        body="sent 14 reports to 9 recipients",
    ),
    DemoJob("db-migrations check", "k8s-prod", every=1800, tags=("k8s",), runtime=12),
    DemoJob(
        "invoice-export",
        "k8s-prod",
        Story.STUCK,
        cron="0 * * * *",
        tz="UTC",
        tags=("k8s", "billing"),
        runtime=140,
    ),
    DemoJob("cache-warmer", "k8s-prod", every=600, tags=("k8s",), runtime=25),
    DemoJob("session-cleanup", "k8s-prod", Story.PAUSED, every=3600, tags=("k8s",), runtime=8),
    DemoJob("ZFS snapshot prune", "backup1", Story.NEW, every=3600, tags=("zfs",), runtime=6),
    DemoJob(
        "SMART disk check (db1)",
        "db1",
        every=86400,
        tags=("hardware",),
        runtime=70,
        body="all 4 disks PASSED",
    ),
    DemoJob("unattended-upgrades (web1)", "web1", every=86400, tags=("patching",), runtime=95),
    DemoJob("unattended-upgrades (web2)", "web2", every=86400, tags=("patching",), runtime=88),
    DemoJob("Sitemap generator", "web2", every=6 * 3600, tags=("seo",), runtime=31),
    DemoJob(
        "Prometheus TSDB snapshot",
        "mon1",
        every=86400,
        tags=("backup", "monitoring"),
        runtime=210,
    ),
    DemoJob(
        "Elasticsearch snapshot",
        "db2",
        cron="0 1 * * *",
        tz="UTC",
        tags=("backup", "search"),
        runtime=600,
    ),
    DemoJob("Redis RDB copy", "db1", every=3600, tags=("backup", "redis"), runtime=14),
    DemoJob("DNS zone sync", "ns1", every=900, tags=("dns",), runtime=2, agent="Wget/1.21.3"),
    DemoJob("Invoice PDF sweeper", "app1", Story.NEW, every=1800, tags=("billing",), runtime=9),
    DemoJob("Mail spool check", "mail1", every=300, tags=("mail",), runtime=1),
)
# Jobs this often or more are kept pinging by `simulate`, so the table is visibly live.
LIVE_EVERY = 600
PAUSED_FOR = 3 * 3600
TYPO_UUID = "5f0c7a52-3b8e-4d1f-9b2a-0e6d1c4a7f3e"
# Where the demo's alerts go, unless `beatwatch demo` gives the URL of its inbox (DemoInbox).
INBOX_URL = "json://127.0.0.1:9/inbox"
INBOX_CHANNEL = "demo-inbox"
ON_CALL = ("alice", "bob", "carol")
# Port 9 (discard) on this machine: nothing listens, so a delivery fails, as a channel with
# a wrong URL would; no check sends to it. The password shows that the UI masks it.
MAIL_URL = "mailto://alerts:demo-password@localhost:9?to=ops@example.com"


class DemoInbox:
    """Where the demo's alerts go: a webhook receiver in this process, so that they are
    delivered, and the Log shows them sent, instead of being retried all along against an
    address nobody listens on."""

    def __init__(self) -> None:
        self.url = INBOX_URL
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/inbox", self._receive)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        self._runner = runner
        self.url = f"json://127.0.0.1:{runner.addresses[0][1]}/inbox"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _receive(self, request: web.Request) -> web.Response:
        await request.read()
        return web.json_response({"ok": True})


@dataclass(slots=True)
class DemoFleet:
    # The demo's now, as the history was written.
    now: float
    # The mail channel: tried for real after the first paint (see try_mail_channel).
    mail_channel_id: int
    checks: dict[str, Check] = field(default_factory=dict)
    # When each live job next pings (epoch seconds), by check name.
    next_ping: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Ping:
    at: float
    kind: PingKind
    exit_code: int | None = None
    body: str = ""


def _grace(job: DemoJob) -> int:
    return job.grace if job.grace is not None else default_grace(job.schedule)


def slots_between(schedule: Schedule, start: float, end: float) -> list[float]:
    """The due times after `start`, up to `end`."""
    times: list[float] = []
    t = next_due(schedule, start)
    while t <= end:
        times.append(t)
        t = next_due(schedule, t)
    return times


def _run_starts(job: DemoJob, before: float, rng: random.Random) -> list[float]:
    """Start times of the past runs, the last one finishing by `before`."""
    if job.every is not None:
        last = before - job.runtime
        return [last - k * job.every for k in range(HISTORY_RUNS - 1, -1, -1)]
    slots = slots_between(job.schedule, before - CRON_LOOKBACK, before)
    return [s + rng.uniform(0, 20) for s in slots if s + job.runtime + 20 < before][-HISTORY_RUNS:]


def _history(job: DemoJob, now: float, rng: random.Random) -> list[_Ping]:
    every = job.every or 3600
    grace = _grace(job)
    open_start: float | None = None
    match job.story:
        case Story.NEW:
            return []
        case Story.LATE:
            end = now - every - grace / 2
        case Story.MISSED:
            end = now - every - grace - 2 * 3600
        case Story.RUNNING:
            open_start = now - 3 * 60
        case Story.LONG:
            open_start = now - (job.max_duration or 0) - 25 * 60
        case Story.STUCK:
            open_start = now - 2 * 3600 - 10 * 60
        case Story.PAUSED:
            end = now - PAUSED_FOR - rng.uniform(0.1, 0.5) * every
        case _:
            end = now - rng.uniform(0.1, 0.5) * every
    if open_start is not None:
        end = open_start - rng.uniform(0.1, 0.3) * every
    if job.cron is not None and job.story is not Story.STUCK:
        end = now
    pings: list[_Ping] = []
    starts = _run_starts(job, end, rng)
    for index, start in enumerate(starts):
        finish = start + job.runtime * rng.uniform(0.85, 1.15)
        last = index == len(starts) - 1
        fails = (job.story is Story.FAILING and last) or (
            job.story is Story.FLAKY and index in (3, 6, 7)
        )
        pings.append(_Ping(start, PingKind.START))
        if fails:
            pings.append(_Ping(finish, PingKind.FAIL, job.fail_code, job.fail_body))
        else:
            pings.append(_Ping(finish, PingKind.SUCCESS, 0 if job.cron else None, job.body))
    if open_start is not None:
        pings.append(_Ping(open_start, PingKind.START))
    return pings


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _request(job: DemoJob, check: Check, ping: _Ping) -> PingRequest:
    return PingRequest(
        kind=ping.kind,
        uuid=check.uuid,
        exit_code=ping.exit_code,
        remote_addr=HOSTS[job.host],
        user_agent=job.agent,
        body=ping.body.encode(),
        at=ping.at,
    )


async def _build_one(service: Service, job: DemoJob, now: float, rng: random.Random) -> Check:
    history = _history(job, now, rng)
    created = history[0].at - 60 if history else now - 7 * 60
    spec = validate(
        CheckSpec(
            name=job.name,
            every_seconds=job.every,
            cron=job.cron,
            tz=job.tz,
            grace_seconds=job.grace,
            max_duration_seconds=job.max_duration,
            host=job.host,
            tags=job.tags,
        )
    )
    # The store is written directly so that the creation time can lie in the past.
    check = await service.store.write(
        partial(check_edits.create_check, spec=spec, now=created, uuid_text=_uuid(rng))
    )
    for ping in history:
        outcome = await service.record_ping(_request(job, check, ping))
        assert outcome.check is not None
        check = outcome.check
    if job.story is Story.PAUSED:
        check, _ = await service.store.write(
            partial(check_edits.pause_check, check_id=check.id, until=None, now=now - PAUSED_FOR)
        )
    return check


async def _add_channels(service: Service, now: float, inbox_url: str) -> int:
    """The default channel is the demo's inbox, and so is each person's phone; the mail one,
    failing, is named by no check.
    Written directly, like the checks: the URLs are the demo's own, and asking Apprise to
    check them would cost the first paint a second."""

    def job(conn: Connection) -> int:
        channel = partial(alert_rows.insert_channel, conn, now=now - 7 * 86400)
        channel(name=INBOX_CHANNEL, url=inbox_url, is_default=True, tags=())
        # The people on call are reached at the inbox too: it stands for their phones.
        for person in ON_CALL:
            channel(name=f"{person}-phone", url=inbox_url, is_default=False, tags=())
        return channel(name="ops-mail", url=MAIL_URL, is_default=False, tags=("email",))

    return await service.store.write(job)


async def try_mail_channel(service: Service, fleet: DemoFleet) -> None:
    """A real attempt at the mail channel, so the error shown is the one Apprise gives, dated
    as of the demo's now. Made once the screen is drawn: Apprise's first use loads every one
    of its plugins, which would cost the first paint almost half a second."""
    error = await send(MAIL_URL, *test_message())
    await service.store.write(
        partial(
            alert_rows.record_delivery,
            channel_id=fleet.mail_channel_id,
            error=error,
            now=fleet.now - 240,
        )
    )


async def _add_maintenance(service: Service, now: float) -> None:
    """db2 is being upgraded right now; backup1 has a weekly window for its disk scrub."""
    upgrade = MaintenanceWindow(
        0, "db2", "Postgres 16 upgrade", now - 1500, starts_at=now - 1500, ends_at=now + 5700
    )

    def job(conn: Connection) -> None:
        # Written directly, like the checks, so that the window can start in the past.
        database.ensure_host(conn, upgrade.host, now)
        alert_rows.insert_window(conn, upgrade)

    await service.store.write(job)
    await service.alerts.start_maintenance(
        "backup1", weekly="sun 02:00-04:00", tz="UTC", reason="disk array scrub"
    )


async def _add_oncall(service: Service, now: float) -> None:
    """Three people on a weekly rotation, two of them on a daily one for the databases, and
    Carol covering the database rotation tonight."""
    oncall = service.oncall
    for name in ON_CALL:
        await oncall.add_person(name, (f"{name}-phone",), now=now)
    today = datetime.fromtimestamp(now, UTC).date()
    monday = today - timedelta(days=today.weekday())
    await oncall.add_rotation(
        "primary", ("alice", "bob", "carol"), "1w", "09:00", "Europe/Berlin", monday, now
    )
    await oncall.add_rotation("database", ("bob", "alice"), "1d", "08:00", "UTC", today, now)
    await oncall.add_override("database", "carol", now - 3600, now + 10 * 3600, now=now)


async def build_demo(
    service: Service, now: float | None = None, seed: int = SEED, inbox_url: str = INBOX_URL
) -> DemoFleet:
    """Write the demo checks and their history into an empty data dir, as of `now`."""
    now = service.clock.now() if now is None else now
    rng = random.Random(seed)
    # One generator per job, seeded in order, so the jobs can be written concurrently (their
    # writes then share commits) and still come out the same every time.
    rngs = [random.Random(rng.getrandbits(64)) for _ in JOBS]
    # Channels first, so the failing checks' alerts are queued for them.
    mail_channel_id = await _add_channels(service, now, inbox_url)
    checks = await asyncio.gather(
        *(_build_one(service, job, now, job_rng) for job, job_rng in zip(JOBS, rngs, strict=True))
    )
    for at, agent, address in (
        (now - 42 * 60, OLD_CURL, "10.0.2.22"),
        (now - 11 * 60, CURL, "10.0.5.31"),
    ):
        await service.record_ping(
            PingRequest(
                PingKind.SUCCESS,
                uuid=TYPO_UUID,
                remote_addr=address,
                user_agent=agent,
                at=at,
                path=f"/ping/{TYPO_UUID}",
            )
        )
    await _add_maintenance(service, now)
    await _add_oncall(service, now)
    # The history just written made a line in the Log for each of its state changes, in the
    # order written, not the order they happened: the Log starts with what the demo does live.
    await service.store.write(event_rows.clear_events)
    fleet = DemoFleet(now, mail_channel_id, checks={c.name: c for c in checks})
    for job, check in zip(JOBS, checks, strict=True):
        if (
            job.every is not None
            and job.every <= LIVE_EVERY
            and job.story
            in (
                Story.UP,
                Story.FLAKY,
            )
        ):
            last = check.last_finish_at or now
            fleet.next_ping[job.name] = last + job.every - rng.uniform(1, 6)
    return fleet


async def simulate(service: Service, fleet: DemoFleet, seed: int = SEED) -> None:
    """Keep the frequent jobs pinging, one now and then failing, until cancelled."""
    rng = random.Random(seed + 1)
    jobs = {job.name: job for job in JOBS}
    running = fleet.checks.get("Search index rebuild")
    clock = service.clock
    finish_running_at = clock.now() + 40
    while True:
        now = clock.now()
        for name, due in list(fleet.next_ping.items()):
            if now < due:
                continue
            job, check = jobs[name], fleet.checks[name]
            if job.story is Story.FLAKY and rng.random() < 0.3:
                ping = _Ping(now, PingKind.FAIL, job.fail_code, job.fail_body)
            else:
                ping = _Ping(now, PingKind.SUCCESS, None, job.body)
            await service.record_ping(_request(job, check, ping))
            fleet.next_ping[name] = now + (job.every or 60) - rng.uniform(1, 6)
        if running is not None and now >= finish_running_at:
            job = jobs[running.name]
            await service.record_ping(_request(job, running, _Ping(now, PingKind.SUCCESS)))
            running = None
        await clock.sleep_until(now + 1)
