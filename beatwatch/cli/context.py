"""What every command shares: settings from all layers, and a service opened for one command."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from beatwatch.core.errors import ValidationError
from beatwatch.core.timefmt import parse_duration, parse_time

if TYPE_CHECKING:
    from beatwatch.config import Settings
    from beatwatch.service.service import Service

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])


class Duration(click.ParamType):
    name = "duration"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        try:
            return parse_duration(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


class PointInTime(click.ParamType):
    name = "time"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        if isinstance(value, float):
            return value
        # Imported here: this module is on the pinger's path, which loads no engine.
        from beatwatch.engine.clock import WALL_CLOCK

        try:
            return parse_time(str(value), WALL_CLOCK.now())
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


DURATION = Duration()
TIME = PointInTime()


def location_options(command: F) -> F:
    """--data-dir, --database and --config, accepted by every command (and before the
    command name)."""
    command = click.option(
        "--database",
        "database_url",
        metavar="URL",
        help="A PostgreSQL database to use instead of the data dir's SQLite file "
        "(postgresql://USER@HOST/DATABASE; env BEATWATCH_DATABASE_URL).",
    )(command)
    command = click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Config file (default: beatwatch.toml in the user config dir).",
    )(command)
    return click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="Where the database lives (default: the user data dir; env BEATWATCH_DATA_DIR).",
    )(command)


def settings_from(ctx: click.Context, **flags: Any) -> Settings:
    """Settings for this command: the root's --data-dir/--config unless the command gave its own."""
    root = ctx.find_root().params
    data_dir = flags.pop("data_dir", None) or root.get("data_dir")
    config_path = flags.pop("config_path", None) or root.get("config_path")
    database_url = flags.pop("database_url", None) or root.get("database_url")
    # Here, not at the top: `beatwatch ping URL` and `run URL` read no settings at all.
    from beatwatch.config import load

    data_dir_flag = str(data_dir) if data_dir else None
    return load(config_path, data_dir=data_dir_flag, database_url=database_url, **flags)


def with_service(
    ctx: click.Context,
    action: Callable[[Service], Awaitable[T]],
    creates: bool = False,
    **flags: Any,
) -> T:
    """Open the store for one command, run `action`, close it again. Only a command that
    `creates` something may create the database; any other finds none (NoDatabase) in a
    mistyped data dir, rather than an empty instance there."""
    settings = settings_from(ctx, **flags)
    # Nor do they open a store: without asyncio and the engine they start faster.
    import asyncio

    from beatwatch.service.service import Service

    async def run() -> T:
        service = await Service.open(settings, create=creates)
        try:
            return await action(service)
        finally:
            await service.close()

    return asyncio.run(run())


@contextmanager
def options_named(ctx: click.Context, flags: Mapping[str, str]) -> Iterator[None]:
    """Tell a ValidationError from the service as a usage error (exit 2) that calls its
    fields by this command's `flags`."""
    try:
        yield
    except ValidationError as exc:
        raise click.UsageError(exc.named(flags).message, ctx) from None


json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
