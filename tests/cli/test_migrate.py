"""`beatwatch migrate --to`: an instance copied from SQLite to PostgreSQL and back, every
table the same at the end (ids, uuids, bytes of bodies), ids never handed out twice after,
and a target that holds checks, or an engine still running, refused in one line."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from beatwatch.store.copying import copied_tables
from beatwatch.store.database import DB_FILE
from tests.cli.conftest import Beatwatch, assert_one_line_error
from tests.cli.test_serve import start_serve


def table_rows(db: Path) -> dict[str, list[tuple[object, ...]]]:
    with closing(sqlite3.connect(db)) as conn:
        return {
            table.name: sorted(conn.execute(f"SELECT * FROM {table.name}").fetchall(), key=repr)
            for table in copied_tables()
        }


def without_nul(rows: list[tuple[object, ...]]) -> list[tuple[object, ...]]:
    return [
        tuple(v.replace("\x00", "\ufffd") if isinstance(v, str) else v for v in row) for row in rows
    ]


async def test_an_instance_goes_to_postgresql_and_back_unchanged(
    beatwatch: Beatwatch, postgres_url: str, tmp_path: Path
) -> None:
    for name in ("backup", "certbot", "gone"):
        assert beatwatch("check", "add", name, "--every", "1h", "--host", "db1").code == 0
    assert beatwatch("check", "rm", "gone").code == 0  # its id is never reused
    assert beatwatch("channel", "add", "ops", "json://127.0.0.1:9/hook", "--default").code == 0
    assert beatwatch("token", "create", "--name", "ansible").code == 0
    serve, _ = await start_serve(beatwatch)  # pings, a failure, an incident, a queued alert
    try:
        import aiohttp

        [backup] = [c for c in beatwatch("check", "list", "--json").json() if c["name"] == "backup"]
        async with (
            aiohttp.ClientSession() as http,
            http.post(backup["ping_url"] + "/fail", data=b"tar: \x00\xff err") as reply,
        ):
            assert reply.status == 200
    finally:
        serve.terminate()
        await serve.wait()

    to_pg = beatwatch("migrate", "--to", postgres_url)
    assert to_pg.code == 0, to_pg.stderr
    assert to_pg.stdout.startswith(f"copied to {postgres_url}: ")
    assert "2 checks" in to_pg.stdout and "1 incidents" in to_pg.stdout
    back_dir = tmp_path / "back"
    back = Beatwatch(None, beatwatch.env)(
        "--database", postgres_url, "migrate", "--to", str(back_dir)
    )
    assert back.code == 0, back.stderr

    original, returned = table_rows(beatwatch.data_dir / DB_FILE), table_rows(back_dir / DB_FILE)
    # A NUL in text (the failure's output quoted in its alert) came back as U+FFFD, as
    # PostgreSQL keeps it (see Choices); everything else, bytes of bodies too, exactly.
    assert returned == {table: without_nul(rows) for table, rows in original.items()}
    assert any(b"\x00\xff" in row[-1] for row in original["pings"] if isinstance(row[-1], bytes))
    # A check added to the copy gets an id above every id the original gave, deleted ones too.
    again = Beatwatch(back_dir, beatwatch.env)
    added = again("check", "add", "new one", "--every", "1h", "--json").json()
    assert added["id"] == 4

    refused = beatwatch("migrate", "--to", str(back_dir))
    assert_one_line_error(refused, 1, "already holds checks")


async def test_migrate_refuses_while_the_engine_runs(beatwatch: Beatwatch, tmp_path: Path) -> None:
    assert beatwatch("check", "add", "backup", "--every", "1h").code == 0
    serve, _ = await start_serve(beatwatch)
    try:
        refused = beatwatch("migrate", "--to", str(tmp_path / "elsewhere"))
    finally:
        serve.terminate()
        await serve.wait()
    assert_one_line_error(refused, 1, "an engine still runs", "stop it first")
