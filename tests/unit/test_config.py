"""Every bad setting names where it came from: the file and line, the variable or the flag."""

from __future__ import annotations

from pathlib import Path

import pytest

from beatwatch.config import load
from beatwatch.core.errors import ConfigError


def test_a_bad_listen_address_in_the_file_names_the_file_and_its_line(tmp_path: Path) -> None:
    config = tmp_path / "beatwatch.toml"
    config.write_text('theme = "beatwatch-dark"\nlisten = "nohost"\n')

    with pytest.raises(ConfigError) as raised:
        load(config, environ={})

    assert str(raised.value).startswith(f"{config}, line 2: listen address 'nohost'")


def test_a_bad_listen_address_in_the_environment_names_the_variable() -> None:
    with pytest.raises(ConfigError, match=r"^environment BEATWATCH_LISTEN: .*'0.0.0.0:99999'"):
        load(environ={"BEATWATCH_CONFIG": "/dev/null", "BEATWATCH_LISTEN": "0.0.0.0:99999"})


def test_a_bad_listen_flag_names_the_flag() -> None:
    with pytest.raises(ConfigError, match=r"^--listen: listen address ':http'"):
        load(environ={"BEATWATCH_CONFIG": "/dev/null"}, listen=":http")


def test_connection_limits_come_from_the_file_and_the_environment(tmp_path: Path) -> None:
    config = tmp_path / "beatwatch.toml"
    config.write_text(
        'max_connections = 500\nrequest_head_timeout = "5s"\nkeepalive_timeout = 30\n'
    )

    settings = load(config, environ={"BEATWATCH_MAX_CONNECTIONS_PER_ADDRESS": "20"})

    assert settings.max_connections == 500 and settings.max_connections_per_address == 20
    assert settings.request_head_timeout == 5 and settings.keepalive_timeout == 30


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("max_connections = 0", "max_connections must be a whole number of at least 1"),
        (
            'max_connections_per_address = "many"',
            "max_connections_per_address must be a whole number",
        ),
        ('request_head_timeout = "soon"', "request_head_timeout: 'soon' is not a duration"),
        ('keepalive_timeout = "2h"', "keepalive_timeout must be from 1 s to 1 h"),
    ],
)
def test_a_bad_connection_limit_names_the_setting_and_line(
    tmp_path: Path, line: str, message: str
) -> None:
    config = tmp_path / "beatwatch.toml"
    config.write_text(line + "\n")

    with pytest.raises(ConfigError, match=f"^{config}, line 1: {message}"):
        load(config, environ={})
