"""Whether each check's alert would reach a person shows beside its state: held by its host's
maintenance, acknowledged, or told to nobody; the summary line counts them, and both follow
the setup live."""

from __future__ import annotations

import time

from beatwatch.core.model import PingKind, PingRequest
from beatwatch.core.validation import CheckSpec
from beatwatch.ui.app import BeatwatchApp
from beatwatch.ui.widgets.checks_table import ChecksTable
from beatwatch.ui.widgets.summary_line import SummaryLine
from tests.conftest import wait_for
from tests.ui.conftest import SIZE
from tests.ui.test_alert_screens import app_for, fail

# Nothing listens on port 9: a test message to it fails, and the channel shows as failing.
NOWHERE = "json://127.0.0.1:9/hook"


def alerts_cell(app: BeatwatchApp, check_id: int) -> str:
    return str(app.screen.query_one(ChecksTable).get_cell(str(check_id), "alerts"))


def summary(app: BeatwatchApp) -> str:
    return str(app.screen.query_one(SummaryLine).render())


async def test_held_acknowledged_and_nobody_told_show_on_the_row_and_the_summary(service, tmp_path):
    alerts = service.alerts
    await alerts.add_channel("ops", "json://127.0.0.1:9/ops", is_default=True)
    await alerts.add_channel("pager", NOWHERE)
    assert await alerts.test_channel("pager") is not None
    backup = await service.add_check(CheckSpec(name="backup", every_seconds=3600, host="db1"))
    dump = await service.add_check(CheckSpec(name="pg dump", every_seconds=3600))
    certbot = await service.add_check(
        CheckSpec(name="certbot", every_seconds=3600, channels=("pager",))
    )
    web = await service.add_check(CheckSpec(name="web", every_seconds=3600))
    await alerts.start_maintenance("db1", duration=3600)
    await fail(service, dump)
    [incident] = await alerts.incidents()
    await alerts.acknowledge(incident.id)

    app = app_for(service, tmp_path)
    async with app.run_test(size=SIZE):
        await wait_for(lambda: web.id in app.screen.query_one(ChecksTable).shown_ids)
        assert alerts_cell(app, backup.id) == "◇ held"
        assert alerts_cell(app, dump.id) == "✓ acked"
        assert alerts_cell(app, certbot.id) == "⊘ nobody"
        assert alerts_cell(app, web.id) == ""
        await wait_for(lambda: "⊘ 1 reach nobody" in summary(app))
        assert "◇ 1 held" in summary(app) and "✓ 1 acked" in summary(app)

        # The setup changes elsewhere, and the rows follow.
        await alerts.end_maintenance("db1")
        await wait_for(lambda: alerts_cell(app, backup.id) == "")
        await alerts.update_channel("pager", url="json://127.0.0.1:9/pager")
        await alerts.remove_channel("ops")
        await wait_for(lambda: alerts_cell(app, web.id) == "⊘ nobody")
        await wait_for(lambda: "⊘ 4 reach nobody" in summary(app))
        assert "held" not in summary(app)


async def test_the_alerts_column_takes_no_room_while_every_alert_reaches_someone(service, tmp_path):
    await service.alerts.add_channel("ops", "json://127.0.0.1:9/ops", is_default=True)
    check = await service.add_check(CheckSpec(name="backup", every_seconds=3600, host="db1"))
    app = app_for(service, tmp_path)
    async with app.run_test(size=SIZE):
        table = app.screen.query_one(ChecksTable)
        await wait_for(lambda: check.id in table.shown_ids)
        assert "Alerts" not in table.render_line(0).text
        await service.alerts.start_maintenance("db1", duration=600)
        await wait_for(lambda: "Alerts" in table.render_line(0).text)
        assert "◇ held" in table.render_line(1).text


async def test_only_a_transition_that_opens_or_closes_an_incident_reads_the_setup_again(
    service, tmp_path
):
    # A fleet taking its first pings flips thousands of checks from new to up: none of that
    # changes who would be told, and reading the setup again for each costs every row.
    await service.alerts.add_channel("ops", "json://127.0.0.1:9/ops", is_default=True)
    check = await service.add_check(CheckSpec(name="backup", every_seconds=3600))
    app = app_for(service, tmp_path)
    async with app.run_test(size=SIZE):
        table = app.screen.query_one(ChecksTable)
        await wait_for(lambda: check.id in table.shown_ids)
        await wait_for(lambda: not app.workers_in("facts"))
        seen = app.alerts_version
        await service.record_ping(PingRequest(PingKind.SUCCESS, uuid=check.uuid, at=time.time()))
        await wait_for(lambda: "up" in str(table.get_cell(str(check.id), "state")))
        assert app.alerts_version == seen
        await fail(service, check)
        await wait_for(lambda: app.alerts_version != seen)
