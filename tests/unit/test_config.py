"""Every bad setting names where it came from: the file and line, the variable or the flag."""

from __future__ import annotations

from pathlib import Path

import pytest

from beatwatch.config import ConfigError, load


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
