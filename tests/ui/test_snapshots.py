"""SVG snapshots: the main screens rendered from the real app on the demo fleet, at a fixed
moment and size, must match the committed ones in tests/ui/snapshots/. After a deliberate
change to the UI, `python tests/ui/export_screenshots.py --snapshots` writes the new ones
(look at them before committing)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ui.export_screenshots import SCENES, SNAPSHOT_DIR, THEMED, focused_form, render

# The screens whose content is fixed by the demo data alone (the channels screen shows the
# outcome of a real delivery attempt, so it is left to the screenshot command).
SNAPSHOTS = [
    "checks",
    "check-detail",
    "checks-needing-action",
    "ping-history",
    "incidents",
    "hosts",
    "rotations",
]


@pytest.mark.parametrize("name", SNAPSHOTS)
async def test_the_screen_matches_its_snapshot(name: str, tmp_path: Path) -> None:
    same_as_snapshot(name, await render(SCENES[name]), tmp_path)


@pytest.mark.parametrize("name", THEMED)
async def test_the_form_reads_in_every_shipped_theme(name: str, tmp_path: Path) -> None:
    same_as_snapshot(name, await render(focused_form, THEMED[name]), tmp_path)


def same_as_snapshot(name: str, rendered: str, tmp_path: Path) -> None:
    if rendered != (SNAPSHOT_DIR / f"{name}.svg").read_text(encoding="utf-8"):
        (tmp_path / f"{name}.svg").write_text(rendered, encoding="utf-8")
        pytest.fail(
            f"tests/ui/snapshots/{name}.svg differs from the screen as it renders now "
            f"({tmp_path / f'{name}.svg'}); if the change is meant, run "
            "python tests/ui/export_screenshots.py --snapshots"
        )
