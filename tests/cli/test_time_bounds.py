"""Times given on the command line or in a setup file are bounded before anything is stored
(exit 2, the option named), and rows an older version stored beyond the bound still list."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from beatwatch.store.database import DB_FILE
from tests.cli.conftest import Beatwatch, assert_one_line_error

# Year 9999 in its zone, year 10000 in UTC.
BEYOND = "9999-12-31T23:59:59-01:00"


def test_a_pause_or_window_too_far_ahead_is_refused(beatwatch: Beatwatch, tmp_path: Path) -> None:
    beatwatch("check", "add", "backup", "--every", "1h", "--host", "db1")
    setup = tmp_path / "setup.toml"
    setup.write_text(
        f'[[host]]\nname = "db1"\n\n[[host.window]]\nstarts_at = "2026-01-01T00:00:00Z"\n'
        f'ends_at = "{BEYOND}"\n'
    )

    paused, maint, imported = beatwatch.all_at_once(
        ("check", "pause", "backup", "--until", BEYOND),
        ("host", "maint", "db1", "--until", BEYOND),
        ("import", str(setup)),
    )

    assert_one_line_error(paused, 2, "--until must lie within 3650d (ten years) of now")
    assert_one_line_error(maint, 2, "--until must lie within 3650d (ten years) of now")
    assert_one_line_error(imported, 2, "host 'db1': ends_at must lie within 3650d")
    [check] = beatwatch("check", "list", "--json").json()
    assert (check["state"], check["paused_until"]) == ("new", None)
    [host] = beatwatch("host", "list", "--json").json()
    assert host["windows"] == []


def test_rows_stored_beyond_the_bound_still_list(beatwatch: Beatwatch, data_dir: Path) -> None:
    beatwatch("check", "add", "backup", "--every", "1h", "--host", "db1")
    beatwatch("check", "pause", "backup", "--for", "1h")
    beatwatch("host", "maint", "db1", "--for", "1h")
    with closing(sqlite3.connect(data_dir / DB_FILE)) as conn, conn:
        conn.execute("UPDATE checks SET paused_until = 253402304399")
        conn.execute("UPDATE maintenance_windows SET ends_at = 253402304399")

    listed, hosts, shown = beatwatch.all_at_once(
        ("check", "list"), ("host", "list"), ("check", "show", "backup")
    )

    for result in (listed, hosts, shown):
        assert result.code == 0 and "Traceback" not in result.stderr, result
    assert "30 Dec 9999" in shown.stdout
