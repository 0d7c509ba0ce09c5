"""Text from outside made safe to show on a terminal, in a log line or in an SVG.

A ping body, a user agent or a name stored by an older version may hold control characters: a
terminal obeys them (OSC 52 writes the clipboard, CSI 2 J clears the screen, a CR overwrites
the line), and bidi overrides reorder what is read. Each becomes a visible stand-in instead:

- C0 controls and DEL show as their Unicode Control Pictures (ESC as ␛, CR as ␍, DEL as ␡):
  one cell each, and a reader sees exactly which control was there.
- C1 controls (U+0080-U+009F) show as the ESC sequence ECMA-48 defines them to mean: U+009B
  (CSI) as ␛[, U+009D (OSC) as ␛].
- Bidi embeddings, overrides and isolates, and the Unicode line and paragraph separators,
  show as <U+202E>: they have no picture, and hidden they can reorder or break a line.

Tab always stays, and newline stays where the text is meant to span lines (`multiline`).
Nothing here does I/O or imports the rest of beatwatch.
"""

from __future__ import annotations

import re

_C0 = range(0x00, 0x20)
_C1 = range(0x80, 0xA0)
DEL = 0x7F
TAB, NEWLINE = 0x09, 0x0A
CONTROL_PICTURES = 0x2400
DEL_PICTURE = "\u2421"
# The bidi embeddings, overrides (U+202A-U+202E) and isolates (U+2066-U+2069), and the line
# and paragraph separators, which Python's splitlines breaks at.
INVISIBLE_FORMATTING = (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x2028, 0x2029)


def _stand_ins(multiline: bool) -> dict[int, str]:
    kept = {TAB, NEWLINE} if multiline else {TAB}
    table = {code: chr(CONTROL_PICTURES + code) for code in _C0 if code not in kept}
    table[DEL] = DEL_PICTURE
    # C1 control U+0080+n means ESC followed by the character 0x40+n (ECMA-48, 5.3).
    table.update({code: "\u241b" + chr(code - 0x40) for code in _C1})
    table.update({code: f"<U+{code:04X}>" for code in INVISIBLE_FORMATTING})
    return table


_ONE_LINE = _stand_ins(multiline=False)
_MULTILINE = _stand_ins(multiline=True)


def _finder(table: dict[int, str]) -> re.Pattern[str]:
    return re.compile("[" + "".join(re.escape(chr(code)) for code in sorted(table)) + "]")


_ONE_LINE_UNSAFE = _finder(_ONE_LINE)
_MULTILINE_UNSAFE = _finder(_MULTILINE)


def terminal_text(text: str, *, multiline: bool = False) -> str:
    """`text` with every control character a terminal would act on replaced by a visible
    stand-in; newlines kept only if `multiline`. Text without any comes back as it is, and
    the result holds none, so applying it twice changes nothing more."""
    unsafe, table = (_MULTILINE_UNSAFE, _MULTILINE) if multiline else (_ONE_LINE_UNSAFE, _ONE_LINE)
    if unsafe.search(text) is None:
        return text
    return text.translate(table)


def has_controls(text: str) -> bool:
    """Whether `without_controls` would drop anything from `text`."""
    return _ONE_LINE_UNSAFE.search(text) is not None


def without_controls(text: str) -> str:
    """`text` with the characters `terminal_text` replaces on one line dropped: for a last
    guard, after layout, where a stand-in would not fit (each of them is zero cells wide)."""
    return text if _ONE_LINE_UNSAFE.search(text) is None else _ONE_LINE_UNSAFE.sub("", text)


def escaped_exactly(document: str) -> str:
    """A JSON or TOML `document` with the characters `terminal_text` replaces written as
    \\uXXXX escapes, which read back as the characters themselves: the document stays exact
    and is safe on a terminal. Both formats escape C0 controls inside strings already; DEL
    (in JSON), C1 controls and bidi controls they leave raw."""
    return _MULTILINE_UNSAFE.sub(lambda found: f"\\u{ord(found[0]):04x}", document)
