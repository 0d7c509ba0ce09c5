"""The terminal driver, made safe for a terminal that closes under it.

When a terminal closes (its window, its tmux session, an ssh connection), the kernel sends
SIGHUP and then SIGCONT. Textual's driver takes SIGCONT for a return from ctrl+z and starts
drawing again, on a terminal that is gone: the new output thread dies at its first write,
and the app, quitting on SIGHUP, hangs once it has queued a few more writes, never closing
its store (nor removing a demo's data). So it resumes only while it still has a terminal.
"""

from __future__ import annotations

import os
from typing import Any

from textual.drivers.linux_driver import LinuxDriver


class TerminalDriver(LinuxDriver):
    def _sigcont_application(self, *args: Any) -> None:
        if os.isatty(self.fileno):
            super()._sigcont_application(*args)
