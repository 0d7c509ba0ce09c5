"""Every snippet, the badges among them, is shown in the check detail under its own tab and
copied by `s` exactly as `check show --snippets` prints it."""

from __future__ import annotations

from textual.widgets import TabbedContent

from beatwatch.core.snippets import SNIPPETS
from beatwatch.core.validation import CheckSpec
from beatwatch.ui.app import BeatwatchApp
from tests.conftest import wait_for
from tests.ui.conftest import SIZE, open_detail


async def test_each_snippet_is_shown_and_copied(service, tmp_path):
    check = await service.add_check(
        CheckSpec(name="backup", cron="30 2 * * 1-5", tz="Europe/Berlin", tags=("prod",))
    )
    links = await service.links(check)
    app = BeatwatchApp(service, run_engine=False, user_theme_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_detail(app, pilot, check.id)
        tabs = app.screen.query_one("#snippets", TabbedContent)
        badges = app.screen.query_one("#code-badges")
        await wait_for(lambda: links.badge_url in str(badges.render()))

        for snippet in SNIPPETS:
            expected = snippet.render(links, check)
            tabs.active = f"snippet-{snippet.key}"
            await pilot.pause()
            await pilot.press("s")
            copied = lambda expected=expected: app.clipboard == expected  # noqa: E731
            await wait_for(copied, what=f"{snippet.title} copied")
            shown = str(app.screen.query_one(f"#code-{snippet.key}").render())
            assert shown.strip() == expected.strip()
        assert {s.key for s in SNIPPETS} >= {"run", "slug", "python", "powershell", "github"}
