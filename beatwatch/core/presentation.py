"""How states and schedules read to a person, for every interface: a symbol and a word, never
colour alone."""

from __future__ import annotations

from functools import cache

from beatwatch.core.counting import counted as counted  # every interface counts one way
from beatwatch.core.model import Schedule, State
from beatwatch.core.reach import Reach
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


# What stands between a check's alert and a person, shown beside its state.
REACH_SYMBOL = {Reach.NOBODY: "⊘", Reach.HELD: "◇", Reach.ACKNOWLEDGED: "✓"}
# As a row's cell, under the header "Alerts": "⊘ nobody", "◇ held".
REACH_WORD = {Reach.NOBODY: "nobody", Reach.HELD: "held", Reach.ACKNOWLEDGED: "acked"}
# As a count among the states: "⊘ 3 reach nobody".
REACH_COUNTED = {**REACH_WORD, Reach.NOBODY: "reach nobody"}


def reach_parts(reach: Reach) -> list[tuple[Reach, str]]:
    """Each flag of `reach` with its symbol and word, the most telling first."""
    return [
        (flag, f"{REACH_SYMBOL[flag]} {REACH_WORD[flag]}") for flag in REACH_SYMBOL if flag in reach
    ]


@cache  # one per combination of flags: the TUI's filter reads it for every check per key
def reach_label(reach: Reach) -> str:
    """The flags as a cell shows them ("⊘ nobody ◇ held"); empty if the alert reaches someone."""
    return " ".join(part for _, part in reach_parts(reach))


def schedule_facts(schedule: Schedule) -> list[tuple[str, str]]:
    """A schedule as a detail lists it: in words, and a cron one also as typed."""
    facts = [("schedule", describe(schedule))]
    if schedule.cron is not None:
        facts.append(("cron", schedule.cron))
    return facts


def unknown_pings_summary(total: int, shown: int) -> str:
    """The line over the pings that matched no check, the CLI's and the UI's alike."""
    if not total:
        return "Every ping so far has matched a check."
    matched = f"{counted(total, 'ping')} matched no check so far"
    if shown == total:
        listed = {1: "it is below", 2: "both are below"}.get(total, f"all {total} are below")
    else:
        listed = f"the latest {shown} are below"
    return f"{matched}; {listed}."
