"""Every error beatwatch raises on purpose, in one hierarchy. Each class says what it means
to each interface: `exit_code` for the command line (2: the user can fix the input; 1: the
thing could not be done) and `http_status` for the API. Messages are whole sentences fit for
one line on stderr or a JSON reply.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Self

USAGE_ERROR = 2
FAILURE = 1
# As a shell reports a command that Ctrl-C (SIGINT, 2) stopped: 128 + 2.
INTERRUPTED = 130


class BeatwatchError(Exception):
    exit_code = FAILURE
    http_status = 500


class InvalidInput(BeatwatchError, ValueError):
    """Input that breaks a rule; the message says which and why."""

    exit_code = USAGE_ERROR
    http_status = 400


class ConfigError(InvalidInput):
    """A setting that cannot be used; the message names it (and the file line, if any)."""


class SetupError(InvalidInput):
    """The setup file cannot be used; the message names the entry and, if known, the line."""


class ScheduleError(InvalidInput):
    """A schedule the user gave cannot be used; the message says why."""


class DurationTooLong(InvalidInput):
    """A well-formed duration beyond LONGEST_DURATION."""


class ChannelError(InvalidInput):
    """A channel URL Apprise cannot use; the message says why."""


class ThemeFileError(InvalidInput):
    def __init__(self, origin: str, problem: str) -> None:
        super().__init__(f"theme file {origin}: {problem}")
        self.origin = origin
        self.problem = problem


class BadPing(InvalidInput):
    """A ping URL that is not of any accepted form; the message says what is wrong."""


class PingUrlError(InvalidInput):
    """Text that is not a usable ping URL; the message says why (without the secret part)."""


class ValidationError(InvalidInput):
    """A value that breaks a rule. `field` is the service's key for it; an interface whose
    own name for a field differs says so with `named`."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message

    def named(self, names: Mapping[str, str]) -> Self:
        """This error as told by an interface that calls fields by `names` (a key it lacks
        keeps its name)."""
        # The same kind of error (a Conflict stays one), its fields renamed.
        renamed = type(self).__new__(type(self))
        renamed.__dict__.update(self.__dict__)
        renamed.field = names.get(self.field, self.field)
        renamed.message = self._message_in(names)
        renamed.args = (renamed.message,)
        return renamed

    def _message_in(self, names: Mapping[str, str]) -> str:
        return self.message


class Conflict(ValidationError):
    """A value another check, channel or token already has."""

    http_status = 409


class FieldsError(ValidationError):
    """A rule about which fields go together. Its message names fields as {key}, so that
    `named` can put in each interface's own names; unnamed, the keys stand for themselves."""

    def __init__(self, field_name: str, template: str) -> None:
        self.template = template
        super().__init__(field_name, self._message_in({}))

    def _message_in(self, names: Mapping[str, str]) -> str:
        return self.template.format_map(_NameOrKey(names))


class _NameOrKey(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return key


class NotFound(BeatwatchError, LookupError):
    """What a command, request or form named does not exist. Each kind of thing has its own
    subclass with its own message; callers that only report it catch this one."""

    http_status = 404


class CheckNotFound(NotFound):
    def __init__(self, ref: str) -> None:
        super().__init__(f"no check matches {ref!r} (give its name, slug, id or uuid)")


class ChannelNotFound(NotFound):
    def __init__(self, name: str) -> None:
        super().__init__(f"no channel is named {name!r} (see `beatwatch channel list`)")


class HostNotFound(NotFound):
    def __init__(self, name: str) -> None:
        super().__init__(f"no host is named {name!r} (see `beatwatch host list`)")


class HostUnwatched(NotFound):
    """Maintenance asked for on a host no check names: most likely a typo, which would leave
    the host meant unsilenced while whoever asked believes it is. Each interface says how to
    open it anyway."""

    http_status = 409

    def __init__(self, host: str, watched: list[str]) -> None:
        self.host = host
        hosts = f"hosts: {', '.join(watched)}" if watched else "no check has a host yet"
        super().__init__(f"no check names host {host!r} ({hosts})")


class WindowNotFound(NotFound):
    def __init__(self, window_id: int) -> None:
        super().__init__(
            f"no maintenance window has the id {window_id} (see `beatwatch host list`)"
        )


class IncidentNotFound(NotFound):
    def __init__(self, incident_id: int) -> None:
        super().__init__(f"no incident has the id {incident_id}")


class OnCallNotFound(NotFound):
    """A person, rotation, override or escalation policy that does not exist: `missing` says
    which, `listing` is the command that lists what there is."""

    def __init__(self, missing: str, listing: str) -> None:
        super().__init__(f"{missing} (see `beatwatch {listing}`)")


class TokenNotFound(NotFound):
    def __init__(self, ref: str) -> None:
        super().__init__(f"no API token has the id or name {ref!r} (see `beatwatch token list`)")


class NoDatabase(NotFound):
    """A command that only reads or changes what exists found no database in the data dir:
    creating an empty one there would show a mistyped data dir as an instance with nothing."""

    def __init__(self, data_dir: Path) -> None:
        super().__init__(
            f"no beatwatch database in {data_dir} (is that the right data dir? "
            "`beatwatch serve` or adding a check creates one)"
        )
        self.data_dir = data_dir


class EngineBusy(BeatwatchError, RuntimeError):
    """Another process already runs the engine on this data dir."""

    http_status = 409


class StorageError(BeatwatchError, RuntimeError):
    """The database could not store a change; the message says why."""

    http_status = 503


class PingFailed(BeatwatchError):
    """The server did not accept a ping; the message is the reason, fit for one line."""

    http_status = 502


class ApiError(BeatwatchError):
    """A reply other than success, decided by a handler: its status is its own."""

    def __init__(
        self,
        status: int,
        message: str,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.http_status = status
        self.message = message
        self.field = field
        self.headers = headers or {}
