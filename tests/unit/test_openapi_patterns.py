"""The patterns of the OpenAPI document say yes exactly where the service's own rules do,
over strings made of the characters where they could disagree: spaces the service trims,
control characters it refuses, digits, and the letters slugs are made of."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from beatwatch.core.errors import DurationTooLong, ValidationError
from beatwatch.core.maintenance import parse_weekly
from beatwatch.core.timefmt import parse_duration
from beatwatch.core.validation import (
    LINES_PATTERN,
    ONE_LINE_PATTERN,
    CheckSpec,
    refuse_control,
    validate,
)
from beatwatch.web.openapi_schemas import (
    CHECK_NAME_PATTERN,
    CRON_PATTERN,
    DURATION_PATTERN,
    SPACES,
    WEEKLY_PATTERN,
)

TRICKY = " \t\n\r\x0b\x1b\x1f\x7f\x85\x9b\xa0\u1680\u2000\u2028\u202e\u2066\u3000\ufeff"
LETTERS = "0123456789aAzZ_-K\u212a\u0130\u00e9\u0663smhdw,:"
tricky_text = st.text(
    st.one_of(st.sampled_from(TRICKY), st.sampled_from(LETTERS), st.characters()),
    max_size=110,
)


def matches(pattern: str, text: str) -> bool:
    return re.fullmatch(pattern, text) is not None


def accepted(rule: object, *args: object, **options: object) -> bool:
    try:
        rule(*args, **options)  # type: ignore[operator]
    except (ValidationError, ValueError):
        return False
    return True


def test_spaces_are_what_python_trims() -> None:
    spaces = {chr(c) for c in range(0x110000) if chr(c).isspace()}
    assert {c for c in map(chr, range(0x110000)) if matches(f"[{SPACES}]", c)} == spaces


# Short names of digits and separators, where "would read as an id" is decided.
id_like = st.text(st.sampled_from("01 -_a\u212a\u0130\u0663\t\x1b\u3000"), max_size=8)


@given(st.one_of(tricky_text, id_like))
def test_a_check_name_matches_exactly_when_the_service_takes_it(name: str) -> None:
    spec = CheckSpec(name=name, every_seconds=3600)
    assert matches(CHECK_NAME_PATTERN, name) == accepted(validate, spec)


@given(tricky_text)
def test_one_line_and_multi_line_text(text: str) -> None:
    assert matches(ONE_LINE_PATTERN, text) == accepted(refuse_control, "host", text)
    assert matches(LINES_PATTERN, text) == accepted(refuse_control, "d", text, lines=True)


def duration_syntax(text: str) -> bool:
    try:
        parse_duration(text)
    except DurationTooLong:
        return True
    except ValueError:
        return False
    return True


@given(st.text(st.sampled_from("0123456789smhdwSMHDWx \t\u0663\u3000"), max_size=12))
def test_a_duration_string_matches_exactly_when_it_parses(text: str) -> None:
    assert matches(DURATION_PATTERN, text) == duration_syntax(text)


weekly_text = st.lists(
    st.sampled_from(
        [
            "sun",
            "MON",
            "fri",
            "xyz",
            "-",
            ",",
            " ",
            "\t",
            "02",
            "2",
            "23",
            "24",
            ":",
            "00",
            "59",
            "60",
            "\u0662",
        ]
    ),
    max_size=12,
).map("".join)


@given(weekly_text)
def test_a_weekly_window_matches_exactly_when_it_parses(text: str) -> None:
    assert matches(WEEKLY_PATTERN, text) == accepted(parse_weekly, text)


@pytest.mark.parametrize(
    ("cron", "five_fields"),
    [
        ("0 3 * * *", True),
        (" */5\t* * * 1-5 ", True),
        ("0 3 * *", False),
        ("0 3 * * * *", False),
        ("0 3 * * \x1b", False),
        ("@daily", True),
        (" @HOURLY\t", True),
        ("@wee\u212aly", True),
        ("@reboot", False),
        ("@daily * * * *", False),
    ],
)
def test_a_cron_expression_has_five_fields(cron: str, five_fields: bool) -> None:
    assert matches(CRON_PATTERN, cron) == five_fields
