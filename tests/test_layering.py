"""The layering is a rule, not an intention: the engine never imports the UI toolkit, and the
UI never reaches past the service layer to the database, the web server or Apprise."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "beatwatch"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def module_path(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.origin is not None, name
    return Path(spec.origin)


def modules_under(folder: str) -> list[Path]:
    return sorted((PACKAGE / folder).rglob("*.py"))


def offending(paths: list[Path], forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for path in paths:
        for name in imported_modules(path):
            if name.split(".")[0] in forbidden or name.startswith(forbidden):
                found.append(f"{path.relative_to(PACKAGE.parent)} imports {name}")
    return found


def test_engine_never_imports_textual_or_the_ui():
    assert modules_under("engine"), "the engine package is missing"
    assert offending(modules_under("engine"), ("textual", "beatwatch.ui", "rich")) == []


def test_ui_never_touches_storage_web_or_apprise():
    paths = modules_under("ui")
    if not paths:
        pytest.skip("no UI package")
    forbidden = (
        "sqlite3",
        "aiosqlite",
        "aiohttp",
        "apprise",
        "beatwatch.engine.apprise_sender",
        "beatwatch.store.database",
        "beatwatch.store.writer",
        "beatwatch.web.pings",
    )
    assert offending(paths, forbidden) == []


def test_pure_modules_do_no_io():
    pure = [
        module_path(name)
        for name in (
            "beatwatch.core.rules",
            "beatwatch.core.schedule",
            "beatwatch.core.healthchecks_fields",
        )
    ]
    assert offending(pure, ("asyncio", "sqlite3", "aiosqlite", "aiohttp", "socket")) == []


def test_the_cli_prints_only_through_its_terminal_safe_helpers():
    """cli/context.py's echo, print_table, print_facts and print_json apply the terminal-safe
    rule; a command printing past them could send stored text raw."""
    printing = []
    for path in modules_under("cli"):
        if path.name == "context.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                called = ast.unparse(node.func)
                if called in ("click.echo", "click.secho", "print", "sys.stdout.write"):
                    printing.append(f"{path.relative_to(PACKAGE.parent)}: {called}")
    assert printing == []
