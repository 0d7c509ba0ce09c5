"""Simulation: a month of a fleet through the real engine on a virtual clock, against the oracle.

The fleet of tests/reliability/simulation.py (interval and cron checks in Europe/Berlin,
America/New_York and Australia/Lord_Howe, jitter, skipped and failing runs, start/finish
runs, maintenance windows, outages, two engine restarts, checks edited mid-run, escalation,
reminders, acknowledgements, channels failing a tenth to a fifth of their sends) runs from
3 October to 1 November 2026, over every zone's DST change. Every message the engine decided
is set against the oracle's: false, missed, duplicate and mistimed ones should all be 0,
and the lag from due time to decision 0 s (beyond engine downtime, which the oracle counts).
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime

from tests.bench.common import Figure, Scale, at_most, info, scratch_dir
from tests.reliability.simulation import compare, scenario, simulate

# Lord Howe springs forward on 3 October at 15:30 UTC, Berlin falls back on 25 October and
# New York on 1 November at 06:00 UTC; under 30 days, as delivered messages are kept 30.
START = datetime(2026, 10, 3, tzinfo=UTC)
SEED = 21


def run(scale: Scale) -> list[Figure]:
    checks, days = scale.pick(500, 100), scale.pick(29.5, 7)
    drawn = scenario(seed=SEED, start=START.timestamp(), days=days, checks=checks)
    # Failed sends are the point here; a warning for each would bury the figures.
    logging.getLogger("beatwatch").setLevel(logging.ERROR)
    started = time.monotonic()
    with scratch_dir("simulate") as data_dir:
        report = compare(drawn, asyncio.run(simulate(drawn, data_dir)))
    took = time.monotonic() - started
    print(f"  {report.line()}")
    for what, found in (("false", report.false), ("missed", report.missed)):
        for told in found[:5]:
            print(f"  {what}: {told}")
    lost = len(report.undelivered) + len(report.twice_delivered)
    return [
        info("checks", report.checks, "checks", f"{days} days from {START:%Y-%m-%d}"),
        info("pings recorded", report.pings, "pings"),
        info("messages expected by the oracle", report.expected, "messages"),
        info("messages the engine decided", report.decided, "messages"),
        info("sends that got through", report.sent, "sends", f"{report.failed_sends} failed"),
        at_most("false (decided, not expected)", len(report.false), "messages", 0),
        at_most("missed (expected, not decided)", len(report.missed), "messages", 0),
        at_most("duplicate", len(report.duplicate), "messages", 0),
        at_most("mistimed or wrongly held", len(report.mistimed), "messages", 0),
        at_most("lost or sent twice", lost, "messages", 0),
        at_most("storm guard exceeded", len(report.storm_excess), "times", 0),
        at_most("lag p99, due time to decision", report.lag_p99, "s", 0),
        info("simulated days per real minute", days / took * 60, "days"),
    ]
