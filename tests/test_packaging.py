"""The wheel holds every package, the themes included."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_and_the_themes_are_listed_for_the_wheel() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "beatwatch").rglob("__init__.py")
    }
    assert set(config["packages"]) == on_disk | {"beatwatch.themes"}
    assert config["package-dir"]["beatwatch.themes"] == "themes"
    assert list((ROOT / "themes").glob("*.toml")), "no theme files to ship"
