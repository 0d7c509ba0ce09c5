"""Settings: defaults < beatwatch.toml < environment < command-line flags.

An unknown key or a value of the wrong kind is an error that names the key and its line.
"""

from __future__ import annotations

import ipaddress
import os
import re
import socket
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import platformdirs

from beatwatch.core.errors import ConfigError
from beatwatch.core.ratelimit import Rate, parse_rate
from beatwatch.core.timefmt import parse_duration

APP = "beatwatch"
DEFAULT_PORT = 8790
CONFIG_FILE = "beatwatch.toml"
# Per source address. A host that starts hundreds of cron jobs on the hour, or a NAT gateway in
# front of a rack, sends a few hundred pings at once and then little: hence the large burst,
# with a sustained rate still far above any honest fleet's. The API serves scripts, Ansible
# forks and dashboards, which need less; the lower ceiling also slows anyone guessing tokens.
DEFAULT_PING_RATE = Rate(per_second=50, burst=500)
DEFAULT_API_RATE = Rate(per_second=20, burst=100)
# Connections held at once, in all (lowered to fit the open-file limit) and per source address:
# far above what pings need (each holds its connection for milliseconds), low enough that one
# address cannot hold every descriptor. A request head must arrive within the head timeout;
# an idle kept-alive connection is closed after the keep-alive timeout (a reverse proxy's
# pool lives longer than its requests).
DEFAULT_MAX_CONNECTIONS = 4096
DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 256
DEFAULT_HEAD_TIMEOUT = 10
DEFAULT_KEEPALIVE_TIMEOUT = 60
MAX_CONNECTION_TIMEOUT = 3600


@dataclass(frozen=True, slots=True)
class Settings:
    data_dir: Path = field(default_factory=lambda: Path(platformdirs.user_data_dir(APP)))
    # A PostgreSQL database to keep everything in instead of the data dir's SQLite file,
    # and its password when the URL holds none (libpq also reads PGPASSWORD and ~/.pgpass).
    database_url: str | None = None
    database_password: str | None = field(default=None, repr=False)
    listen_host: str = "0.0.0.0"
    listen_port: int = DEFAULT_PORT
    public_url: str | None = None
    trusted_proxies: tuple[str, ...] = ()
    self_ping_url: str | None = None
    theme: str = "beatwatch-dark"
    keymap: dict[str, str] = field(default_factory=dict)
    config_path: Path | None = None
    # Serve /metrics without a token; honoured only on a loopback listen address.
    metrics_public: bool = False
    # Requests per source address; None for no limit.
    ping_rate_limit: Rate | None = DEFAULT_PING_RATE
    api_rate_limit: Rate | None = DEFAULT_API_RATE
    max_connections: int = DEFAULT_MAX_CONNECTIONS
    max_connections_per_address: int = DEFAULT_MAX_CONNECTIONS_PER_ADDRESS
    request_head_timeout: int = DEFAULT_HEAD_TIMEOUT
    keepalive_timeout: int = DEFAULT_KEEPALIVE_TIMEOUT

    @property
    def listen(self) -> str:
        host = f"[{self.listen_host}]" if ":" in self.listen_host else self.listen_host
        return f"{host}:{self.listen_port}"

    @property
    def base_url(self) -> str:
        """What machines on the LAN use to reach this instance."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = self.listen_host
        if host in ("0.0.0.0", "::", ""):
            host = socket.gethostname()
        elif ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.listen_port}"

    def trusted_networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        return [ipaddress.ip_network(p, strict=False) for p in self.trusted_proxies]


def default_config_path() -> Path:
    return Path(platformdirs.user_config_dir(APP)) / CONFIG_FILE


def parse_listen(text: str) -> tuple[str, int]:
    """ "HOST:PORT", ":PORT", "PORT" or "[v6]:PORT" -> (host, port)."""
    match = re.fullmatch(r"(?:\[([^\]]+)\]|([^:\[\]]*)):(\d+)|(\d+)", text.strip())
    if not match:
        raise ConfigError(f"listen address {text!r} is not HOST:PORT (for example 0.0.0.0:8790)")
    v6, host, port, bare_port = match.groups()
    number = int(port or bare_port)
    if not 0 <= number <= 65535:
        raise ConfigError(f"port {number} in {text!r} is out of range (0-65535)")
    return (v6 or host or "0.0.0.0"), number


def _check_proxies(proxies: list[str], where: str) -> tuple[str, ...]:
    for proxy in proxies:
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            raise ConfigError(f"{where}: {proxy!r} is not an IP address or network") from None
    return tuple(proxies)


def _apply(settings: Settings, key: str, value: Any, where: str) -> Settings:
    def want(kind: type, label: str) -> None:
        if not isinstance(value, kind):
            raise ConfigError(f"{where}: {key} must be {label}")

    match key:
        case "listen":
            want(str, 'a string such as "0.0.0.0:8790"')
            try:
                host, port = parse_listen(value)
            except ConfigError as exc:
                raise ConfigError(f"{where}: {exc}") from None
            return replace(settings, listen_host=host, listen_port=port)
        case "public_url" | "self_ping_url":
            want(str, 'a URL such as "http://monitor.lan:8790"')
            if not re.match(r"^https?://[^/\s]+", value):
                raise ConfigError(f"{where}: {key} must start with http:// or https://")
            return replace(settings, **{key: value})
        case "data_dir":
            want(str, "a path")
            return replace(settings, data_dir=Path(value).expanduser())
        case "database_url":
            want(str, 'a URL such as "postgresql://beatwatch@db.lan/beatwatch"')
            return replace(settings, database_url=_database_url(value, where))
        case "database_password_file":
            want(str, "a path")
            return replace(settings, database_password=_password_from(value, where))
        case "trusted_proxies":
            want(list, 'a list such as ["127.0.0.1", "10.0.0.0/8"]')
            if not all(isinstance(p, str) for p in value):
                raise ConfigError(f"{where}: trusted_proxies must be a list of strings")
            return replace(settings, trusted_proxies=_check_proxies(value, where))
        case "theme":
            want(str, "a theme name")
            return replace(settings, theme=value)
        case "keymap":
            want(dict, "a table of action = key")
            if not all(isinstance(v, str) for v in value.values()):
                raise ConfigError(f"{where}: every keymap entry must be a key name string")
            return replace(settings, keymap=dict(value))
        case "metrics_public":
            want(bool, "true or false")
            return replace(settings, metrics_public=value)
        case "ping_rate_limit" | "api_rate_limit":
            want(str, 'a rate such as "50/s" or "20/s burst 100", or "off"')
            try:
                return replace(settings, **{key: parse_rate(value)})
            except ValueError as exc:
                raise ConfigError(f"{where}: {key}: {exc}") from None
        case "max_connections" | "max_connections_per_address":
            return replace(settings, **{key: _positive_count(key, value, where)})
        case "request_head_timeout" | "keepalive_timeout":
            return replace(settings, **{key: _positive_duration(key, value, where)})
    known = (
        "listen, public_url, data_dir, database_url, database_password_file, trusted_proxies, "
        "self_ping_url, theme, keymap, metrics_public, ping_rate_limit, api_rate_limit, "
        "max_connections, max_connections_per_address, request_head_timeout, keepalive_timeout"
    )
    raise ConfigError(f"{where}: unknown setting {key!r} (known: {known})")


def _database_url(value: str, where: str) -> str:
    parts = urlsplit(value.strip())
    if parts.scheme not in ("postgresql", "postgres"):
        raise ConfigError(
            f"{where}: database_url must be a postgresql:// URL, such as "
            f'"postgresql://beatwatch@db.lan/beatwatch" (leave it out for SQLite)'
        )
    if not parts.path.strip("/") and "dbname=" not in parts.query:
        raise ConfigError(f"{where}: database_url names no database (…/DATABASE at its end)")
    return value.strip()


def _password_from(value: str, where: str) -> str:
    path = Path(value).expanduser()
    try:
        password = path.read_text(encoding="utf-8").strip("\r\n")
    except OSError as exc:
        raise ConfigError(
            f"{where}: cannot read database_password_file {path}: {exc.strerror}"
        ) from None
    if not password:
        raise ConfigError(f"{where}: database_password_file {path} is empty")
    return password


def _positive_count(key: str, value: Any, where: str) -> int:
    # From the environment a number comes as text.
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{where}: {key} must be a whole number of at least 1")
    return value


def _positive_duration(key: str, value: Any, where: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise ConfigError(f'{where}: {key} must be a duration such as "10s" or "1m"')
    try:
        seconds = parse_duration(value)
    except ValueError as exc:
        raise ConfigError(f"{where}: {key}: {exc}") from None
    if not 1 <= seconds <= MAX_CONNECTION_TIMEOUT:
        raise ConfigError(f"{where}: {key} must be from 1 s to 1 h")
    return seconds


def line_of(text: str, key: str) -> int | None:
    pattern = re.compile(rf"^\s*(\[\[?\s*{re.escape(key)}\s*\]|{re.escape(key)}\s*=)")
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.match(line):
            return number
    return None


def load_file(settings: Settings, path: Path) -> Settings:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    for key, value in data.items():
        line = line_of(text, key)
        where = f"{path}, line {line}" if line else str(path)
        settings = _apply(settings, key, value, where)
    return replace(settings, config_path=path)


_ENV = {
    "BEATWATCH_LISTEN": "listen",
    "BEATWATCH_PUBLIC_URL": "public_url",
    "BEATWATCH_DATA_DIR": "data_dir",
    "BEATWATCH_DATABASE_URL": "database_url",
    "BEATWATCH_DATABASE_PASSWORD_FILE": "database_password_file",
    "BEATWATCH_SELF_PING_URL": "self_ping_url",
    "BEATWATCH_THEME": "theme",
    "BEATWATCH_PING_RATE_LIMIT": "ping_rate_limit",
    "BEATWATCH_API_RATE_LIMIT": "api_rate_limit",
    "BEATWATCH_MAX_CONNECTIONS": "max_connections",
    "BEATWATCH_MAX_CONNECTIONS_PER_ADDRESS": "max_connections_per_address",
    "BEATWATCH_REQUEST_HEAD_TIMEOUT": "request_head_timeout",
    "BEATWATCH_KEEPALIVE_TIMEOUT": "keepalive_timeout",
}


def load(
    config_path: Path | None = None,
    environ: dict[str, str] | None = None,
    **flags: Any,
) -> Settings:
    """Settings from every layer; `flags` are the command line's (None means not given)."""
    env = os.environ if environ is None else environ
    settings = Settings()
    path = config_path or (Path(env["BEATWATCH_CONFIG"]) if env.get("BEATWATCH_CONFIG") else None)
    if path is not None:
        settings = load_file(settings, path)
    elif default_config_path().exists():
        settings = load_file(settings, default_config_path())
    for variable, key in _ENV.items():
        if env.get(variable):
            settings = _apply(settings, key, env[variable], f"environment {variable}")
    if env.get("BEATWATCH_TRUSTED_PROXIES"):
        proxies = [p.strip() for p in env["BEATWATCH_TRUSTED_PROXIES"].split(",") if p.strip()]
        settings = _apply(
            settings, "trusted_proxies", proxies, "environment BEATWATCH_TRUSTED_PROXIES"
        )
    for key, value in flags.items():
        if value is not None:
            settings = _apply(settings, key, value, f"--{key.replace('_', '-')}")
    return settings
