"""Checkboxes and radio buttons whose state shows in their shape, not only in a colour: a box
that is on holds a ✔ and one that is off is empty, in every theme and on a terminal without
colour."""

from __future__ import annotations

from textual.widgets import Checkbox, RadioButton


class MarkedCheckbox(Checkbox):
    @property
    def BUTTON_INNER(self) -> str:
        return "✔" if self.value else " "


class MarkedRadioButton(RadioButton):
    @property
    def BUTTON_INNER(self) -> str:
        return "●" if self.value else " "
