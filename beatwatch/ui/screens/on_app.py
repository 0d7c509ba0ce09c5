"""The app a screen runs in, as beatwatch's own: the service, the fleet, the clock and the keys
as bound are reached through it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from beatwatch.ui.app import BeatwatchApp


class OnBeatwatch:
    """Mixed into a screen, before Textual's Screen or ModalScreen."""

    @property
    def beatwatch(self) -> BeatwatchApp:
        return self.app  # type: ignore[attr-defined, no-any-return]
