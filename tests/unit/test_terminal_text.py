"""The one rule for text that reaches a terminal: no control character a terminal would obey
ever comes out, each is shown by a visible stand-in, and printable text is left alone."""

from __future__ import annotations

import ast
import json
import tomllib
import unicodedata
from pathlib import Path

import tomli_w
from hypothesis import given
from hypothesis import strategies as st

from beatwatch.core import terminal_text as module
from beatwatch.core.terminal_text import escaped_exactly, terminal_text

BIDI_CONTROLS = [chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))]


def unsafe_characters() -> set[str]:
    return {ch for ch in map(chr, range(0x3000)) if terminal_text(ch) != ch}


def is_control(ch: str) -> bool:
    code = ord(ch)
    return code < 0x20 or 0x7F <= code <= 0x9F


# Text heavy in the characters that matter, mixed with anything else Unicode has.
hostile_text = st.text(
    st.sampled_from([*map(chr, range(0x20)), *map(chr, range(0x7F, 0xA0)), *BIDI_CONTROLS])
    | st.characters(codec="utf-8")
)


@given(hostile_text)
def test_one_line_output_holds_no_control_but_tab(text: str) -> None:
    shown = terminal_text(text)
    assert [ch for ch in shown if is_control(ch) and ch != "\t"] == []
    assert not set(shown) & set(BIDI_CONTROLS)


@given(hostile_text)
def test_multiline_output_holds_no_control_but_tab_and_newline(text: str) -> None:
    shown = terminal_text(text, multiline=True)
    assert [ch for ch in shown if is_control(ch) and ch not in "\t\n"] == []
    assert shown.count("\n") == text.count("\n")


@given(hostile_text, st.booleans())
def test_applying_it_twice_changes_nothing_more(text: str, multiline: bool) -> None:
    once = terminal_text(text, multiline=multiline)
    assert terminal_text(once, multiline=multiline) == once


@given(st.text(st.characters(codec="utf-8", categories=["L", "M", "N", "P", "S", "Zs"])))
def test_printable_text_is_left_as_it_is(text: str) -> None:
    assert terminal_text(text) == text


@given(hostile_text)
def test_nothing_but_the_unsafe_characters_changes(text: str) -> None:
    """Every character is kept or replaced by its own stand-in, in order: the safe ones that
    follow each other in `text` still do."""
    unsafe = unsafe_characters()
    safe_runs = "".join(ch if ch not in unsafe else "\0" for ch in text).split("\0")
    shown = terminal_text(text)
    position = 0
    for run in safe_runs:
        found = shown.find(run, position)
        assert found >= 0
        position = found + len(run)


def test_the_stand_ins_name_each_control() -> None:
    osc52 = "\x1b]52;c;aGVsbG8=\x1b\\"
    assert terminal_text(osc52) == "␛]52;c;aGVsbG8=␛\\"
    assert terminal_text("\x1b[2J") == "␛[2J"
    assert terminal_text("\x1b]0;title\x07") == "␛]0;title␇"
    assert terminal_text("progress 10%\rdone\x7f") == "progress 10%␍done␡"
    assert terminal_text("\x9b2J \x9d0;t\x9c") == "␛[2J ␛]0;t␛\\"
    assert terminal_text("abc\u202edef\u2066") == "abc<U+202E>def<U+2066>"
    assert terminal_text("a\u2028b") == "a<U+2028>b"


def test_newline_and_tab() -> None:
    assert terminal_text("two\nlines\tand a tab") == "two␊lines\tand a tab"
    assert terminal_text("two\nlines", multiline=True) == "two\nlines"
    assert terminal_text("crlf\r\n", multiline=True) == "crlf␍\n"


def test_the_stand_ins_are_printable() -> None:
    for ch in unsafe_characters():
        for part in terminal_text(ch):
            assert unicodedata.category(part)[0] in "LNPS", (hex(ord(ch)), part)


def test_it_is_pure() -> None:
    """It moves to a package that knows nothing above it: no beatwatch imports, no I/O."""
    tree = ast.parse(Path(module.__file__).read_text())
    nodes = list(ast.walk(tree))
    imported = {a.name for n in nodes if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module for n in nodes if isinstance(n, ast.ImportFrom)}
    assert imported <= {"__future__", "re"}


@given(
    st.recursive(
        st.none() | hostile_text, lambda kids: st.lists(kids) | st.dictionaries(hostile_text, kids)
    )
)
def test_json_stays_exact_and_holds_no_raw_control(value: object) -> None:
    document = escaped_exactly(json.dumps(value, indent=2, ensure_ascii=False))
    assert json.loads(document) == value
    assert terminal_text(document, multiline=True) == document


@given(st.dictionaries(hostile_text, hostile_text, max_size=4))
def test_toml_stays_exact_and_holds_no_raw_control(value: dict[str, str]) -> None:
    document = escaped_exactly(tomli_w.dumps({"table": value}))
    assert tomllib.loads(document) == {"table": value}
    assert terminal_text(document, multiline=True) == document
