"""The one interface the CLI, the API and the TUI use: every operation on checks and pings.
It holds the engine's loops but does not run them: runtime.py does, with the listener, in
the process that runs the engine.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import replace
from functools import partial
from typing import Any
from urllib.parse import quote

from beatwatch.config import Settings, parse_listen
from beatwatch.core.errors import CheckNotFound, ConfigError, ValidationError
from beatwatch.core.model import (
    Check,
    LogEvent,
    Ping,
    PingKind,
    PingRequest,
    Transition,
    UnknownPing,
)
from beatwatch.core.snippets import Links
from beatwatch.core.timefmt import utc_iso
from beatwatch.core.validation import (
    CheckSpec,
    default_alerts,
    default_grace,
    pause_end,
    spec_of,
    validate,
)
from beatwatch.engine import check_edits
from beatwatch.engine.apprise_sender import send
from beatwatch.engine.check_edits import Resumed
from beatwatch.engine.clock import WALL_CLOCK, Clock
from beatwatch.engine.dispatch import Delivery, Dispatcher, Sender
from beatwatch.engine.duties import Duties
from beatwatch.engine.evaluator import Evaluator, Settled
from beatwatch.engine.events import (
    CheckChanged,
    CheckRemoved,
    DeliveryAttempted,
    EventBus,
    PingRecorded,
    StateChanged,
    StoreChanged,
    UnknownPingRecorded,
)
from beatwatch.engine.ingest import PingOutcome, record_ping
from beatwatch.engine.lock import EngineInfo, EngineLock
from beatwatch.service.alerts import Alerts
from beatwatch.service.cluster import NodeStatus, node_statuses
from beatwatch.service.oncall import OnCall
from beatwatch.service.tokens import Tokens, derive_tag_key
from beatwatch.store import database
from beatwatch.store.database import Store

log = logging.getLogger("beatwatch.engine")
# The secret each tag's badge key is derived from; it never leaves the database.
TAG_BADGE_SECRET = "tag_badge_secret"
PING_KEY_SYNTAX = re.compile(r"[A-Za-z0-9_-]{1,64}")
OTHER_WRITERS_INTERVAL = 0.5
# The event log lines read at most at once: as many as a screen of it keeps.
LOG_EVENTS_READ = 2000


class Service:
    def __init__(
        self,
        settings: Settings,
        db: Store,
        ping_key: str,
        clock: Clock = WALL_CLOCK,
        sender: Sender = send,
    ) -> None:
        self.settings = settings
        self.store = db
        self.ping_key = ping_key
        # What time it is, for every part of the engine this service holds.
        self.clock = clock
        self.events = EventBus()
        self.evaluator = Evaluator(db, self._publish_settled, clock)
        self.alerts = Alerts(db, self.events, clock)
        self.dispatcher = Dispatcher(db, self._publish_delivery, sender, clock)
        # This process's place among the nodes on its database, while it runs an engine.
        self.duties: Duties | None = None
        self.oncall = OnCall(db, self.events, clock)
        self.tokens = Tokens(db, clock)
        # Counted since this process started, for /metrics.
        self.pings_received = 0
        self.delivery_failures = 0
        # Where this process's engine listens, while it runs one.
        self.bound_port: int | None = None
        self._closers: list[Callable[[], Awaitable[None]]] = []

    @classmethod
    async def open(
        cls,
        settings: Settings,
        create: bool = True,
        clock: Clock = WALL_CLOCK,
        sender: Sender = send,
    ) -> Service:
        """The service over the data dir's database; see Store.open for `create`. `clock`
        and `sender` are what its engine reads the time from and sends alerts with."""
        db = await Store.open(
            settings.data_dir, create, settings.database_url, settings.database_password
        )
        ping_key = await db.write(
            partial(database.ensure_secret_setting, key=database.PING_KEY_SETTING)
        )
        return cls(settings, db, ping_key, clock, sender)

    def on_close(self, closer: Callable[[], Awaitable[None]]) -> None:
        """Have `closer` run first when the service closes (the runtime stops its engine)."""
        self._closers.append(closer)

    async def close(self) -> None:
        for closer in reversed(self._closers):
            await closer()
        self._closers.clear()
        await self.store.close()

    # -- the engine ----------------------------------------------------------------------

    @property
    def runs_engine(self) -> bool:
        return self.bound_port is not None

    def engine_holder(self) -> EngineInfo | None:
        """Which process runs the engine on this data dir, if any."""
        return EngineLock(self.settings.data_dir).holder()

    def engine_started(self, port: int) -> None:
        """This process now runs the engine, listening on `port`: every commit of its own
        wakes the loops."""
        self.bound_port = port
        self.store.writer.after_commit = self._poke_loops

    def engine_stopped(self) -> None:
        self.bound_port = None
        self.store.writer.after_commit = None

    def _after_foreign_commit(self) -> None:
        # Another process changed checks or alerts: deadlines and the outbox may have moved.
        self._poke_loops()
        self.events.publish(StoreChanged())

    def _poke_loops(self) -> None:
        self.evaluator.poke()
        self.dispatcher.poke()

    @property
    def storage_fault(self) -> str | None:
        """Why the database last refused a write, until it accepts one again."""
        return self.store.writer.fault

    async def nodes(self) -> tuple[list[NodeStatus], list[str]]:
        """The engines on this database, and the duties no live one holds."""
        return await node_statuses(self.store, self.clock.now())

    async def watch_store(self, interval: float = OTHER_WRITERS_INTERVAL) -> None:
        """Until cancelled, notice what other processes commit: the command line, or for an
        interface attached to another engine, that engine. An interface is told with
        StoreChanged; this process's engine, if it runs one, looks at its deadlines and
        outbox again."""
        self.store.writer.on_foreign_commit = self._after_foreign_commit
        try:
            while True:
                await self.clock.idle(interval)
                self.store.writer.look_for_other_writers()
        finally:
            self.store.writer.on_foreign_commit = None

    # -- pings ---------------------------------------------------------------------------

    async def record_ping(self, request: PingRequest) -> PingOutcome:
        # Quiet: a commit per burst of pings would otherwise wake the evaluator and the
        # dispatcher each time; they are told below only what concerns them.
        outcome = await self.store.write(
            partial(
                record_ping,
                request=request,
                ping_key=self.ping_key,
                cache=self.store.check_cache,
            ),
            quiet=True,
            through_cache=True,
        )
        self.pings_received += 1
        if outcome.check is None:
            assert outcome.unknown_label is not None
            self.events.publish(UnknownPingRecorded(outcome.unknown_label))
            return outcome
        assert outcome.ping is not None
        self.evaluator.reschedule(outcome.check.next_change_at)
        # Only an incident opened or resolved queues messages: a late check pinging in
        # time changes state but has nothing to send.
        if outcome.alerting_changed:
            self.dispatcher.poke()
        self.events.publish(PingRecorded(outcome.ping))
        self._publish_check(outcome.check, outcome.transitions)
        return outcome

    async def pings(self, ref: str, limit: int = 100) -> list[Ping]:
        check = await self.get_check(ref)
        return await self.store.pings(check.id, limit)

    async def recent_results(
        self, check_ids: Sequence[int], limit: int
    ) -> dict[int, list[tuple[PingKind, int | None]]]:
        """How each check's newest `limit` runs ended (kind and exit code), newest first."""
        return await self.store.recent_results(check_ids, limit)

    async def transitions(self, ref: str, limit: int = 100) -> list[Transition]:
        check = await self.get_check(ref)
        return await self.store.transitions(check.id, limit)

    async def unknown_pings(self) -> list[UnknownPing]:
        return await self.store.unknown_pings()

    async def unknown_ping_count(self) -> int:
        return int(await self.store.setting("unknown_ping_count") or 0)

    async def log_events(self, after: int = 0, limit: int = LOG_EVENTS_READ) -> list[LogEvent]:
        """The event log, whichever process wrote it: the newest `limit` lines whose id is
        above `after`, oldest first. A reader that passes the last id it saw follows it."""
        return await self.store.log_events(after, limit)

    # -- checks --------------------------------------------------------------------------

    async def list_checks(self) -> list[Check]:
        return await self.store.list_checks()

    async def get_check(self, ref: str) -> Check:
        check = await self.store.find_check(ref)
        if check is None:
            raise CheckNotFound(ref)
        return check

    async def add_check(self, spec: CheckSpec, uuid: str | None = None) -> Check:
        valid = validate(spec)
        check = await self.store.write(
            partial(check_edits.create_check, spec=valid, now=self.clock.now(), uuid_text=uuid)
        )
        log.info("check %s added (%s)", check.slug, check.name)
        self._publish_check(check, ())
        return check

    async def update_check(self, ref: str, **changes: Any) -> Check:
        """Change some fields of a check; the rest keep their values."""
        current = await self.get_check(ref)
        # A grace the user never chose follows the new schedule's default.
        if (
            {"every_seconds", "cron"} & changes.keys()
            and "grace_seconds" not in changes
            and current.grace_seconds == default_grace(current.schedule)
        ):
            changes["grace_seconds"] = None
        # So do alerts: a max duration set on a check with the default alerts turns on
        # running-long alerts, as it would have at creation.
        if (
            "max_duration_seconds" in changes
            and "alerts" not in changes
            and current.alerts == default_alerts(current.max_duration_seconds)
        ):
            changes["alerts"] = None
        spec = validate(replace(spec_of(current), **changes))
        check, transition = await self.store.write(
            partial(check_edits.update_check, check_id=current.id, spec=spec, now=self.clock.now())
        )
        self._publish_check(check, [transition])
        return check

    async def delete_check(self, ref: str) -> Check:
        current = await self.get_check(ref)
        check = await self.store.write(partial(check_edits.delete_check, check_id=current.id))
        log.info("check %s deleted with its history", check.slug)
        self.events.publish(CheckRemoved(check.id))
        return check

    async def pause_check(
        self, ref: str, until: float | None = None, duration: int | None = None
    ) -> Check:
        """Pause until resumed by hand, until a time, or for `duration` seconds from now.
        Errors name the fields by these parameters' names."""
        now = self.clock.now()
        end = pause_end(now, until, duration)
        current = await self.get_check(ref)
        check, transition = await self.store.write(
            partial(check_edits.pause_check, check_id=current.id, until=end, now=now)
        )
        when = f" until {utc_iso(end)}" if end else ""
        log.info("check %s paused%s", check.slug, when)
        self._publish_check(check, [transition])
        return check

    async def resume_check(self, ref: str) -> Resumed:
        """End the check's pause; one that is not paused is left as it is, and says so."""
        current = await self.get_check(ref)
        resumed = await self.store.write(
            partial(check_edits.resume_check, check_id=current.id, now=self.clock.now())
        )
        if resumed.was_paused:
            log.info("check %s resumed", resumed.check.slug)
            self._publish_check(resumed.check, [resumed.transition])
        return resumed

    async def adopt_ping_key(self, ping_key: str) -> None:
        """Make `ping_key` the instance's ping key (the secret in ping URLs by slug), so that
        the slug URLs of checks brought over from elsewhere keep working. Those made with the
        previous key stop working; another process running the engine takes it on restart."""
        if not PING_KEY_SYNTAX.fullmatch(ping_key):
            raise ValidationError(
                "ping_key", "a ping key is 1 to 64 characters of A-Z, a-z, 0-9, '-' and '_'"
            )
        await self.store.write(
            partial(database.set_setting, key=database.PING_KEY_SETTING, value=ping_key)
        )
        self.ping_key = ping_key
        log.info("the ping key for slug URLs was replaced")

    # -- URLs ----------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """Where pings reach the engine: the public URL if set, else the address the engine
        listens on — this process's, or the one another process runs on this data dir."""
        if self.settings.public_url:
            return self.settings.base_url
        if self.bound_port is not None:
            return replace(self.settings, listen_port=self.bound_port).base_url
        holder = self.engine_holder()
        if holder is not None and holder.listen:
            try:
                host, port = parse_listen(holder.listen)
            except ConfigError:
                port = 0
            if port:
                return replace(self.settings, listen_host=host, listen_port=port).base_url
        return self.settings.base_url

    def ping_url(self, check: Check) -> str:
        return f"{self.base_url}/ping/{check.uuid}"

    def slug_ping_url(self, check: Check) -> str:
        return f"{self.base_url}/ping/{self.ping_key}/{check.slug}"

    def badge_url(self, badge_key: str, fmt: str = "svg") -> str:
        return f"{self.base_url}/badge/{badge_key}.{fmt}"

    def tag_badge_url(self, tag_key: str, tag: str, fmt: str = "svg") -> str:
        """`tag`'s badge (`*`: every check's) as svg, json or shields."""
        return f"{self.base_url}/badge/{tag_key}/{quote(tag, safe='*')}.{fmt}"

    async def links(self, check: Check) -> Links:
        """Where the check's pings and badges go, for its snippets."""
        badge_key = (await self.badge_keys())[check.id]
        tag_badges = [
            (tag, self.tag_badge_url(await self.tag_badge_key(tag), tag)) for tag in check.tags
        ]
        return Links(
            ping_url=self.ping_url(check),
            slug_url=self.slug_ping_url(check),
            badge_url=self.badge_url(badge_key),
            tag_badges=tuple(tag_badges),
        )

    # -- badges --------------------------------------------------------------------------

    async def badge_keys(self) -> dict[int, str]:
        """Each check's badge key by check id; checks without one get one now."""
        keys = await self.store.badge_keys()
        if None in keys.values():
            return await self.store.write(database.assign_badge_keys)
        return {check_id: key for check_id, key in keys.items() if key is not None}

    async def check_by_badge_key(self, badge_key: str) -> Check | None:
        return await self.store.check_by_badge_key(badge_key)

    async def tag_badge_key(self, tag: str) -> str:
        """The key in `tag`'s badge URL (a tag name alone is easy to guess), one per tag:
        holding one tag's badge URL tells nothing of another tag's."""
        secret = await self.store.setting(TAG_BADGE_SECRET) or await self.store.write(
            partial(database.ensure_secret_setting, key=TAG_BADGE_SECRET)
        )
        return derive_tag_key(secret, tag)

    # -- events --------------------------------------------------------------------------

    def _publish_check(self, check: Check, transitions: Iterable[Transition | None]) -> None:
        """Tell every interface of a change to `check` and of the transitions it made (None:
        its state stayed)."""
        for transition in transitions:
            if transition is not None:
                _log_transition(check, transition)
                self.events.publish(StateChanged(check, transition))
        self.events.publish(CheckChanged(check))

    def _publish_delivery(self, delivery: Delivery) -> None:
        if delivery.error is not None:
            self.delivery_failures += 1
        self.events.publish(
            DeliveryAttempted(delivery.channel_name, delivery.kind, delivery.title, delivery.error)
        )

    def _publish_settled(self, settled: Settled) -> None:
        # The evaluator's writes are quiet; what it settled may have queued alerts.
        self.dispatcher.poke()
        for check, transition in settled:
            self._publish_check(check, [transition])


def _log_transition(check: Check, transition: Transition) -> None:
    log.info(
        "check %s: %s -> %s at %s",
        check.slug,
        transition.from_state,
        transition.to_state,
        utc_iso(transition.at),
    )
