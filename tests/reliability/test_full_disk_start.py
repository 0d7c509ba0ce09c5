"""Starting on a full disk, for real (a small tmpfs filled to its last page): `serve` and a
command each say in one line which database could not be opened and how much room is
left, and exit 1 without a traceback; a fresh data dir and an existing one alike."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from beatwatch.store.database import DB_FILE
from tests.reliability.conftest import BEATWATCH, fill, free_port


def beatwatch(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*BEATWATCH, *args, "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.parametrize("existing", [False, True], ids=["fresh", "existing"])
def test_a_full_disk_at_start_is_one_line_and_exit_1(small_disk: Path, existing: bool) -> None:
    data_dir = small_disk / "data"
    if existing:
        assert beatwatch(data_dir, "check", "add", "backup", "--every", "1h").returncode == 0
    fill(small_disk)

    results = [
        beatwatch(data_dir, "serve", "--listen", f"127.0.0.1:{free_port()}"),
        beatwatch(data_dir, "check", "add", "another", "--every", "1h"),
    ]

    for result in results:
        assert result.returncode == 1, result
        assert "Traceback" not in result.stderr, result.stderr
        [line] = result.stderr.splitlines()
        assert line.startswith(f"beatwatch: cannot open the database {data_dir / DB_FILE}: ")
        assert line.endswith(" bytes free on its disk)"), line
