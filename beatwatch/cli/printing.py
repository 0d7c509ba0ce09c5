"""Every line the command line prints goes through here: what it shows may come from the
network or from a database an older version wrote, so no control character reaches the
terminal raw. Free of click, so that `beatwatch ping` and `run` can print before it loads."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NoReturn, TypeVar

from beatwatch.core.terminal_text import escaped_exactly, terminal_text

T = TypeVar("T")


def _write(text: str, *, err: bool = False) -> None:
    stream = sys.stderr if err else sys.stdout
    if stream is not None:  # none at all under pythonw or a closed descriptor
        stream.write(text)
        stream.flush()


def echo(text: str = "", *, err: bool = False, nl: bool = True) -> None:
    """Print `text` as every command prints: what it shows may come from the network or from a
    database an older version wrote, so no control character reaches the terminal raw."""
    _write(terminal_text(text, multiline=True) + ("\n" if nl else ""), err=err)


def fail(message: str, exit_code: int) -> NoReturn:
    """End the command with one line on stderr, as every error ends it."""
    echo(f"beatwatch: {message}", err=True)
    sys.exit(exit_code)


def print_json(data: Any) -> None:
    """`data` exactly, and yet safe on a terminal: JSON escapes C0 controls itself; the others
    are escaped here."""
    import json  # here: the pinger prints no JSON, and starts without it

    _write(escaped_exactly(json.dumps(data, indent=2, ensure_ascii=False)) + "\n")


def print_facts(facts: Sequence[tuple[str, str]]) -> None:
    """One labelled value a line, each value kept to its line."""
    facts = [(terminal_text(label), terminal_text(value)) for label, value in facts]
    width = max(len(label) for label, _ in facts)
    for label, value in facts:
        _write(f"{label.ljust(width)}  {value}\n")


def print_table(headers: list[str], rows: Iterable[list[str]]) -> None:
    rows = [[terminal_text(cell) for cell in row] for row in rows]
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)
    ]
    for line in [headers, *rows]:
        cells = (cell.ljust(w) for cell, w in zip(line, widths, strict=True))
        _write("  ".join(cells).rstrip() + "\n")


def print_listing(
    items: Sequence[T],
    *,
    as_json: bool,
    to_json: Callable[[T], Any],
    empty: str,
    headers: list[str],
    row: Callable[[T], list[str]],
) -> None:
    """What every list command prints: JSON, a friendly line when there is nothing, or a
    table of one row per item."""
    if as_json:
        print_json([to_json(item) for item in items])
    elif not items:
        echo(empty)
    else:
        print_table(headers, (row(item) for item in items))
