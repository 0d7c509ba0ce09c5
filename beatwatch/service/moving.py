"""Moving an instance to another store: what `beatwatch migrate --to` does."""

from __future__ import annotations

from pathlib import Path

from beatwatch.core.errors import BeatwatchError, EngineBusy
from beatwatch.service.service import Service
from beatwatch.store.copying import copy_instance
from beatwatch.store.database import Store


async def copy_to(service: Service, target: str) -> tuple[str, list[tuple[str, int]]]:
    """Copy the instance of `service` to `target` (a data dir, or a postgresql:// URL), which
    must hold no check; where it went (no password shown), and the rows of each table."""
    nodes, _ = await service.nodes()
    running = [n for n in nodes if n.alive]
    if running or service.engine_holder() is not None:
        where = ", ".join(f"{n.row.host} (pid {n.row.pid})" for n in running) or "this data dir"
        raise EngineBusy(f"an engine still runs on this instance ({where}): stop it first")
    url = target if target.startswith(("postgresql://", "postgres://")) else None
    data_dir = service.settings.data_dir if url else Path(target).expanduser()
    destination = await Store.open(data_dir, create=True, database_url=url)
    try:
        if destination.location == service.store.location:
            raise BeatwatchError("the target is this instance itself")
        return destination.location, await copy_instance(service.store, destination)
    finally:
        await destination.close()
