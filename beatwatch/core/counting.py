"""Counting in words: the one rule every interface follows, so that no line reads "1 checks"."""

from __future__ import annotations


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """ "1 check", "3 checks", "0 checks"; `plural` for a noun that does not take an s."""
    return f"{count} {agreeing(count, noun, plural or noun + 's')}"


def agreeing(count: int, one: str, many: str) -> str:
    """The word of the two that goes with `count`: agreeing(2, "is", "are") -> "are"."""
    return one if count == 1 else many
