"""A check as a row of the checks table, and back.

Rows are read by position and the JSON lists are decoded once per distinct text, because
reading checks sits on the ping path and on every fleet listing. Updates write only the
columns that changed, so a ping does not rewrite the uuid, slug and name indexes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import fields
from functools import lru_cache
from typing import Any

from beatwatch.core.model import AlertType, Check, PingKind, Schedule, State
from beatwatch.core.timefmt import within_calendar
from beatwatch.store.connection import Connection, Row, row_lock

CHECK_COLUMNS = (
    "id, uuid, name, slug, every_seconds, cron, tz, grace_seconds, max_duration_seconds, host, "
    "tags, description, alerts, channels, failure_threshold, created_at, clock_start, paused_at, "
    "paused_until, last_ping_at, last_finish_at, last_finish_kind, last_exit_code, last_duration, "
    "failure_streak, run_started_at, state, state_since, next_change_at, alerted_state, "
    "escalation_channels, escalate_after_seconds, remind_every_seconds, escalation_policy, "
    "last_ping_number"
)


@lru_cache(maxsize=1024)
def _names(text: str) -> tuple[str, ...]:
    return tuple(json.loads(text))


@lru_cache(maxsize=64)
def _alert_types(text: str) -> frozenset[AlertType]:
    return frozenset(AlertType(a) for a in json.loads(text))


def check_from_row(r: Row | tuple[Any, ...]) -> Check:
    """A check from a row selected as CHECK_COLUMNS."""
    return Check(
        id=r[0],
        uuid=r[1],
        name=r[2],
        slug=r[3],
        schedule=Schedule(r[4], r[5], r[6]),
        grace_seconds=r[7],
        max_duration_seconds=r[8],
        host=r[9],
        tags=_names(r[10]),
        description=r[11],
        alerts=_alert_types(r[12]),
        channels=_names(r[13]),
        failure_threshold=r[14],
        created_at=r[15],
        clock_start=r[16],
        paused_at=r[17],
        paused_until=within_calendar(r[18]),
        last_ping_at=r[19],
        last_finish_at=r[20],
        last_finish_kind=PingKind(r[21]) if r[21] else None,
        last_exit_code=r[22],
        last_duration=r[23],
        failure_streak=r[24],
        run_started_at=r[25],
        state=State(r[26]),
        state_since=r[27],
        next_change_at=within_calendar(r[28]),
        alerted_state=State(r[29]) if r[29] else None,
        escalation_channels=_names(r[30]),
        escalate_after_seconds=r[31],
        remind_every_seconds=r[32],
        escalation_policy=r[33],
        last_ping_number=r[34],
    )


def load_check_by(conn: Connection, column: str, value: str) -> Check | None:
    assert column in ("uuid", "slug", "name")
    row = conn.execute(
        f"SELECT {CHECK_COLUMNS} FROM checks WHERE {column} = ?{row_lock(conn)}", (value,)
    ).fetchone()
    return check_from_row(row) if row else None


def _json_list(value: Iterable[str]) -> str:
    return json.dumps(list(value))


def _optional_value(value: PingKind | State | None) -> str | None:
    return value.value if value is not None else None


# How a field that is not stored as it is becomes its column's value.
_ENCODERS: dict[str, Callable[[Any], Any]] = {
    "tags": _json_list,
    "alerts": lambda alerts: json.dumps(sorted(a.value for a in alerts)),
    "channels": _json_list,
    "escalation_channels": _json_list,
    "last_finish_kind": _optional_value,
    "state": lambda state: state.value,
    "alerted_state": _optional_value,
}
_FIELDS = tuple(f.name for f in fields(Check))


def _differing_fields(names: tuple[str, ...]) -> Callable[[Check, Check], list[str]]:
    """A function naming those of `names` whose values differ between two checks. It is
    written out as straight-line attribute reads, as dataclasses writes __eq__: Python
    specializes each read of a slot, where attrgetter and a loop over indexes cost three
    times as much, on every ping. A copy made by Check.evolve shares its unchanged values
    with the original: the identity test skips them without calling a dataclass's or a
    frozenset's __eq__."""
    lines = ["def differing(new, old):", "    names = []"]
    for name in names:
        lines.append(f"    if new.{name} is not old.{name} and new.{name} != old.{name}:")
        lines.append(f"        names.append({name!r})")
    lines.append("    return names")
    namespace: dict[str, Any] = {}
    exec("\n".join(lines), namespace)  # the names are the dataclass's own fields
    return namespace["differing"]


_differing = _differing_fields(_FIELDS)


def _columns(check: Check, names: Iterable[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in names:
        value = getattr(check, name)
        if name == "schedule":
            values.update(every_seconds=value.every_seconds, cron=value.cron, tz=value.tz)
        else:
            encode = _ENCODERS.get(name)
            values[name] = encode(value) if encode else value
    return values


def check_values(check: Check) -> dict[str, Any]:
    """Every column of a check's row, by name."""
    return _columns(check, _FIELDS)


def changed_values(check: Check, stored: Check) -> dict[str, Any]:
    """The columns whose values differ between `check` and the row `stored` was read from."""
    return _columns(check, _differing(check, stored))


def update_check(conn: Connection, check: Check, stored: Check) -> None:
    """Write the columns in which `check` differs from `stored`, the check as last read."""
    update_checks(conn, [(check, stored)])


def update_checks(conn: Connection, changes: Iterable[tuple[Check, Check]]) -> None:
    """update_check for each (check, stored) pair: the rows whose changed columns are the
    same are written by one statement run over them all. The ids of the rows written are
    told to the connection's listener, if it has one (SQLiteConnection)."""
    rows_by_columns: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
    written = []
    for check, stored in changes:
        values = changed_values(check, stored)
        if values:
            rows_by_columns.setdefault(tuple(values), []).append((*values.values(), check.id))
            written.append(check.id)
    for columns, rows in rows_by_columns.items():
        conn.executemany(_update_check_sql(columns), rows)
    listener = getattr(conn, "check_rows_written", None)
    if listener is not None and written:
        listener(written)


@lru_cache(maxsize=256)
def _update_check_sql(columns: tuple[str, ...]) -> str:
    # A ping changes the same few columns each time: the text, built once, also finds
    # sqlite3's cached statement at once.
    return f"UPDATE checks SET {', '.join(f'{c} = ?' for c in columns)} WHERE id = ?"
