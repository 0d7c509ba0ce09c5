"""The counts the summary line and the banner show, kept as checks change, always agree with
counting the whole fleet again."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace

from beatwatch.core.model import Channel, Check, MaintenanceWindow, PingKind, State
from beatwatch.core.reach import AlertFacts, Reach
from beatwatch.ui.fleet import Fleet
from tests.unit.factory import CREATED, HOUR, make_check

HOSTS = (None, "db1", "db2")
CHANNEL_LISTS = ((), ("ops",), ("dead",))


def counted_again(fleet: Fleet) -> tuple[dict[State, int], dict[Reach, int], int]:
    states = Counter(e.state for e in fleet.evaluations.values())
    flags = Counter(flag for reach in fleet.reach.values() for flag in reach)
    unheard = sum(
        1
        for check_id, reach in fleet.reach.items()
        if Reach.NOBODY in reach and fleet.evaluations[check_id].state.is_bad
    )
    return dict(states), dict(flags), unheard


def random_check(rng: random.Random, now: float) -> Check:
    pinged = rng.choice([None, now - rng.uniform(0, 3 * HOUR)])
    kind = rng.choice([PingKind.SUCCESS, PingKind.FAIL]) if pinged else None
    check = make_check(
        created_at=rng.choice([CREATED, now]),
        host=rng.choice(HOSTS),
        channels=rng.choice(CHANNEL_LISTS),
        last_ping_at=pinged,
        last_finish_at=pinged,
        last_finish_kind=kind,
        failure_streak=1 if kind is PingKind.FAIL else 0,
        paused_at=now if rng.random() < 0.1 else None,
    )
    return replace(check, id=rng.randint(1, 30))


def random_facts(rng: random.Random, now: float) -> AlertFacts:
    channels = (
        Channel(1, "ops", "json://localhost", rng.random() < 0.5, (), CREATED, rng.random() < 0.3),
        Channel(2, "dead", "json://localhost", False, (), CREATED, failing=True),
    )
    windows = tuple(
        MaintenanceWindow(n, host, "upgrade", CREATED, now - HOUR, now + rng.uniform(0, HOUR))
        for n, host in enumerate(rng.sample(["db1", "db2"], rng.randint(0, 2)))
    )
    acknowledged = frozenset(rng.sample(range(1, 31), 5))
    return AlertFacts(channels=channels, windows=windows, acknowledged=acknowledged)


def test_the_kept_counts_match_a_recount_through_every_kind_of_change():
    rng = random.Random(7)
    fleet = Fleet()
    now = CREATED + 2 * HOUR
    seen: set[State | Reach] = set()
    for _ in range(3000):
        step = rng.random()
        if step < 0.6:
            fleet.upsert(random_check(rng, now), now)
        elif step < 0.7:
            fleet.remove(rng.randint(1, 30))
        elif step < 0.8:
            fleet.set_facts(random_facts(rng, now), now)
        else:
            now += rng.uniform(0, HOUR)
            fleet.advance(now)
        states, flags, unheard = counted_again(fleet)
        assert fleet.counts() == states
        assert fleet.reach_counts() == flags
        assert fleet.unheard_in_trouble() == unheard
        seen.update(states, flags)
    # The walk went through every state and flag the counts know of.
    assert seen >= {
        *Reach,
        State.NEW,
        State.UP,
        State.MISSED,
        State.FAILING,
        State.PAUSED,
    }
