"""Running an engine in this process: the lock on the data dir, the aiohttp listener (pings,
the API, badges, metrics) and the engine's loops, each started again after a failure.

The service is what every interface calls; this is what `beatwatch serve` and the terminal
UI add to it when they receive pings themselves. Closing the service stops it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shlex
from collections.abc import Awaitable, Callable
from dataclasses import replace
from functools import partial
from pathlib import Path

from aiohttp import web

from beatwatch.config import Settings
from beatwatch.core.errors import EngineBusy, StorageError
from beatwatch.core.ratelimit import limiter_for
from beatwatch.engine.clock import Clock
from beatwatch.engine.duties import Duties, node_id_for
from beatwatch.engine.event_log import StoreLogHandler
from beatwatch.engine.lock import EngineLock
from beatwatch.engine.self_ping import self_ping_loop
from beatwatch.service.service import Service
from beatwatch.store.database import open_to_others
from beatwatch.store.node_rows import DISPATCH, EVALUATE
from beatwatch.web.api import API_PREFIX, api_app
from beatwatch.web.badges import badge_routes
from beatwatch.web.descriptors import log_connection_room, raise_descriptor_limit
from beatwatch.web.header_text import readable_headers
from beatwatch.web.healthchecks_api import healthchecks_api
from beatwatch.web.http_server import BACKLOG, ConnectionLimits, GuardedRunner
from beatwatch.web.metrics import metrics_routes
from beatwatch.web.pings import PingReceiver

log = logging.getLogger("beatwatch.engine")
RESTART_DELAY = 1.0


class Runtime:
    def __init__(self, service: Service) -> None:
        self.service = service
        self._lock = EngineLock(service.settings.data_dir)
        self._runner: web.AppRunner | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._log_handler: StoreLogHandler | None = None

    async def start(self) -> None:
        """Listen for pings and run the loops. Raises EngineBusy or OSError (port taken)."""
        service, settings = self.service, self.service.settings
        if not self._lock.acquire(settings.listen):
            holder = self._lock.holder()
            pid = f" (pid {holder.pid})" if holder and holder.pid else ""
            raise EngineBusy(
                f"another beatwatch{pid} already runs the engine on {settings.data_dir}"
            )
        # From here on, the engine's warnings and errors go to the event log too.
        self._log_handler = StoreLogHandler(service.store)
        logging.getLogger("beatwatch").addHandler(self._log_handler)
        _warn_if_open_to_others(settings.data_dir)
        try:
            pings = _ping_receiver(service)
            runner = GuardedRunner(
                _web_app(service),
                _connection_limits(settings),
                settings.trusted_networks(),
                pings,
            )
            await runner.setup()
            site = web.TCPSite(runner, settings.listen_host, settings.listen_port, backlog=BACKLOG)
            await site.start()
        except BaseException:
            self._stop_logging()
            self._lock.release()
            raise
        self._runner = runner
        port = runner.addresses[0][1] if runner.addresses else settings.listen_port
        listen = replace(settings, listen_port=port).listen
        self._lock.announce(listen)
        service.engine_started(port)
        service.on_close(self.stop)
        # Before the loops: a node alone on its database holds both duties from the start.
        duties = Duties(service.store, node_id_for(settings.data_dir), listen, service.clock)
        duties.when_gained(EVALUATE, service.evaluator.poke)
        duties.when_gained(DISPATCH, service.dispatcher.poke)
        service.duties = duties
        if service.store.database_url is not None:
            # Only where other engines share the database do the loops wait for their duty:
            # on SQLite the data dir's lock makes this engine the only one.
            service.evaluator.duties = service.dispatcher.duties = duties
        with contextlib.suppress(StorageError):  # the loop tries again
            await duties.renew()
        self._run(duties.run, "duties")
        self._run(service.watch_store, "other-writers")
        self._run(service.evaluator.run, "evaluator")
        self._run(service.dispatcher.run, "dispatcher")
        if url := settings.self_ping_url:
            self._run(
                partial(self_ping_loop, url, service.evaluator.busy_for, service.clock), "self-ping"
            )
        log.info(
            "listening on %s; ping URLs start with %s/ping/", settings.listen, service.base_url
        )

    def _run(self, loop: Callable[[], Awaitable[None]], name: str) -> None:
        task = _keep_running(loop, self.service.clock)
        self._tasks.append(asyncio.create_task(task, name=name))

    async def stop(self) -> None:
        for task in self._tasks:
            # Cancel until it takes: a cancel that lands as an await completes can be lost.
            while not task.done():
                task.cancel()
                await asyncio.wait({task}, timeout=1.0)
            with contextlib.suppress(asyncio.CancelledError, Exception):
                task.result()
        self._tasks.clear()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
            self.service.engine_stopped()
            self._lock.release()
        self._stop_logging()

    def _stop_logging(self) -> None:
        if self._log_handler is not None:
            logging.getLogger("beatwatch").removeHandler(self._log_handler)
            self._log_handler = None


async def start_engine(service: Service) -> Runtime:
    """Run the engine of `service` in this process until the service is closed."""
    runtime = Runtime(service)
    await runtime.start()
    return runtime


def _ping_receiver(service: Service) -> PingReceiver:
    settings = service.settings
    return PingReceiver(
        service.record_ping,
        service.clock,
        settings.trusted_networks(),
        limiter_for(settings.ping_rate_limit),
    )


def _web_app(service: Service) -> web.Application:
    settings = service.settings
    api_limiter = limiter_for(settings.api_rate_limit)  # also /metrics, badges
    # healthchecks' API answers before any route, as it shares /api/v1 with ours.
    app = web.Application(middlewares=[readable_headers, healthchecks_api(service, api_limiter)])
    app.add_subapp(API_PREFIX, api_app(service, api_limiter))
    app.add_routes([*metrics_routes(service, api_limiter), *badge_routes(service, api_limiter)])
    return app


def _connection_limits(settings: Settings) -> ConnectionLimits:
    return ConnectionLimits(
        total=log_connection_room(raise_descriptor_limit(), settings.max_connections),
        per_address=settings.max_connections_per_address,
        head_timeout=settings.request_head_timeout,
        keepalive_timeout=settings.keepalive_timeout,
    )


def _warn_if_open_to_others(data_dir: Path) -> None:
    """Once, as the engine starts: each data file other users can read or write."""
    for path, mode in open_to_others(data_dir):
        log.warning(
            "%s is open to other users (mode %s) and holds channel passwords and ping uuids; "
            "make it private with: chmod %s %s",
            path,
            oct(mode)[2:],
            "700" if path.is_dir() else "600",
            shlex.quote(str(path)),
        )


async def _keep_running(loop: Callable[[], Awaitable[None]], clock: Clock) -> None:
    """Run an engine loop for good: after a storage fault (already logged by the writer) or
    any other error it starts again a second later, so one bad moment never ends monitoring."""
    while True:
        try:
            await loop()
        except asyncio.CancelledError:
            raise
        except StorageError:
            pass
        except Exception:
            log.exception("an engine task failed; restarting it")
        await clock.sleep_until(clock.now() + RESTART_DELAY)
