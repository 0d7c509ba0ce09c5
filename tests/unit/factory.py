"""Checks built directly from the model, with times given as UTC wall clock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from beatwatch.core.model import Check, PingKind, Schedule

MINUTE = 60
HOUR = 3600
DAY = 86400
GRACE = 5 * MINUTE


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> float:
    """Epoch seconds of a UTC wall-clock time."""
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC).timestamp()


# Creation time of the checks below, unless a test says otherwise.
CREATED = utc(2026, 1, 5, 12)


def every(seconds: int) -> Schedule:
    return Schedule(every_seconds=seconds)


def cron(expr: str, tz: str = "UTC") -> Schedule:
    return Schedule(cron=expr, tz=tz)


HOURLY = every(HOUR)


def make_check(
    schedule: Schedule = HOURLY,
    grace: int = GRACE,
    *,
    created_at: float = CREATED,
    **fields: Any,
) -> Check:
    """A check as the store would hand it over; `fields` are any other `Check` fields."""
    fields.setdefault("clock_start", created_at)
    return Check(
        id=1,
        uuid="0f8fad5b-d9cb-469f-a165-70867728950e",
        name="Nightly backup",
        slug="nightly-backup",
        schedule=schedule,
        grace_seconds=grace,
        created_at=created_at,
        **fields,
    )


def finished(at: float, kind: PingKind = PingKind.SUCCESS) -> dict[str, Any]:
    """The fields a finish ping at `at` leaves on a check."""
    return {"last_ping_at": at, "last_finish_at": at, "last_finish_kind": kind}
