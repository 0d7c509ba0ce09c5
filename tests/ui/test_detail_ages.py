"""Every age on the check detail is written from one moment: the state's "since", the last
ping's age and the ping's row agree for the same instant, however the refreshes fall."""

from __future__ import annotations

import re
import time

from beatwatch.core.model import PingKind, PingRequest
from beatwatch.core.validation import CheckSpec
from beatwatch.ui.app import BeatwatchApp
from beatwatch.ui.widgets.row_table import RowTable
from tests.conftest import wait_for
from tests.ui.conftest import SIZE, open_detail
from tests.ui.test_detail_width import drawn


async def test_the_ping_row_ages_with_the_state_beside_it(service, tmp_path):
    check = await service.add_check(CheckSpec(name="pg dump", every_seconds=3600))
    sent_at = time.time()
    await service.record_ping(PingRequest(PingKind.SUCCESS, uuid=check.uuid, at=sent_at))
    now = [sent_at + 55]
    app = BeatwatchApp(service, run_engine=False, user_theme_dir=tmp_path, clock=lambda: now[0])
    async with app.run_test(size=SIZE) as pilot:
        await open_detail(app, pilot, check.id)
        pings = app.screen.query_one("#pings", RowTable)
        info = app.screen.query_one("#info")
        await wait_for(lambda: pings.row_count == 1)

        # Less than the pings' own reload interval: only the info's second tick redraws.
        now[0] = sent_at + 66
        await wait_for(lambda: "since 1m6s ago" in "".join(drawn(info)), what="".join(drawn(info)))

        def row_age() -> str:
            cell = str(pings.get_row_at(0)[pings.get_column_index("when")])
            return re.search(r"\((.+)\)", cell).group(1)

        await wait_for(lambda: row_age() == "1m6s ago", what=f"the row to age ({row_age()})")
