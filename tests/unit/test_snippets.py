"""The crontab snippet runs the job when the check expects it."""

from __future__ import annotations

from beatwatch.ui.snippets import crontab
from tests.unit.factory import cron, every, make_check

URL = "http://mon:8000/ping/0c6f4d2e-5b7a-4e1f-9a3b-2c8d7e6f5a4b"


def test_a_cron_check_in_a_zone_sets_cron_tz_before_its_line() -> None:
    snippet = crontab(URL, make_check(cron("0 3 * * *", "Europe/Berlin")))

    lines = snippet.splitlines()
    assert lines.index("CRON_TZ=Europe/Berlin") < next(
        n for n, line in enumerate(lines) if line.startswith("0 3 * * *")
    )
    assert "Debian's cron does not" in snippet


def test_an_interval_check_needs_no_zone() -> None:
    snippet = crontab(URL, make_check(every(3600)))

    assert "CRON_TZ" not in snippet
    assert "0 * * * *  /usr/local/bin/nightly-backup.sh && curl -fsS" in snippet
