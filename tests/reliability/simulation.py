"""A simulated fleet run through the real engine on a virtual clock, and an oracle written
from SPEC.md that says what it should have sent.

`scenario(seed, ...)` draws the fleet: interval and cron checks in three DST zones, jobs
that run with jitter, skip runs and fail, start/finish runs, hosts with weekly and one-off
maintenance windows, network outages, engine restarts on the same SQLite file, checks
edited mid-run, escalation, reminders and acknowledgements. `simulate()` drives the real
Service and Runtime through it (pings through Service.record_ping, alerts through a
recording sender that fails now and then) and `expected()` computes, independently, every
alert, recovery, escalation and reminder the SPEC asks for. `compare()` sets one against
the other.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import random
import sqlite3
from collections import Counter, defaultdict
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from cronsim import CronSim

from beatwatch.config import Settings
from beatwatch.core.model import PingKind, PingRequest
from beatwatch.core.validation import CheckSpec
from beatwatch.runtime import start_engine
from beatwatch.service.service import Service
from tests.virtual_clock import VirtualClock

ZONES = ("Europe/Berlin", "America/New_York", "Australia/Lord_Howe")
# host -> its weekly window (weekday, start minute, length, zone), over its zone's change
WEEKLY_WINDOWS = {
    "db-berlin": ("sun", 2 * 60, 2 * 3600, "Europe/Berlin"),
    "web-ny": ("sun", 60, 2 * 3600, "America/New_York"),
    "lh-edge": ("sun", 90, 90 * 60, "Australia/Lord_Howe"),
}
ONE_OFF_HOST = "batch"
HOSTS = (*WEEKLY_WINDOWS, ONE_OFF_HOST, None, None, None)
# Drawn from with repeats: a fleet is mostly daily jobs, with some frequent ones.
INTERVALS = (3600, 4 * 3600, 12 * 3600, 86400, 86400, 86400)
CRONS = ("{m} */4 * * *", "{m} {h} * * *", "{m} {h} * * *", "{m} 1-4 * * 0", "{m} {h} * * 1-5")
CHANNEL_FAILURE = {"ops": 0.2, "pager": 0.1}
ESCALATE_AFTER, REMIND_EVERY = 1800, 7200
TAIL = 3 * 3600.0  # after the last run: time for every retry and digest to go out
STORM_LIMIT, STORM_WINDOW = 50, 60.0


@dataclass(frozen=True)
class Job:
    name: str
    every: int | None
    cron: str | None
    tz: str | None
    grace: int
    host: str | None
    escalates: bool
    runs_with_start: bool
    edit_at: float | None = None  # interval changed to `edited_every` here
    edited_every: int | None = None


@dataclass(frozen=True, order=True)
class Ping:
    at: float
    job: str
    kind: PingKind


@dataclass
class Scenario:
    seed: int
    start: float
    end: float
    jobs: list[Job]
    pings: list[Ping]  # every ping the jobs send, delivered or not
    downtimes: list[tuple[float, float]]  # the engine is stopped
    outages: list[tuple[float, float, str | None]]  # a host's pings are lost
    one_off: tuple[float, float]  # ONE_OFF_HOST's window
    acks: list[tuple[float, str]]  # acknowledge whatever incident the job has open

    def delivered(self, ping: Ping, host: str | None) -> bool:
        if any(a <= ping.at < b for a, b in self.downtimes):
            return False
        return not any(a <= ping.at < b and h == host for a, b, h in self.outages)

    def engine_up_at(self, moment: float) -> float:
        """When the engine can act on something due at `moment`."""
        for down, up in self.downtimes:
            if down <= moment < up:
                return up
        return moment


def scenario(seed: int, start: float, days: float, checks: int) -> Scenario:
    rng = random.Random(seed)
    end = start + days * 86400
    jobs = [_job(rng, n, start, end) for n in range(checks)]
    span = end - start
    downtimes = sorted(
        (at, at + rng.uniform(1.5, 4) * 3600)
        for at in (start + span * f for f in (rng.uniform(0.2, 0.4), rng.uniform(0.6, 0.8)))
    )
    outages = [
        (at, at + rng.uniform(1, 3) * 3600, rng.choice(HOSTS))
        for at in (start + span * rng.uniform(0.1, 0.9) for _ in range(2))
    ]
    one_off_at = start + span * rng.uniform(0.3, 0.7)
    pings = sorted(p for job in jobs for p in _runs(rng, job, start, end))
    acks = sorted(
        (start + rng.uniform(0, span), job.name)
        for job in jobs
        if job.escalates
        for _ in range(int(days * 2))
    )
    return Scenario(
        seed, start, end, jobs, pings, downtimes, outages, (one_off_at, one_off_at + 6 * 3600), acks
    )


def _job(rng: random.Random, n: int, start: float, end: float) -> Job:
    host = rng.choice(HOSTS)
    escalates = host is None and rng.random() < 0.3
    if rng.random() < 0.55:
        every = rng.choice(INTERVALS)
        edit_at = edited = None
        if every <= 4 * 3600 and rng.random() < 0.1:
            edit_at, edited = rng.uniform(start + 86400, end - 86400), rng.choice(INTERVALS[:3])
        return Job(
            f"job-{n:03d}", every, None, None, min(300, every // 2), host, escalates,
            rng.random() < 0.2, edit_at, edited,
        )  # fmt: skip
    cron = rng.choice(CRONS).format(m=rng.randrange(60), h=rng.choice((1, 2, 3, 9, 23)))
    return Job(
        f"cron-{n:03d}", None, cron, rng.choice(ZONES), 300, host, escalates, rng.random() < 0.2
    )


def _slots(job: Job, start: float, end: float) -> list[float]:
    assert job.cron is not None and job.tz is not None
    zone = ZoneInfo(job.tz)
    found = []
    for slot in CronSim(job.cron, datetime.fromtimestamp(start, zone)):
        t = slot.timestamp()
        if t >= end:
            return found
        if t > start and (not found or t > found[-1]):
            found.append(t)
    return found


def _runs(rng: random.Random, job: Job, start: float, end: float) -> list[Ping]:
    if job.cron is not None:
        moments = _slots(job, start, end)
    else:
        assert job.every is not None
        moments, t, every = [], start + rng.uniform(0, job.every), job.every
        while t < end:
            moments.append(t)
            if job.edit_at is not None and t < job.edit_at <= t + every:
                assert job.edited_every is not None
                every = job.edited_every
                t = job.edit_at  # the edit comes with a run, so the new cadence starts there
            t += every
    pings = []
    for moment in moments:
        if rng.random() < 0.04:
            continue  # the run never happened
        at = moment + rng.uniform(0.5, job.grace / 2)
        kind = PingKind.FAIL if rng.random() < 0.05 else PingKind.SUCCESS
        if job.runs_with_start:
            pings.append(Ping(at, job.name, PingKind.START))
            at += rng.uniform(1, job.grace / 4)
        pings.append(Ping(at, job.name, kind))
    return pings


# -- the oracle --------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Told:
    """One message decided: about `job`, of `kind` (alert:<state>, recovery, escalation,
    reminder), due at `due`, decided at `at`; `sent` False when maintenance held it."""

    job: str
    kind: str
    due: float
    at: float
    sent: bool = True


def window_open(scenario: Scenario, host: str | None, moment: float) -> bool:
    """From SPEC 4: a weekly window opens and closes at the first instant the wall clock
    reads its start and its end (a skipped time: the jump; a repeated one: its first pass)."""
    if host == ONE_OFF_HOST:
        return scenario.one_off[0] <= moment < scenario.one_off[1]
    if host not in WEEKLY_WINDOWS:
        return False
    _, start_minute, length, tz = WEEKLY_WINDOWS[host]
    zone = ZoneInfo(tz)
    day = datetime.fromtimestamp(moment, zone).date()
    for back in range(2):
        on = day - timedelta(days=back)
        if on.weekday() != 6:
            continue
        opens = datetime(on.year, on.month, on.day) + timedelta(minutes=start_minute)
        if (
            _first_reading(opens, zone)
            <= moment
            < _first_reading(opens + timedelta(seconds=length), zone)
        ):
            return True
    return False


@functools.cache
def _first_reading(local: datetime, zone: ZoneInfo) -> float:
    """The first instant whose wall-clock reading is `local` or later: scanned, minute by
    minute from half a day before, so no zone arithmetic is trusted."""
    t = datetime(local.year, local.month, local.day, tzinfo=ZoneInfo("UTC")).timestamp() - 86400
    while datetime.fromtimestamp(t, zone).replace(tzinfo=None) < local:
        t += 60
    return t


def expected(scenario: Scenario) -> list[Told]:
    told: list[Told] = []
    jobs = {job.name: job for job in scenario.jobs}
    pings_by_job: dict[str, list[Ping]] = defaultdict(list)
    for ping in scenario.pings:
        if scenario.delivered(ping, jobs[ping.job].host):
            pings_by_job[ping.job].append(ping)
    acks = defaultdict(list)
    for at, name in scenario.acks:
        acks[name].append(at)
    for job in scenario.jobs:
        told += _expected_for(scenario, job, pings_by_job[job.name], acks[job.name])
    return sorted(told)


def _expected_for(scenario: Scenario, job: Job, pings: list[Ping], acks: list[float]) -> list[Told]:
    """SPEC 3 and 4 for one check: the alerted state moves on missed and stuck deadlines
    and on fail pings; a success (or a start after a missed or stuck run with no failure in
    the spell) ends the spell, with one recovery if any of its alerts was sent."""
    told: list[Told] = []
    running_acks = [a for a in acks if scenario.engine_up_at(a) == a]

    def held(moment: float) -> bool:
        return window_open(scenario, job.host, moment)

    finish, run_started = scenario.start, None
    state, spell_told, spell_failed = "up", False, False
    actions: dict[str, float] = {}  # the open incident's next escalation and reminder

    def alert(new_state: str, due: float) -> None:
        nonlocal state, spell_told
        at = scenario.engine_up_at(due)
        sent = not held(at)
        told.append(Told(job.name, f"alert:{new_state}", due, at, sent))
        spell_told, state = spell_told or sent, new_state
        actions.clear()
        if sent and job.escalates:
            actions.update(opened=at, escalation=at + ESCALATE_AFTER, reminder=at + REMIND_EVERY)

    def act_until(moment: float) -> None:
        """The open incident's escalations and reminders due before `moment`, unless
        acknowledged first."""
        while len(actions) > 1:
            due = min(v for k, v in actions.items() if k != "opened")
            if due >= moment:
                return
            at = scenario.engine_up_at(due)
            if any(actions["opened"] <= a < at for a in running_acks):
                actions.clear()
                return
            for kind in ("escalation", "reminder"):
                if actions.get(kind, float("inf")) <= at:
                    told.append(Told(job.name, kind, at, at))
                    if kind == "escalation":
                        del actions["escalation"]
                    else:
                        actions["reminder"] = at + REMIND_EVERY

    def recover(at: float) -> None:
        nonlocal state, spell_told, spell_failed
        if spell_told and not held(at):
            told.append(Told(job.name, "recovery", at, at))
        state, spell_told, spell_failed = "up", False, False
        actions.clear()

    every, grace = job.every, job.grace
    slots = _slots(job, scenario.start, scenario.end + 2 * TAIL) if job.cron else []
    # An edit is made only while the engine runs; one that finds the check already overdue
    # by its new schedule turns it missed there and then.
    edit_at = job.edit_at
    if edit_at is not None and scenario.engine_up_at(edit_at) != edit_at:
        edit_at = None

    def deadlines_until(moment: float, decided_at: float | None = None) -> None:
        # An open run suspends the missed clock; it is stuck once the next run is due.
        while True:
            new_state = "stuck" if run_started is not None else "missed"
            due = _due(run_started if run_started is not None else finish, every, grace, slots)
            if due is None or due > moment or state == new_state:
                return
            act_until(due)
            alert(new_state, decided_at or due)

    for ping in [*pings, Ping(scenario.end + TAIL, job.name, PingKind.LOG)]:
        if edit_at is not None and ping.at > edit_at:
            deadlines_until(edit_at)
            every = job.edited_every
            grace = min(300, every // 2) if every else grace
            deadlines_until(edit_at, decided_at=edit_at)
            edit_at = None
        deadlines_until(ping.at)
        act_until(ping.at)
        if ping.kind is PingKind.LOG:
            break
        if ping.kind is PingKind.START:
            run_started = ping.at
            if state in ("missed", "stuck") and not spell_failed:
                recover(ping.at)
            continue
        finish, run_started = ping.at, None
        if ping.kind is PingKind.FAIL:
            spell_failed = True
            if state != "failing":
                alert("failing", ping.at)
        elif state != "up":
            recover(ping.at)
    return told


def _due(since: float, every: int | None, grace: int, slots: list[float]) -> float | None:
    if every is not None:
        return since + every + grace
    later = [s for s in slots if s > since]
    return later[0] + grace if later else None


# -- the run -----------------------------------------------------------------------------


@dataclass
class RecordingSender:
    """Alerts as Apprise would take them, failing now and then per channel, decided by the
    message and the moment so the failures do not depend on the order of sends."""

    clock: VirtualClock
    seed: int
    urls: dict[str, str] = field(default_factory=dict)  # url -> channel name
    delivered: list[tuple[float, str, str, str]] = field(default_factory=list)
    failed: int = 0

    async def send(self, url: str, title: str, body: str, kind: str) -> str | None:
        channel = self.urls[url]
        now = self.clock.now()
        if random.Random(f"{self.seed}:{url}:{title}:{now}").random() < CHANNEL_FAILURE[channel]:
            self.failed += 1
            return "HTTP 503 from the simulated service"
        self.delivered.append((now, channel, kind, title))
        return None


@dataclass
class Outcome:
    engine: list[Told]
    outbox: list[tuple[str, str, str, float, str]]  # channel, kind, title, created, status
    sender: RecordingSender
    pings_sent: int


async def simulate(scenario: Scenario, data_dir: Path) -> Outcome:
    clock = VirtualClock(scenario.start)
    sender = RecordingSender(clock, scenario.seed)
    settings = Settings(data_dir=data_dir, listen_host="127.0.0.1", listen_port=0)
    service = await _start(settings, clock, sender)
    for name in CHANNEL_FAILURE:
        url = f"json://127.0.0.1:9/{name}"
        sender.urls[url] = name
        await service.alerts.add_channel(name, url, is_default=name == "ops")
    for host, (days, start_minute, length, tz) in WEEKLY_WINDOWS.items():
        weekly = f"{days} {_hh_mm(start_minute)}-{_hh_mm(start_minute + length // 60)}"
        await service.alerts.start_maintenance(host, weekly=weekly, tz=tz, force=True)
    ids = {}
    for job in scenario.jobs:
        check = await service.add_check(_spec(job))
        ids[job.name] = check
    events: list[tuple[float, int, str, object]] = []
    order = iter(range(10**9))
    for ping in scenario.pings:
        events.append((ping.at, next(order), "ping", ping))
    for down, up in scenario.downtimes:
        events += [(down, next(order), "stop", None), (up, next(order), "start", None)]
    for at, name in scenario.acks:
        events.append((at, next(order), "ack", name))
    for job in scenario.jobs:
        if job.edit_at is not None:
            events.append((job.edit_at, next(order), "edit", job))
    events.append((scenario.one_off[0], next(order), "one-off", None))
    events.append((scenario.end + TAIL, next(order), "end", None))
    heapq.heapify(events)
    jobs = {job.name: job for job in scenario.jobs}
    pings_sent = 0
    running = True
    while events:
        at, _, what, item = heapq.heappop(events)
        await clock.sleep_until(at)
        if what == "ping":
            assert isinstance(item, Ping)
            if running and scenario.delivered(item, jobs[item.job].host):
                request = PingRequest(item.kind, uuid=ids[item.job].uuid, at=clock.now())
                await service.record_ping(request)
                pings_sent += 1
        elif what == "stop":
            await service.close()
            running = False
        elif what == "start":
            service = await _start(settings, clock, sender)
            running = True
        elif what == "ack" and running:
            open_ones = [
                i
                for i in await service.alerts.incidents(open_only=True)
                if i.check_id == ids[str(item)].id and i.notified
            ]
            for incident in open_ones:
                await service.alerts.acknowledge(incident.id)
        elif what == "edit" and running:
            assert isinstance(item, Job)
            await service.update_check(item.name, every_seconds=item.edited_every)
        elif what == "one-off":
            await service.alerts.start_maintenance(
                ONE_OFF_HOST, duration=int(scenario.one_off[1] - at), force=True
            )
    await service.close()
    return Outcome(*_read_back(data_dir / "beatwatch.db"), sender, pings_sent)


async def _start(settings: Settings, clock: VirtualClock, sender: RecordingSender) -> Service:
    service = await Service.open(settings, clock=clock, sender=sender.send)
    await start_engine(service)
    return service


def _hh_mm(minute: int) -> str:
    return f"{minute // 60 % 24:02d}:{minute % 60:02d}"


def _spec(job: Job) -> CheckSpec:
    return CheckSpec(
        name=job.name,
        every_seconds=job.every,
        cron=job.cron,
        tz=job.tz,
        grace_seconds=job.grace,
        host=job.host,
        escalation_channels=("pager",) if job.escalates else (),
        escalate_after_seconds=ESCALATE_AFTER if job.escalates else None,
        remind_every_seconds=REMIND_EVERY if job.escalates else None,
    )


def _read_back(path: Path) -> tuple[list[Told], list[tuple[str, str, str, float, str]]]:
    """What the engine decided (its incidents and the other messages it queued) and the
    outbox as it ends."""
    with closing(sqlite3.connect(path)) as conn:
        names = dict(conn.execute("SELECT id, name FROM checks").fetchall())
        told = [
            Told(names[check], f"alert:{state}", opened, notified_at or opened, bool(notified))
            for check, state, opened, notified, notified_at in conn.execute(
                "SELECT check_id, state, opened_at, notified, notified_at FROM incidents"
            )
        ]
        # One decision per incident and kind, whatever the number of channels told.
        told += [
            Told(names[check], kind, created, created)
            for check, kind, created in conn.execute(
                "SELECT DISTINCT i.check_id, o.kind, o.created_at FROM outbox o "
                "JOIN incidents i ON i.id = o.incident_id WHERE o.kind != 'alert'"
            )
        ]
        outbox = conn.execute(
            "SELECT c.name, o.kind, o.title, o.created_at, o.status FROM outbox o "
            "JOIN channels c ON c.id = o.channel_id"
        ).fetchall()
    return sorted(told), outbox


# -- the comparison ----------------------------------------------------------------------


@dataclass
class Report:
    checks: int
    pings: int
    expected: int
    decided: int
    sent: int
    false: list[Told]
    missed: list[Told]
    duplicate: list[Told]
    mistimed: list[tuple[Told, Told]]
    lags: list[float]
    undelivered: list[tuple]
    twice_delivered: list[tuple]
    storm_excess: list[str]
    digests: int
    failed_sends: int

    @property
    def lag_p99(self) -> float:
        if not self.lags:
            return 0.0
        ordered = sorted(self.lags)
        return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]

    def line(self) -> str:
        return (
            f"{self.checks} checks, {self.pings} pings, {self.expected} messages expected, "
            f"{self.decided} decided ({self.sent} sent, {self.digests} digests), "
            f"false {len(self.false)}, missed {len(self.missed)}, "
            f"duplicate {len(self.duplicate)}, mistimed {len(self.mistimed)}, "
            f"lost {len(self.undelivered)}, sent twice {len(self.twice_delivered)}, "
            f"lag p99 {self.lag_p99:.1f} s, {self.failed_sends} failed sends"
        )

    @property
    def clean(self) -> bool:
        return not (
            self.false
            or self.missed
            or self.duplicate
            or self.mistimed
            or self.undelivered
            or self.twice_delivered
            or self.storm_excess
        )


def compare(scenario: Scenario, outcome: Outcome) -> Report:
    want = expected(scenario)

    def key(t: Told) -> tuple[str, str, float]:
        return t.job, t.kind, round(t.due, 3)

    wanted, got = Counter(map(key, want)), Counter(map(key, outcome.engine))
    by_key = {key(t): t for t in outcome.engine}
    false = [t for t in outcome.engine if got[key(t)] > wanted[key(t)]]
    missed = [t for t in want if wanted[key(t)] > got[key(t)]]
    duplicate = [t for t in outcome.engine if got[key(t)] > 1]
    mistimed, lags = [], []
    for t in want:
        if (mine := by_key.get(key(t))) is None:
            continue
        lags.append(mine.at - t.at)
        if abs(mine.at - t.at) > 1e-3 or mine.sent != t.sent:
            mistimed.append((t, mine))
    ok = Counter((channel, kind, title) for _, channel, kind, title in outcome.sender.delivered)
    rows = Counter(
        (channel, kind, title) for channel, kind, title, _, status in outcome.outbox
        if status == "sent"
    )  # fmt: skip
    undelivered = [r for r in outcome.outbox if r[4] not in ("sent", "digested")]
    twice = [k for k, n in ok.items() if n > rows[k]]
    return Report(
        checks=len(scenario.jobs),
        pings=outcome.pings_sent,
        expected=len(want),
        decided=len(outcome.engine),
        sent=len(outcome.sender.delivered),
        false=false,
        missed=missed,
        duplicate=duplicate,
        mistimed=mistimed,
        lags=lags,
        undelivered=undelivered,
        twice_delivered=twice,
        storm_excess=_storm_excess(outcome.outbox),
        digests=sum(1 for r in outcome.outbox if r[1] == "digest"),
        failed_sends=outcome.sender.failed,
    )


def _storm_excess(outbox: list[tuple[str, str, str, float, str]]) -> list[str]:
    """SPEC 4: at most 50 single alerts per 60 s per channel; one digest per storm, and
    within a storm at most one per DIGEST_AT_MOST_EVERY."""
    problems = []
    by_channel = defaultdict(list)
    for channel, kind, _, created, status in outbox:
        if kind in ("alert", "recovery") and status == "sent":
            by_channel[(channel, kind)].append(created)
    for (channel, kind), times in by_channel.items():
        times.sort()
        for n, t in enumerate(times):
            if n + STORM_LIMIT < len(times) and times[n + STORM_LIMIT] - t < STORM_WINDOW:
                problems.append(f"{channel}: more than {STORM_LIMIT} single {kind}s after {t}")
                break
    digests = sorted((r[0], r[3]) for r in outbox if r[1] == "digest")
    for (a_channel, a), (b_channel, b) in itertools.pairwise(digests):
        if a_channel == b_channel and b - a < STORM_WINDOW:
            problems.append(f"{a_channel}: two digests {b - a:.0f} s apart")
    return problems
