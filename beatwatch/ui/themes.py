"""Themes as TOML data files: the built-in ones ship in the `beatwatch.themes` package, a user's
own go in `<user config dir>/themes/*.toml`. A file that cannot be used is reported (file and
problem) and skipped; it never stops the UI from starting.

A theme file holds Textual's theme fields and a `[variables]` table with the state colours:

    name = "my-theme"
    primary = "#5fa8d3"
    background = "#15181d"
    [variables]
    status-missed = "#ff6b6b"
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

import platformdirs
from textual.color import Color, ColorParseError
from textual.theme import Theme

from beatwatch.config import APP
from beatwatch.core.errors import ThemeFileError
from beatwatch.core.model import State

DEFAULT_THEME = "beatwatch-dark"
_COLOUR_FIELDS = (
    "primary",
    "secondary",
    "warning",
    "error",
    "success",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
)
_OTHER_FIELDS = {"name": str, "dark": bool, "luminosity_spread": float, "text_alpha": float}


def state_variable(state: State) -> str:
    """The theme variable that colours a state: State.RUNNING_LONG -> "status-running-long"."""
    return f"status-{state.value.replace('_', '-')}"


# Used for any state colour a theme leaves out.
STATE_COLOUR_DEFAULTS = {
    state_variable(State.UP): "#7fbf7f",
    state_variable(State.NEW): "#8a94a6",
    state_variable(State.LATE): "#e5c07b",
    state_variable(State.MISSED): "#ff6b6b",
    state_variable(State.FAILING): "#ff6b6b",
    state_variable(State.RUNNING): "#5fa8d3",
    state_variable(State.RUNNING_LONG): "#f2a65a",
    state_variable(State.STUCK): "#d08cff",
    state_variable(State.PAUSED): "#6b7280",
}


@dataclass(frozen=True, slots=True)
class LoadedThemes:
    themes: list[Theme]
    problems: list[ThemeFileError]


def user_theme_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP)) / "themes"


def theme_from_toml(text: str, origin: str) -> Theme:
    """A Theme from a TOML document; ThemeFileError names what is wrong."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ThemeFileError(origin, f"not valid TOML ({exc})") from None
    fields: dict[str, object] = {}
    for key, value in data.items():
        if key == "variables":
            fields["variables"] = _variables(value, origin)
        elif key in _COLOUR_FIELDS:
            fields[key] = _colour(key, value, origin)
        elif key in _OTHER_FIELDS:
            kind = _OTHER_FIELDS[key]
            if kind is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            if not isinstance(value, kind):
                raise ThemeFileError(origin, f"{key} must be a {kind.__name__}")
            fields[key] = value
        else:
            known = ", ".join([*_OTHER_FIELDS, *_COLOUR_FIELDS, "variables"])
            raise ThemeFileError(origin, f"unknown key {key!r} (known: {known})")
    for required in ("name", "primary"):
        if required not in fields:
            raise ThemeFileError(origin, f"the {required!r} key is missing")
    return Theme(**fields)  # type: ignore[arg-type]


def _colour(key: str, value: object, origin: str) -> str:
    if not isinstance(value, str):
        raise ThemeFileError(origin, f'{key} must be a colour string such as "#5fa8d3"')
    try:
        Color.parse(value)
    except ColorParseError:
        raise ThemeFileError(origin, f"{key} = {value!r} is not a colour") from None
    return value


def _variables(value: object, origin: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ThemeFileError(origin, "[variables] must be a table of name = value")
    variables = {}
    for name, setting in value.items():
        if not isinstance(setting, str):
            raise ThemeFileError(origin, f"variable {name} must be a string")
        if name in STATE_COLOUR_DEFAULTS:
            _colour(name, setting, origin)
        variables[name] = setting
    return variables


def _load_folder(files: list[Traversable] | list[Path], loaded: LoadedThemes) -> None:
    for file in sorted(files, key=lambda f: f.name):
        try:
            loaded.themes.append(theme_from_toml(file.read_text(encoding="utf-8"), str(file)))
        except ThemeFileError as exc:
            loaded.problems.append(exc)
        except (OSError, UnicodeDecodeError) as exc:
            loaded.problems.append(ThemeFileError(str(file), f"cannot be read ({exc})"))


def _builtin_files() -> list[Traversable]:
    folder: Traversable
    try:
        folder = resources.files("beatwatch.themes")
    except ModuleNotFoundError:
        # An editable install that maps only the `beatwatch` package: the theme files are then
        # in the source checkout, next to the package.
        folder = Path(__file__).resolve().parents[2] / "themes"
    return [f for f in folder.iterdir() if f.name.endswith(".toml")]


def load_themes(user_dir: Path | None = None) -> LoadedThemes:
    """The built-in themes, then the user's (a user theme may replace a built-in one by name)."""
    loaded = LoadedThemes([], [])
    _load_folder(_builtin_files(), loaded)
    folder = user_theme_dir() if user_dir is None else user_dir
    if folder.is_dir():
        _load_folder(sorted(folder.glob("*.toml")), loaded)
    return loaded
