"""A badge is well-formed XML whatever its label holds: markup characters are escaped, and
control characters, which XML 1.0 does not allow at all, get stand-ins."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from hypothesis import given
from hypothesis import strategies as st

from beatwatch.web.badges import DOWN, UP, render_badge

SVG = "{http://www.w3.org/2000/svg}"


@given(st.text(st.characters(codec="utf-8") | st.sampled_from("\x1b\x00\x07\x9b<&>\"'\ufffe")))
def test_any_label_makes_well_formed_xml(label: str) -> None:
    svg = ET.fromstring(render_badge(label, UP))
    assert svg.tag == f"{SVG}svg"


def test_escapes_and_markup_show_as_text() -> None:
    svg = ET.fromstring(render_badge("a<b>&\x1b[2J", DOWN))
    assert svg.findtext(f"{SVG}title") == "a<b>&␛[2J: down"
