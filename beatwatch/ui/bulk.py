"""Acting on many checks at once, the ones marked in the checks table: pause, resume, start or
end maintenance on their hosts, or delete them, each in one step after one question that says
how many."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

from beatwatch.core.model import Check, MaintenanceWindow, State
from beatwatch.core.presentation import counted
from beatwatch.ui.screens.confirm import ConfirmScreen
from beatwatch.ui.screens.maintenance import MaintenanceScreen
from beatwatch.ui.screens.pause import Pause, PauseScreen

if TYPE_CHECKING:
    from beatwatch.ui.app import BeatwatchApp

# Checks or hosts named in a question; the rest are counted.
NAMED = 5


def names(items: Sequence[str]) -> str:
    """ "a, b, c", or "a, b, c, d, e and 4 more"."""
    shown = ", ".join(items[:NAMED])
    return f"{shown} and {len(items) - NAMED} more" if len(items) > NAMED else shown


class Bulk:
    """One action on `checks`, asked for once; the app's toasts say how it went."""

    def __init__(self, app: BeatwatchApp, checks: Sequence[Check], done: Callable[[], None]):
        self._app = app
        self._checks = list(checks)
        # Called once the action has run: the marks have served.
        self._done = done

    @property
    def _counted(self) -> str:
        """The one check's name, or how many."""
        if len(self._checks) == 1:
            return self._checks[0].name
        return counted(len(self._checks), "check")

    def _none_of(self, does: str, does_not: str) -> str:
        """ "None of the 3 checks is paused", or "backup is not paused"."""
        if len(self._checks) == 1:
            return f"{self._checks[0].name} {does_not}"
        return f"None of the {self._counted} {does}"

    @property
    def _hosts(self) -> list[str]:
        return sorted({check.host for check in self._checks if check.host})

    def pause(self) -> None:
        app = self._app

        async def chosen(choice: Pause | None) -> None:
            if choice is not None:
                await self._each(
                    "paused",
                    lambda c: app.service.pause_check(
                        str(c.id), until=choice.until, duration=choice.duration
                    ),
                )

        app.push_screen(PauseScreen(self._counted, app.clock), chosen)

    def resume(self) -> None:
        app = self._app
        paused = [c for c in self._checks if app.fleet.state_of(c.id) is State.PAUSED]
        if not paused:
            app.notify(f"{self._none_of('is paused', 'is not paused')}.", severity="warning")
            return
        self._checks = paused
        self._ask(
            f"Resume {self._counted}?",
            f"{names([c.name for c in paused])}: each clock starts again now.",
            "Resume",
            lambda: self._each("resumed", lambda c: app.service.resume_check(str(c.id))),
        )

    def start_maintenance(self) -> None:
        app = self._app
        hosts = self._hosts
        if not hosts:
            app.notify(
                f"{self._none_of('names a host', 'names no host')}: maintenance is per host.",
                severity="warning",
            )
            return

        def started(window: MaintenanceWindow | None) -> None:
            if window is not None:
                self._done()
                app.notify(
                    f"Maintenance on {counted(len(hosts), 'host')} ({names(hosts)}): their "
                    "checks are still watched, but alerts are held while it is open.",
                    title="Maintenance",
                )

        app.push_screen(MaintenanceScreen(hosts[0], app.clock, hosts[1:]), started)

    def end_maintenance(self) -> None:
        app = self._app
        hosts = self._hosts
        if not hosts:
            app.notify(f"{self._none_of('names a host', 'names no host')}.", severity="warning")
            return

        async def end_all() -> None:
            ended = await app.attempt(
                "end maintenance",
                asyncio.gather(*(app.service.alerts.end_maintenance(h) for h in hosts)),
            )
            if ended is not None:
                self._done()
                app.notify(
                    f"Maintenance ended on {counted(sum(map(bool, ended)), 'host')} of "
                    f"{len(hosts)}; alerts go out again.",
                    title="Maintenance",
                )

        self._ask(
            f"End maintenance on {counted(len(hosts), 'host')}?",
            f"{names(hosts)}: alerts for their checks go out again at once.",
            "End it",
            end_all,
        )

    def delete(self) -> None:
        app = self._app
        self._ask(
            f"Delete {self._counted}?",
            f"{names([c.name for c in self._checks])}. Their ping history goes too, and no "
            "all-clear is sent for an alert still open. Jobs that keep pinging their URLs "
            "will show under Unknown pings.",
            "Delete",
            lambda: self._each("deleted", lambda c: app.service.delete_check(str(c.id))),
        )

    def _ask(
        self, title: str, explanation: str, confirm: str, act: Callable[[], Awaitable[None]]
    ) -> None:
        async def answered(yes: bool | None) -> None:
            if yes:
                await act()

        self._app.push_screen(ConfirmScreen(title, explanation, confirm=confirm), answered)

    async def _each(self, done: str, act: Callable[[Check], Awaitable[object]]) -> None:
        """`act` on every check at once (their writes share commits); says how many it was
        done to, and why not for the others."""
        outcomes = await asyncio.gather(*map(act, self._checks), return_exceptions=True)
        failed = [
            (check, outcome)
            for check, outcome in zip(self._checks, outcomes, strict=True)
            if isinstance(outcome, BaseException)
        ]
        self._done()
        self._app.notify(
            f"{counted(len(self._checks) - len(failed), 'check')} {done}.", title="Done"
        )
        if failed:
            check, error = failed[0]
            self._app.notify(
                f"{counted(len(failed), 'check')} not {done}: {check.name}: {error}",
                severity="error",
                timeout=15,
            )
