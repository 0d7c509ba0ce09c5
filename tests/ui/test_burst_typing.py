"""Keys that arrive in one burst (a paste into the terminal, a fast typist over SSH) land in
the field a Tab in them moved to. Textual hands each key to the focused widget's queue as
it comes, so a Tab left to that widget moves the focus only once the keys after it are
already queued for the field it leaves.

Pilot's own `press` waits for the app to go idle after every key, which no terminal does,
so the burst here is sent as the terminal driver sends what it reads: every key at once."""

from __future__ import annotations

from textual import events
from textual.keys import _character_to_key
from textual.widgets import Input

from beatwatch.core.validation import CheckSpec
from beatwatch.ui.app import BeatwatchApp
from beatwatch.ui.screens.check_form import CheckFormScreen
from tests.conftest import wait_for
from tests.ui.conftest import SIZE


def burst(app: BeatwatchApp, *keys: str) -> None:
    """`keys` (single characters, or key names such as "tab") as one read from the terminal:
    queued together, none waiting for the one before."""
    assert app._driver is not None
    for key in keys:
        if len(key) == 1:
            event = events.Key(key if key.isalnum() else _character_to_key(key), key)
        else:
            event = events.Key(key, None)
        app._driver.send_message(event)


def value_of(app: BeatwatchApp, field: str) -> str:
    return app.screen.query_one(f"#{field}", Input).value


async def test_keys_typed_right_after_tab_go_to_the_next_field(service, tmp_path):
    await service.add_check(CheckSpec(name="placeholder", every_seconds=3600))
    app = BeatwatchApp(service, run_engine=False, user_theme_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await wait_for(lambda: isinstance(app.screen, CheckFormScreen))
        assert app.focused is app.screen.query_one("#name", Input)

        burst(app, *"backup", "tab", *"nightly dump")

        await wait_for(lambda: value_of(app, "description") == "nightly dump")
        assert value_of(app, "name") == "backup"
        assert app.focused is app.screen.query_one("#description", Input)

        # Back again: a field reached by Tab has its text selected, so typing replaces it.
        burst(app, "shift+tab", *"pg-dump")

        await wait_for(lambda: value_of(app, "name") == "pg-dump", what=value_of(app, "name"))
        assert value_of(app, "description") == "nightly dump"
