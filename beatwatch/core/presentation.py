"""How states and schedules read to a person, for every interface: a symbol and a word, never
colour alone."""

from __future__ import annotations

from beatwatch.core.alert_text import counted as counted  # the alerts count the same way
from beatwatch.core.model import Schedule, State
from beatwatch.core.schedule import describe

STATE_SYMBOL = {
    State.NEW: "○",
    State.UP: "●",
    State.LATE: "◐",
    State.MISSED: "✖",
    State.FAILING: "✖",
    State.RUNNING: "▶",
    State.RUNNING_LONG: "▶",
    State.STUCK: "■",
    State.PAUSED: "‖",
}

STATE_WORD = {
    State.NEW: "new",
    State.UP: "up",
    State.LATE: "late",
    State.MISSED: "MISSED",
    State.FAILING: "FAILING",
    State.RUNNING: "running",
    State.RUNNING_LONG: "RUNNING LONG",
    State.STUCK: "STUCK",
    State.PAUSED: "paused",
}

# Worst first: the order the checks table and `check list` sort by.
STATE_RANK = {
    State.MISSED: 0,
    State.FAILING: 1,
    State.STUCK: 2,
    State.RUNNING_LONG: 3,
    State.LATE: 4,
    State.RUNNING: 5,
    State.NEW: 6,
    State.UP: 7,
    State.PAUSED: 8,
}


def state_label(state: State) -> str:
    return f"{STATE_SYMBOL[state]} {STATE_WORD[state]}"


def schedule_facts(schedule: Schedule) -> list[tuple[str, str]]:
    """A schedule as a detail lists it: in words, and a cron one also as typed."""
    facts = [("schedule", describe(schedule))]
    if schedule.cron is not None:
        facts.append(("cron", schedule.cron))
    return facts
