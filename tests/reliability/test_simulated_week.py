"""A week of a fleet through the real engine on a virtual clock, against an oracle written
from SPEC.md: every due miss alerts once at its due time, nothing alerts without one, one
recovery per alerted bad spell, maintenance holds exactly within its windows (DST nights
included), the storm guard's bounds hold, and nothing is lost or sent twice across engine
restarts and flaky channels."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.reliability.simulation import compare, scenario, simulate

# Berlin falls back on 2026-10-25 and New York on 2026-11-01; Lord Howe springs forward on
# 2026-10-04.
WEEKS = {  # start, days, checks
    "berlin-and-new-york-fall-back": (datetime(2026, 10, 24, 12, tzinfo=UTC), 8.5, 120),
    "lord-howe-springs-forward": (datetime(2026, 10, 2, 12, tzinfo=UTC), 3.5, 80),
}


@pytest.mark.parametrize("week", WEEKS)
async def test_a_simulated_week_matches_the_oracle(week: str, tmp_path: Path) -> None:
    start, days, checks = WEEKS[week]
    drawn = scenario(seed=21, start=start.timestamp(), days=days, checks=checks)
    report = compare(drawn, await simulate(drawn, tmp_path))
    print(report.line())
    assert report.false == []
    assert report.missed == []
    assert report.duplicate == []
    assert report.mistimed == []
    assert report.undelivered == []
    assert report.twice_delivered == []
    assert report.storm_excess == []
    assert report.sent > 0 and report.failed_sends > 0
