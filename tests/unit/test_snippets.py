"""The crontab snippet runs the job when the check expects it."""

from __future__ import annotations

from dataclasses import replace

from beatwatch.core.snippets import Links, badges, crontab, github_actions
from tests.unit.factory import cron, every, make_check

LINKS = Links(
    ping_url="http://mon:8000/ping/0c6f4d2e-5b7a-4e1f-9a3b-2c8d7e6f5a4b",
    slug_url="http://mon:8000/ping/key/nightly-backup",
    badge_url="http://mon:8000/badge/key.svg",
)


def test_a_cron_check_in_a_zone_sets_cron_tz_before_its_line() -> None:
    snippet = crontab(LINKS, make_check(cron("0 3 * * *", "Europe/Berlin")))

    lines = snippet.splitlines()
    assert lines.index("CRON_TZ=Europe/Berlin") < next(
        n for n, line in enumerate(lines) if line.startswith("0 3 * * *")
    )
    assert "Debian's cron does not" in snippet


def test_an_interval_check_needs_no_zone() -> None:
    snippet = crontab(LINKS, make_check(every(3600)))

    assert "CRON_TZ" not in snippet
    assert "0 * * * *  /usr/local/bin/nightly-backup.sh && curl -fsS" in snippet


def test_a_cron_check_in_a_zone_is_told_that_github_reads_utc() -> None:
    snippet = github_actions(LINKS, make_check(cron("30 2 * * 1-5", "Europe/Berlin")))

    assert '- cron: "30 2 * * 1-5"' in snippet
    assert "the check expects Europe/Berlin: write the times in UTC" in snippet


def test_the_badges_snippet_has_each_tags_badge() -> None:
    links = replace(LINKS, tag_badges=(("prod", "http://mon:8000/badge/k/prod.svg"),))

    snippet = badges(links, make_check(every(3600)))

    assert "![Nightly backup](http://mon:8000/badge/key.svg)" in snippet
    assert "![prod](http://mon:8000/badge/k/prod.svg)" in snippet
    assert LINKS.ping_url not in snippet
