"""`check list` narrowed by --tag, --host and --state, alone and together, with a Host column;
--json lists the same checks."""

from __future__ import annotations

from tests.cli.conftest import Beatwatch, assert_one_line_error

FILTERS = [
    ((), ["nightly", "pg dump", "pg vacuum", "web"]),
    (("--tag", "prod"), ["pg dump", "pg vacuum", "web"]),
    (("--tag", "PROD", "--tag", "slow"), ["pg vacuum"]),
    (("--host", "db1"), ["pg dump", "pg vacuum"]),
    (("--host", "db1", "--host", "web1"), ["pg dump", "pg vacuum", "web"]),
    (("--state", "paused"), ["pg vacuum"]),
    (("--state", "new,paused"), ["nightly", "pg dump", "pg vacuum", "web"]),
    (("--state", "bad"), []),
    (("--tag", "prod", "--host", "db1", "--state", "new"), ["pg dump"]),
]


def add_fleet(beatwatch: Beatwatch) -> None:
    beatwatch("check", "add", "pg dump", "--every", "1h", "--host", "db1", "--tag", "prod")
    beatwatch(
        "check",
        "add",
        "pg vacuum",
        "--every",
        "1h",
        "--host",
        "db1",
        "--tag",
        "prod",
        "--tag",
        "slow",
    )
    beatwatch("check", "add", "web", "--every", "1h", "--host", "web1", "--tag", "prod")
    beatwatch("check", "add", "nightly", "--cron", "0 3 * * *")
    beatwatch("check", "pause", "pg vacuum")


def table_column(stdout: str, header: str) -> list[str]:
    """One column of a printed table, by where its header starts."""
    lines = stdout.splitlines()
    start = lines[0].index(header)
    return [line[start:].split("  ")[0].strip() for line in lines[1:]]


def test_filters_narrow_the_list_and_combine(beatwatch: Beatwatch) -> None:
    add_fleet(beatwatch)
    commands = [("check", "list", *f, *form) for f, _ in FILTERS for form in ((), ("--json",))]
    results = iter(beatwatch.all_at_once(*commands))

    for (filters, expected), table, as_json in zip(FILTERS, results, results, strict=True):
        listed = sorted(c["name"] for c in as_json.json())
        assert listed == expected, filters
        if expected:
            assert sorted(table_column(table.stdout, "NAME")) == expected, filters
        else:
            assert table.stdout == "No check matches these filters (4 checks in all).\n"


def test_the_host_column_shows_each_checks_host(beatwatch: Beatwatch) -> None:
    add_fleet(beatwatch)
    stdout = beatwatch("check", "list").stdout
    hosts = dict(zip(table_column(stdout, "NAME"), table_column(stdout, "HOST"), strict=True))
    assert hosts == {"pg dump": "db1", "pg vacuum": "db1", "web": "web1", "nightly": "-"}


def test_an_unknown_state_is_one_line_and_exit_2(beatwatch: Beatwatch) -> None:
    result = beatwatch("check", "list", "--state", "missed,sleepy")
    assert_one_line_error(result, 2, "'sleepy' is not a state", "running_long", "bad")
