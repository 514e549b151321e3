"""The hub's settings: defaults, then the user's config file, then ``SOCKETIO_*`` variables.

The config file is TOML in the user's config directory (``config_file_path()``); the
desktop app's settings dialog writes the same file.  ``SOCKETIO_CONFIG_FILE`` points
at another file, which is how tests keep away from the real one.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import secrets
import tempfile
import tomllib
from functools import cache
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import platformdirs
import tomli_w
from pydantic import Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from .cluster.redaction import redacted_url
from .network import IPNetwork

APP_NAME = "socketio-tray"
ENV_PREFIX = "SOCKETIO_"
DEFAULT_PORT = 8765
DASHBOARD_TOKEN_BYTES = 18  # 24 URL-safe characters: short enough for a QR code
# A DNS label holds 63 bytes; mDNS appends "-2", "-3", ... to a name another hub holds.
NODE_NAME_MAX_BYTES = 59
REDIS_SCHEMES = ("redis", "rediss", "unix")

logger = logging.getLogger(__name__)

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


def config_file_path() -> Path:
    """Where the settings file lives: ``SOCKETIO_CONFIG_FILE`` or the user's config dir."""
    override = os.environ.get(f"{ENV_PREFIX}CONFIG_FILE")
    if override:
        return Path(override)
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "config.toml"


def _split_list(value: Any) -> Any:
    """Accept ``"a, b"`` as well as a list, so env variables need no JSON."""
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


class Settings(BaseSettings):
    """Everything the hub can be told; each field is also ``SOCKETIO_<NAME>``."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        extra="ignore",
        validate_default=True,
    )

    host: str = Field("0.0.0.0", description="address to bind; 0.0.0.0 serves the whole LAN")
    port: int = Field(DEFAULT_PORT, ge=0, le=65535, description="TCP port; 0 picks a free one")
    logger_level: LogLevel = "INFO"
    ping_interval: float = Field(25.0, gt=0, le=3600)
    ping_timeout: float = Field(20.0, gt=0, le=3600)
    connect_timeout: float = Field(
        45.0, gt=0, le=3600,
        description="seconds a new connection may take to join a namespace (the reference "
        "server's connectTimeout, independent of the heartbeat)")
    max_http_buffer_size: int = Field(1_000_000, ge=1024, le=100_000_000)
    cors_allowed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="web origins whose pages may connect; empty: only the hub's own, "
        "'*': any (devices and programs send no Origin and are never affected)",
    )
    auth_token: str | None = Field(None, description="when set, clients must present it")
    dashboard_token: str | None = None
    trusted_proxies: Annotated[list[IPNetwork], NoDecode] = Field(default_factory=list)
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="more names a request's Host may carry (a reverse proxy, a DNS alias) "
        "besides this machine's own addresses, names and .local name",
    )
    max_connections: int = Field(10_000, ge=1, le=1_000_000)
    max_connections_per_ip: int = Field(
        1_000, ge=1, le=1_000_000,
        description="open TCP connections one peer address may hold; a trusted proxy "
        "counts only against max_open_connections")
    max_open_connections: int | None = Field(
        None, ge=1, le=10_000_000,
        description="open TCP connections in all; unset: 2 x max_connections + 1,000 "
        "(a polling client holds two), never more than the open-files limit leaves")
    max_pending_sessions_per_ip: int = Field(
        100, ge=1, le=1_000_000,
        description="Engine.IO sessions one peer address may hold before they join a "
        "namespace (each also counts against max_connections); a device needs one or two, "
        "a NAT or a program opening many clients at once shares one address")
    max_queued_packets: int = Field(
        10_000, ge=16, le=10_000_000,
        description="packets waiting to be sent to one client; past it the client is dropped")
    max_queued_bytes: int = Field(
        16 * 1024 * 1024, ge=64 * 1024, le=4 * 1024 * 1024 * 1024,
        description="bytes waiting to be sent to one client; past it the client is dropped "
        "(the default holds 16 messages of the largest size a client may send)")
    max_rooms_per_client: int = Field(100, ge=1, le=100_000,
                                      description="rooms one client may be in at once")
    http_header_timeout: float = Field(
        10.0, gt=0, le=3600, description="seconds a connection has to send a request's headers")
    http_keep_alive_timeout: float = Field(
        5.0, gt=0, le=3600, description="seconds an idle keep-alive connection stays open")
    # The traffic inspector's journal (server/inspector): bounded in entries and in bytes.
    inspector: bool = Field(True, description="record the hub's traffic for the inspector")
    inspector_size: int = Field(10_000, ge=1, le=1_000_000, description="entries kept")
    inspector_bytes: int = Field(16 * 1024 * 1024, ge=1024 * 1024, le=1024 * 1024 * 1024,
                                 description="bytes the journal may hold, approximately")
    inspector_max_payload: int = Field(4096, ge=64, le=256 * 1024,
                                       description="payload bytes kept per entry; more is cut")
    inspector_payloads: bool = Field(True, description="keep payloads, not only metadata")
    discovery: bool = Field(True, description="advertise the hub on the LAN by mDNS/DNS-SD")
    node_name: str | None = Field(
        None, description="the name the hub is advertised and shown under; default "
        "'socketio-tray on <host name>'")

    redis_url: str | None = Field(
        None, description="join the cluster on this Redis (redis://, rediss:// or unix://); "
        "unset: a single hub")
    cluster_name: str = Field(
        "socketio-tray", min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:-]+$",
        description="the cluster's channel prefix, so two clusters can share one Redis")

    @field_validator("node_name", mode="before")
    @classmethod
    def _check_node_name(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        value = value.strip()
        if not value:
            return None
        if "." in value or any(not character.isprintable() for character in value):
            raise ValueError("must be printable and without '.' (it becomes one DNS label)")
        if len(value.encode()) > NODE_NAME_MAX_BYTES:
            raise ValueError(f"must be at most {NODE_NAME_MAX_BYTES} bytes in UTF-8")
        return value

    @field_validator("redis_url", mode="before")
    @classmethod
    def _check_redis_url(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        value = value.strip()
        if not value:
            return None
        parts = urlsplit(value)
        if parts.scheme not in REDIS_SCHEMES:
            raise ValueError("must start with redis://, rediss:// or unix://")
        if parts.scheme != "unix" and not parts.hostname:
            raise ValueError("must name a host, as in redis://127.0.0.1:6379/0")
        if parts.scheme == "unix" and not parts.path:
            raise ValueError("must name a socket file, as in unix:///run/redis/redis.sock")
        try:
            parts.port  # noqa: B018  # raises ValueError for a port out of range
        except ValueError:
            raise ValueError("has a port that is not a number from 1 to 65535") from None
        return value

    @field_validator("host")
    @classmethod
    def _check_host(cls, value: str) -> str:
        value = value.strip()
        if value == "localhost":
            return value
        try:
            return str(ipaddress.ip_address(value))
        except ValueError:
            raise ValueError("must be an IP address such as 0.0.0.0 or 127.0.0.1") from None

    @field_validator("logger_level", mode="before")
    @classmethod
    def _upper_level(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("cors_allowed_origins", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        return _split_list(value)

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _host_names(cls, value: Any) -> Any:
        value = _split_list(value)
        if isinstance(value, list):  # as a Host header's name is compared: see server.hosts
            return [v.strip().lower().rstrip(".") if isinstance(v, str) else v for v in value]
        return value

    @field_validator("auth_token", "dashboard_token", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _networks(cls, value: Any) -> Any:
        value = _split_list(value)
        if isinstance(value, list):
            return [ipaddress.ip_network(v, strict=False) if isinstance(v, str) else v
                    for v in value]
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Earlier sources win: explicit arguments, then the environment, then the file.
        return (init_settings, env_settings, _ConfigFileSource(settings_cls))


class _ConfigFileSource(TomlConfigSettingsSource):
    """The TOML config file, with a readable error when it is not TOML at all."""

    def __init__(self, settings_cls: type[BaseSettings]) -> None:
        self.path = config_file_path()
        if self.path.is_dir():  # pydantic-settings would skip it without a word
            raise SettingsError(f"config file {self.path}: is a directory, not a file")
        super().__init__(settings_cls, toml_file=self.path)

    def _read_file(self, file_path: Path | Traversable) -> dict[str, Any]:
        try:
            return super()._read_file(file_path)
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SettingsError(f"config file {file_path}: not valid TOML ({exc})") from None
        except OSError as exc:
            raise SettingsError(f"config file {file_path}: cannot be read ({exc})") from None


class SettingsError(ValueError):
    """A setting is invalid; the message is one line that names it and says why."""


def describe_validation_error(error: ValidationError) -> str:
    """Turn pydantic's report into ``SOCKETIO_PORT: must be ... (got '-1')`` lines."""
    lines = []
    for item in error.errors():
        name = ".".join(str(part) for part in item["loc"][:1]) or "settings"
        got = item.get("input")
        if name == "redis_url" and isinstance(got, str):
            got = redacted_url(got)  # a Redis URL may carry a password
        shown = repr(got) if len(repr(got)) <= 60 else repr(got)[:57] + "..."
        message = item["msg"].removeprefix("Value error, ")
        lines.append(f"{ENV_PREFIX}{name.upper()}: {message} (got {shown})")
    return "; ".join(lines)


def load_settings(**overrides: Any) -> Settings:
    """Read the settings now; raise ``SettingsError`` with one clear line if any is bad."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise SettingsError(f"invalid setting: {describe_validation_error(exc)}") from None


def read_config_file(path: Path | None = None) -> dict[str, Any]:
    """The raw contents of the config file (empty if there is none)."""
    path = config_file_path() if path is None else path
    if not path.exists():
        return {}
    try:
        with path.open("rb") as file:
            return tomllib.load(file)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
        raise SettingsError(f"config file {path}: cannot be read ({exc})") from None


def save_config_file(values: dict[str, Any], path: Path | None = None) -> Path:
    """Merge ``values`` into the config file (None removes a key), atomically.

    The values are checked first: what is saved is what the next start will accept.
    The file holds tokens, so it is readable by its owner only.
    """
    path = config_file_path() if path is None else path
    merged = {**read_config_file(path), **values}
    merged = {key: value for key, value in merged.items() if value is not None}
    try:
        Settings.model_validate(merged)
    except ValidationError as exc:
        raise SettingsError(f"invalid setting: {describe_validation_error(exc)}") from None
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=".config-", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as file:
            tomli_w.dump(merged, file)
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def with_dashboard_token(settings: Settings) -> Settings:
    """``settings`` with a dashboard token: the user's, or a new one for this run only.

    The LAN needs a token to see the dashboard.  Nothing is written here: keeping a
    generated token is ``ensure_dashboard_token``'s, which only the entry points call.
    """
    if settings.dashboard_token is not None:
        return settings
    return settings.model_copy(
        update={"dashboard_token": secrets.token_urlsafe(DASHBOARD_TOKEN_BYTES)})


def ensure_dashboard_token(settings: Settings) -> Settings:
    """``settings`` with a dashboard token, generating and saving one if the user set none.

    For the entry points (``run_server``, the desktop app): the same token must survive
    restarts (phones keep it in a cookie, the QR code shows it).  If the file cannot be
    written the token still protects this run, and the failure is logged.
    """
    if settings.dashboard_token is not None:
        return settings
    settings = with_dashboard_token(settings)
    try:
        path = save_config_file({"dashboard_token": settings.dashboard_token})
        logger.info("generated a dashboard token for other devices: dashboard_token in %s", path)
    except (OSError, SettingsError) as exc:
        logger.warning("dashboard token not saved, it lasts until the hub stops: %s", exc)
    return settings


@cache
def _global_settings() -> Settings:
    return load_settings()


def __getattr__(name: str) -> Settings:
    """``settings``, the seed's API: ``load_settings()`` read once, on first use.

    The same reading as every entry point's (defaults, the config file, ``SOCKETIO_*``),
    and what ``app.create_app()`` serves with.  Read on first use, so that importing this
    module never fails and a bad value surfaces where the caller can report it.
    """
    if name == "settings":
        return _global_settings()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
