"""Each tag's badge has its own key: the URL of one tag's badge opens that tag alone, so
nobody holding it can probe other tag names. Check badge URLs stay as they were; the one
key every tag badge URL used to share is dropped on upgrade."""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from pathlib import Path

import aiohttp

from beatwatch.core.validation import CheckSpec
from beatwatch.runtime import start_engine
from beatwatch.service.service import Service
from beatwatch.store.database import DB_FILE
from beatwatch.store.schema import MIGRATIONS
from tests.api.conftest import Api
from tests.conftest import engine_settings


async def test_a_tag_badge_url_opens_that_tag_alone(api: Api) -> None:
    service = api.service
    await service.add_check(CheckSpec(name="dump", every_seconds=3600, tags=("db", "nightly")))
    await service.add_check(CheckSpec(name="web", every_seconds=3600, tags=("web",)))
    db_key, web_key = await service.tag_badge_key("db"), await service.tag_badge_key("web")

    assert db_key != web_key
    assert (await api.call("GET", f"/badge/{db_key}/db.svg", token=None)).status == 200
    assert (await api.call("GET", f"/badge/{web_key}/web.svg", token=None)).status == 200
    # Holding db's URL: every other tag, existing or not, looks the same, 404.
    probes = [
        await api.call("GET", f"/badge/{db_key}/{t}.svg", token=None)
        for t in ("web", "nightly", "nosuch")
    ]
    assert {(r.status, r.text) for r in probes} == {
        (404, '{"error": "there is no badge at this address", "field": null}')
    }
    assert await service.tag_badge_key("db") == db_key  # stable across calls


async def test_each_tag_url_has_its_own_key_and_check_badges_still_work(api: Api) -> None:
    service = api.service
    check = await service.add_check(CheckSpec(name="dump", every_seconds=3600, tags=("a", "b")))
    url_a = service.tag_badge_url(await service.tag_badge_key("a"), "a")
    url_b = service.tag_badge_url(await service.tag_badge_key("b"), "b")
    key_a = re.fullmatch(r".*/badge/([^/]+)/a\.svg", url_a)
    key_b = re.fullmatch(r".*/badge/([^/]+)/b\.svg", url_b)
    assert key_a and key_b and key_a.group(1) != key_b.group(1)
    badge_key = (await service.badge_keys())[check.id]
    assert (await api.call("GET", f"/badge/{badge_key}.svg", token=None)).status == 200


async def test_upgrade_drops_the_shared_tag_key_and_keeps_check_badges(tmp_path: Path) -> None:
    settings = engine_settings(tmp_path / "data")
    settings.data_dir.mkdir()
    path = settings.data_dir / DB_FILE
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        for script in MIGRATIONS[:6]:
            if isinstance(script, str):
                conn.executescript(script)
            else:
                conn.execute("BEGIN")
                script(conn)
                conn.execute("COMMIT")
        conn.execute("PRAGMA user_version = 6")
        conn.execute("INSERT INTO settings VALUES ('tag_badge_key', 'OldSharedKey')")
        conn.execute(
            "INSERT INTO checks (uuid, name, slug, every_seconds, grace_seconds, tags, "
            "created_at, clock_start, state, state_since, badge_key) VALUES "
            "('00000000-0000-4000-8000-000000000001', 'dump', 'dump', 3600, 300, '[\"db\"]', "
            "0, 0, 'up', 0, 'OldCheckKey')"
        )

    service = await Service.open(settings)
    try:
        await start_engine(service)
        base = f"http://127.0.0.1:{service.bound_port}"
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{base}/badge/OldCheckKey.svg") as reply:
                assert reply.status == 200
            async with http.get(f"{base}/badge/OldSharedKey/db.svg") as reply:
                assert reply.status == 404
            async with http.get(
                f"{base}/badge/{await service.tag_badge_key('db')}/db.svg"
            ) as reply:
                assert reply.status == 200
        with closing(sqlite3.connect(path)) as conn:
            keys = {k for (k,) in conn.execute("SELECT key FROM settings")}
        assert "tag_badge_key" not in keys
    finally:
        await service.close()
