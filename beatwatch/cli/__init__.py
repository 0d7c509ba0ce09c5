"""The `beatwatch` command: scriptable, one-line errors, exit code 2 for a user mistake."""

from __future__ import annotations

import sys

from beatwatch.cli.printing import fail
from beatwatch.core.errors import FAILURE, INTERRUPTED, BeatwatchError


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        # A crontab runs `beatwatch ping URL` or `run URL -- ...` around every job: those
        # plain forms are answered before click (a third of the start-up) loads. Any other
        # form — options, a check's name, --help, a mistake — goes to the full command line.
        if args[:1] in (["ping"], ["run"]):
            from beatwatch.cli.plain import answer_plainly

            exit_code = answer_plainly(args)
            if exit_code is not None:
                sys.exit(exit_code)
        from beatwatch.cli.root import run_command_line

        run_command_line(args)
    except BeatwatchError as exc:
        fail(str(exc), exc.exit_code)
    except OSError as exc:
        fail(f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else ""), FAILURE)
    except KeyboardInterrupt:
        sys.exit(INTERRUPTED)
