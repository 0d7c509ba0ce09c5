"""A ping that arrives after a deadline nobody has settled yet (the engine was stopped, or
the evaluator had not got to it) does not hide the deadline: the check is missed first, with
its alert, and then the ping brings it back up."""

from __future__ import annotations

import time
from functools import partial
from pathlib import Path

import pytest

from beatwatch.core.model import PingKind, PingRequest, State
from beatwatch.core.validation import CheckSpec, validate
from beatwatch.engine.check_edits import create_check
from beatwatch.engine.ingest import record_ping
from beatwatch.store.database import Store

EVERY, GRACE = 3600, 300


async def test_a_late_ping_settles_the_missed_deadline_first(tmp_path: Path) -> None:
    db = await Store.open(tmp_path / "data")
    try:
        start = time.time()
        spec = validate(CheckSpec(name="backup", every_seconds=EVERY, grace_seconds=GRACE))
        check = await db.write(partial(create_check, spec=spec, now=start))

        def ping(at: float) -> partial[object]:
            request = PingRequest(kind=PingKind.SUCCESS, uuid=check.uuid, at=at)
            return partial(record_ping, request=request, ping_key="key", cache=db.check_cache)

        await db.write(ping(start + 1))
        missed_at = start + 1 + EVERY + GRACE
        outcome = await db.write(ping(missed_at + 600))

        moves = [(t.from_state, t.to_state) for t in outcome.transitions]
        assert moves == [(State.UP, State.MISSED), (State.MISSED, State.UP)]
        assert outcome.transitions[0].at == pytest.approx(missed_at, abs=1e-3)
        [incident] = await db.incidents(open_only=False, limit=10)
        assert incident.state is State.MISSED
        assert incident.resolved_at == pytest.approx(missed_at + 600, abs=1e-3)
    finally:
        await db.close()
