"""The log screen's lines: each state change once, however often it is seen."""

from __future__ import annotations

from beatwatch.core.model import Check, State
from beatwatch.core.timefmt import short_time
from beatwatch.ui.event_log import EventLog
from tests.unit.factory import CREATED, HOUR, make_check

PAUSED_AT = CREATED + HOUR


def texts(log: EventLog) -> list[str]:
    return [entry.text for entry in log.entries]


def paused(check: Check, until: float | None = None) -> Check:
    return check.evolve(
        state=State.PAUSED, state_since=PAUSED_AT, paused_at=PAUSED_AT, paused_until=until
    )


def test_a_change_seen_as_an_event_and_in_a_reload_is_logged_once() -> None:
    log = EventLog()
    before = make_check().evolve(name="backup")
    after = paused(before)

    log.state_changed(after, State.NEW, State.PAUSED, PAUSED_AT)
    log.states_changed_elsewhere({before.id: before}, [after])

    assert texts(log) == ["backup: ○ new → ‖ paused"]
    assert log.count == 1


def test_a_pause_until_a_time_says_until_when() -> None:
    log = EventLog()
    before = make_check().evolve(name="backup")
    until = PAUSED_AT + 2 * HOUR

    log.states_changed_elsewhere({before.id: before}, [paused(before, until)])

    assert texts(log) == [f"backup: ○ new → ‖ paused until {short_time(until)}"]


def test_a_read_older_than_what_is_known_is_no_change() -> None:
    log = EventLog()
    known = paused(make_check().evolve(name="backup"))
    stale = make_check().evolve(name="backup")  # read before this process paused it

    log.states_changed_elsewhere({known.id: known}, [stale])

    assert texts(log) == []
