"""How a table is ordered and narrowed: the sort order a screen remembers, and what a filter
typed into its box asks for. Plain data, no Textual.

A filter is words that must all appear in a row, and tokens that name a fact about it:
`is:action` (needs action, which `!` toggles), and on some tables `is:STATE`, `kind:KIND`
or `host:NAME`. Tokens are written into the filter box like any word, so what narrows a table
is always in sight and Esc clears all of it."""

from __future__ import annotations

from dataclasses import dataclass

# The token `!` adds to a filter, or takes out of it.
ACTION_TOKEN = "is:action"
# Words with these prefixes name a fact rather than text to find.
TOKEN_PREFIXES = ("is:", "kind:", "host:")
ASCENDING = "▲"
DESCENDING = "▼"


@dataclass(frozen=True, slots=True)
class SortOrder:
    """The column a table is sorted by, and whether the other way round from its usual order."""

    column: int
    descending: bool = False

    def next_column(self, columns: int) -> SortOrder:
        return SortOrder((self.column + 1) % columns)

    def reversed(self) -> SortOrder:
        return SortOrder(self.column, not self.descending)

    def clicked(self, column: int) -> SortOrder:
        """A click on a column's header: that column, or the other way round if it already is."""
        return self.reversed() if column == self.column else SortOrder(column)

    def header(self, label: str, column: int) -> str:
        """The header of `column` under this order: its label, with an arrow when sorted by it."""
        if column != self.column:
            return label
        return f"{label} {DESCENDING if self.descending else ASCENDING}"


@dataclass(frozen=True, slots=True)
class Query:
    """A filter as typed: the words to find and the tokens to hold, lowercased."""

    words: tuple[str, ...] = ()
    tokens: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, typed: str) -> Query:
        words = typed.lower().split()
        tokens = frozenset(w for w in words if w.startswith(TOKEN_PREFIXES))
        return cls(tuple(w for w in words if w not in tokens), tokens)

    def __bool__(self) -> bool:
        return bool(self.words or self.tokens)

    def matches(self, haystack: str, facts: frozenset[str]) -> bool:
        """Whether a row with this (lowercased) text and these tokens is shown."""
        return self.tokens <= facts and all(word in haystack for word in self.words)


def toggled(typed: str, token: str) -> str:
    """The filter `typed` with `token` added, or taken out if it is there."""
    words = typed.split()
    if token in (w.lower() for w in words):
        return " ".join(w for w in words if w.lower() != token)
    return " ".join([*words, token])


def with_token(typed: str, prefix: str, token: str | None) -> str:
    """The filter `typed` with its token of `prefix` replaced by `token` (None: taken out)."""
    kept = [w for w in typed.split() if not w.lower().startswith(prefix)]
    return " ".join([*kept, token] if token else kept)
