"""What an alert says. Pure: composes titles and Markdown bodies from a check and the facts.

Never the ping URL (it is the check's credential) and never a channel URL.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from beatwatch.core.counting import agreeing, counted
from beatwatch.core.model import Check, Ping, State
from beatwatch.core.rules import due_at, evaluate
from beatwatch.core.schedule import describe
from beatwatch.core.timefmt import format_duration, format_relative, long_time

OUTPUT_TAIL = 1500
# A job's output may echo its own ping URL (`set -x`, curl -v); the path after /ping/ is
# the credential, whatever its form or case.
_PING_PATH = re.compile(r"(/ping/)[^\s'\"<>`]+", re.IGNORECASE)
STATE_TITLE = {
    State.MISSED: "MISSED",
    State.FAILING: "FAILING",
    State.STUCK: "STUCK",
    State.RUNNING_LONG: "RUNNING LONG",
}


def _at(t: float, now: float) -> str:
    return f"{long_time(t)} ({format_relative(t, now)})"


def why(check: Check, last_failure: Ping | None, now: float, secrets: Iterable[str] = ()) -> str:
    """One or two sentences on what went wrong, for the alert and the incident list.

    Kept with the incident and repeated by escalations and reminders, so its times are
    absolute: "(5m ago)" would soon be wrong. `secrets` (the instance's ping key) are
    masked in a failure's output, as are the check's uuid and any ping URL."""
    state = check.state
    # From the rules, not from state_since: a change an edit caused is stamped with its time.
    due = due_at(check, evaluate(check, now)) or now
    if state is State.MISSED:
        if check.last_finish_at is None:
            since = f"it was created {long_time(check.created_at)}"
            return f"No ping since {since}; the first was due by {long_time(due)}."
        since = long_time(check.last_finish_at)
        return f"No ping since {since}; the next was due by {long_time(due)}."
    if state is State.FAILING:
        code = f" with exit code {check.last_exit_code}" if check.last_exit_code else ""
        streak = f" ({check.failure_streak} failures in a row)" if check.failure_streak > 1 else ""
        when = long_time(check.last_finish_at or now)
        text = f"The job reported failure{code} at {when}{streak}."
        output = (
            _output_tail(last_failure, [check.uuid, *secrets]) if last_failure is not None else ""
        )
        return f"{text}\n\nLast output:\n```\n{output}\n```" if output else text
    started = long_time(check.run_started_at) if check.run_started_at else "an unknown time"
    if state is State.STUCK:
        return (
            f"A run started {started} has not finished, "
            f"and the next run was due by {long_time(due)}."
        )
    if state is State.RUNNING_LONG:
        limit = format_duration(check.max_duration_seconds or 0)
        return f"A run started {started} is still going after its limit of {limit}."
    return f"The check is {state.value}."


def _output_tail(ping: Ping, secrets: Iterable[str]) -> str:
    text = _PING_PATH.sub(r"\1…", ping.body_text)
    for secret in secrets:
        text = re.sub(re.escape(secret), "…", text, flags=re.IGNORECASE)
    text = text[-OUTPUT_TAIL:].strip()
    return text.replace("```", "'''")


def details(check: Check, now: float) -> str:
    lines = [
        f"- Schedule: {describe(check.schedule)}, grace {format_duration(check.grace_seconds)}"
    ]
    if check.host:
        lines.append(f"- Host: {check.host}")
    if check.tags:
        lines.append(f"- Tags: {', '.join(check.tags)}")
    last = _at(check.last_ping_at, now) if check.last_ping_at else "never"
    lines.append(f"- Last ping: {last}")
    if check.description:
        lines.append(f"- About: {check.description}")
    return "\n".join(lines)


def alert(check: Check, reason: str, now: float, prefix: str = "") -> tuple[str, str]:
    title = f"{prefix}{check.name} is {STATE_TITLE.get(check.state, check.state.value.upper())}"
    return title, f"{reason}\n\n{details(check, now)}"


def recovery(check: Check, was: State, bad_for: float, now: float) -> tuple[str, str]:
    state = "UP" if check.state is State.UP else check.state.value.upper()
    title = f"{check.name} is {state} again"
    body = (
        f"It was {STATE_TITLE.get(was, was.value)} for {format_duration(bad_for)}; "
        f"the last ping came {_at(check.last_ping_at or now, now)}.\n\n{details(check, now)}"
    )
    return title, body


def digest(held: list[tuple[str, str]]) -> tuple[str, str]:
    """One message for a channel's held storm messages, given as (kind, title) pairs."""
    recovered = sum(kind == "recovery" for kind, _ in held)
    went_bad = len(held) - recovered
    if not went_bad:  # good news must not read like an alarm
        verb = agreeing(recovered, "is", "are")
        title = f"Mass recovery: {counted(recovered, 'more check')} {verb} back"
    else:
        title = f"Alert storm: {counted(went_bad, 'more check')} went bad"
        title += f", {recovered} recovered" if recovered else ""
    titles = [title for _, title in held]
    shown = titles[:100]
    lines = [f"- {t}" for t in shown]
    if len(titles) > len(shown):
        lines.append(f"- … and {len(titles) - len(shown)} more")
    what = "went bad" if not recovered else "came back" if not went_bad else "changed state"
    intro = (
        f"So many checks {what} at once that single messages were held back (often the "
        "monitor or the network was down). Each is listed below; details are in beatwatch."
    )
    return title, intro + "\n\n" + "\n".join(lines)


def test_message() -> tuple[str, str]:
    return (
        "beatwatch test message",
        "This channel works: beatwatch can reach you here when a job stops checking in.",
    )
