"""Which event loop the engine runs on, headless or under the terminal UI: uvloop when it is
installed, which answers pings faster, unless BEATWATCH_EVENT_LOOP=asyncio asks for the
standard one."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")
log = logging.getLogger("beatwatch")
EVENT_LOOP_VARIABLE = "BEATWATCH_EVENT_LOOP"


def run_event_loop(main: Coroutine[Any, Any, T]) -> T:
    if os.environ.get(EVENT_LOOP_VARIABLE, "").strip().lower() != "asyncio":
        try:
            import uvloop
        except ImportError:
            pass
        else:
            log.debug("running on uvloop")
            return uvloop.run(main)
    return asyncio.run(main)
