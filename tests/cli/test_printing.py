"""The command line prints only through cli/printing.py's helpers, which apply the
terminal-safe rule: a command printing past them could send stored text raw."""

from __future__ import annotations

import ast
from pathlib import Path

CLI = Path(__file__).resolve().parents[2] / "beatwatch" / "cli"


def test_the_cli_prints_only_through_its_terminal_safe_helpers():
    """cli/printing.py's echo, print_table, print_facts and print_json apply the terminal-safe
    rule; a command printing past them could send stored text raw."""
    printing = []
    for path in sorted(CLI.rglob("*.py")):
        if path.name == "printing.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                called = ast.unparse(node.func)
                if called in (
                    "click.echo",
                    "click.secho",
                    "print",
                    "sys.stdout.write",
                    "sys.stderr.write",
                ):
                    printing.append(f"{path.relative_to(CLI.parent.parent)}: {called}")
    assert printing == []
