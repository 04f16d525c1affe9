"""Configuration: a YAML file, then environment overrides, validated on load.

Precedence, lowest first: built-in defaults, the YAML file, ``CRISISBOT_<SECTION>__<KEY>``
environment variables (for example ``CRISISBOT_STORAGE__URL``), and ``TELEGRAM_API_BASE_URL``.
The Telegram token is never read from the config file: only from ``TELEGRAM_BOT_TOKEN``, or from
the file ``TELEGRAM_BOT_TOKEN_FILE`` names (a Docker secret, a systemd credential), wrapped so
that ``repr`` and logs never show it. The webhook's secret is ``TELEGRAM_WEBHOOK_SECRET``, or
derived from the token. This module is the one place that reads the environment.

Relative paths in the file resolve against the file's folder: ``flows_dir``, the crisis files,
and the path of a ``sqlite:///`` storage URL (``sqlite:///data/crisisbot.db`` next to the config
file is ``<config folder>/data/crisisbot.db``), whatever the working directory.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    Field,
    SecretStr,
    StringConstraints,
    ValidationError,
    field_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from bot.errors import ConfigError, ConfigUnreadableError
from bot.safe_yaml import StrictModel, YamlProblem, compose_yaml_text, load_yaml_text, position_of

TOKEN_ENV = "TELEGRAM_BOT_TOKEN"  # noqa: S105 (the variable's name, not a token)
TOKEN_FILE_ENV = "TELEGRAM_BOT_TOKEN_FILE"  # noqa: S105 (the variable's name, not a token)
MAX_TOKEN_FILE_BYTES = 4096
API_BASE_ENV = "TELEGRAM_API_BASE_URL"
WEBHOOK_SECRET_ENV = "TELEGRAM_WEBHOOK_SECRET"  # noqa: S105 (the variable's name, not a secret)
PTB_TIMEDELTA_ENV = "PTB_TIMEDELTA"
_WEBHOOK_SECRET_SHAPE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what Telegram accepts
MAX_CONFIG_BYTES = 1024 * 1024
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$", to_upper=True)]


class HumanContactConfig(StrictModel):
    """A person or team a person in crisis can reach, shown in every crisis reply."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    reach: Annotated[str, StringConstraints(min_length=1, max_length=300)]
    hours: Annotated[str, StringConstraints(min_length=1, max_length=120)]

    @field_validator("name", "reach", "hours")
    @classmethod
    def _plain_statement(cls, value: str) -> str:
        """Crisis replies ask at most one question and are plain text: keep contacts so."""
        odd = sorted({ch for ch in value if ch in "?<>*_`[]\n"})
        if odd:
            shown = "".join(odd).replace("\n", "a line break")
            raise ValueError(
                f"contains {shown!r}; write it as one plain statement without questions or markup"
            )
        return value


SQLITE_DRIVERS = frozenset({"sqlite", "sqlite+pysqlite"})
POSTGRES_DRIVERS = frozenset({"postgresql", "postgres", "postgresql+psycopg"})
_MEMORY = frozenset({"", ":memory:"})


class StorageConfig(StrictModel):
    """Where conversations, the outbox and cases are kept."""

    url: str = "sqlite:///data/crisisbot.db"

    @field_validator("url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        """A URL crisisbot can open: SQLite or PostgreSQL, in the form SQLAlchemy reads."""
        parsed = _parsed_url(value)
        if parsed is None or parsed.drivername not in SQLITE_DRIVERS | POSTGRES_DRIVERS:
            raise ValueError(
                "must be a database URL such as sqlite:///data/crisisbot.db or "
                "postgresql://user:password@host:5432/dbname"
            )
        if parsed.drivername in POSTGRES_DRIVERS and not parsed.database:
            raise ValueError("a postgresql:// URL must name the database after the last /")
        return value


def _parsed_url(value: str) -> URL | None:
    try:
        return make_url(value)
    except (ArgumentError, ValueError):
        return None


def sqlite_relative_path(url: str) -> str | None:
    """The relative file path of a ``sqlite:///`` URL, or ``None`` (absolute, memory, other)."""
    parsed = _parsed_url(url)
    if parsed is None or parsed.drivername not in SQLITE_DRIVERS:
        return None
    database = parsed.database or ""
    if database in _MEMORY or database.startswith("file:") or Path(database).is_absolute():
        return None
    return database


class CrisisConfig(StrictModel):
    """The crisis route. There is deliberately no key that turns the gate off."""

    default_country: CountryCode | None = "US"  # null: a multi-country card until one is chosen
    cooldown_hours: float = Field(default=24.0, gt=0, le=24 * 30)
    human_contacts: tuple[HumanContactConfig, ...] = ()
    lexicon_extra: Path | None = None
    lines_file: Path | None = None
    # An operator's own gettext catalogs, <dir>/<lang>/LC_MESSAGES/crisisbot.po: each adds (or
    # replaces) a language of the fixed replies. See docs/crisis.md, "Languages".
    catalogs_dir: Path | None = None


class TelegramConfig(StrictModel):
    """How the bot talks to the Bot API."""

    api_base_url: str = "https://api.telegram.org/bot"
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_path: str = "/telegram"
    log_text: bool = False
    metrics_port: int | None = Field(default=None, ge=1, le=65535)  # /metrics on its own port
    max_messages_per_second: float = Field(default=30.0, gt=0, le=1000)  # bot-wide, all replicas

    @field_validator("api_base_url", "webhook_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("webhook_url")
    @classmethod
    def _https_webhook(cls, value: str | None) -> str | None:
        """Telegram delivers only to https; http is left for a Bot API server on this machine."""
        if value is None or value.startswith("https://") or _is_loopback(value):
            return value
        raise ValueError(
            "must be an https:// URL: Telegram refuses to deliver to http:// (only a local Bot "
            "API server on 127.0.0.1 or localhost may use http)"
        )


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class RealertConfig(StrictModel):
    """Minutes before an unclaimed case is announced again."""

    imminent: float = Field(default=5.0, gt=0)
    other: float = Field(default=15.0, gt=0)


class ModerationConfig(StrictModel):
    """The moderators' chat and who may act in it."""

    chat_id: int | None = None
    moderators: tuple[int, ...] = ()
    realert_minutes: RealertConfig = RealertConfig()
    retention_days: int = Field(default=30, ge=1)


class EvalConfig(StrictModel):
    """Thresholds below which ``crisisbot eval`` exits 1."""

    min_crisis_recall: float = Field(default=1.0, ge=0, le=1)
    max_false_crisis_rate: float = Field(default=0.0, ge=0, le=1)
    min_advice_accuracy: float = Field(default=1.0, ge=0, le=1)


class Config(BaseSettings):
    """The whole configuration. Build it with :func:`load_config`."""

    model_config = SettingsConfigDict(
        env_prefix="CRISISBOT_", env_nested_delimiter="__", extra="forbid", frozen=True
    )

    flows_dir: Path = Path("flows")
    entry_flow: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")] = "ketamine"
    storage: StorageConfig = StorageConfig()
    crisis: CrisisConfig = CrisisConfig()
    telegram: TelegramConfig = TelegramConfig()
    moderation: ModerationConfig = ModerationConfig()
    eval: EvalConfig = EvalConfig()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Environment variables win over the file (passed as init values)."""
        return (env_settings, init_settings)


def load_config(path: Path | None = None) -> Config:
    """Read, override and validate the configuration; relative paths resolve against the file.

    Raises :class:`ConfigError` naming the file, the line, the key and the bad value.
    """
    data: dict[str, Any] = {}
    if path is not None:
        data = _read_yaml(path)
    try:
        config = Config(**data)
    except ValidationError as error:
        raise ConfigError(_describe(error, path)) from None
    api_base = os.environ.get(API_BASE_ENV)
    if api_base:
        if not api_base.startswith(("http://", "https://")):
            raise ConfigError(f"{API_BASE_ENV}={api_base!r}: must start with http:// or https://")
        config = config.model_copy(
            update={"telegram": config.telegram.model_copy(update={"api_base_url": api_base})}
        )
    if path is not None:
        config = _resolve_paths(config, path.parent)
    return config


class BotToken(SecretStr):
    """The bot token, hidden in every ``repr`` and ``str``, and where it was read from."""

    def __init__(self, secret_value: str, source: str = TOKEN_ENV) -> None:
        super().__init__(secret_value)
        #: ``TELEGRAM_BOT_TOKEN`` or ``TELEGRAM_BOT_TOKEN_FILE=<path>``, for messages.
        self.source = source


def token_source(token: SecretStr) -> str:
    """Where ``token`` was read from, for a message that tells the operator what to fix."""
    return token.source if isinstance(token, BotToken) else TOKEN_ENV


def telegram_token() -> BotToken | None:
    """The bot token from ``TELEGRAM_BOT_TOKEN`` or ``TELEGRAM_BOT_TOKEN_FILE``; ``None`` if unset.

    Raises :class:`ConfigError` when both are set, or the file cannot be read; no message ever
    quotes the file's content.
    """
    value = os.environ.get(TOKEN_ENV, "").strip()
    token_file = os.environ.get(TOKEN_FILE_ENV, "").strip()
    if value and token_file:
        raise ConfigError(f"{TOKEN_ENV} and {TOKEN_FILE_ENV} are both set; keep one of them")
    if token_file:
        return BotToken(_read_token_file(Path(token_file)), f"{TOKEN_FILE_ENV}={token_file}")
    return BotToken(value) if value else None


def webhook_secret(token: SecretStr) -> str:
    """``TELEGRAM_WEBHOOK_SECRET``, or a secret derived from the token when it is unset."""
    configured = os.environ.get(WEBHOOK_SECRET_ENV, "").strip()
    if configured:
        if not _WEBHOOK_SECRET_SHAPE.match(configured):
            raise ConfigError(
                f"{WEBHOOK_SECRET_ENV} must be 1-256 characters of A-Z, a-z, 0-9, _ and - "
                "(Telegram's rule for webhook secrets); choose a new value"
            )
        return configured
    key = token.get_secret_value().encode("utf-8")
    return hmac.new(key, b"crisisbot webhook secret", hashlib.sha256).hexdigest()


def use_timedelta_periods() -> None:
    """Opt this process in to python-telegram-bot's ``timedelta`` time periods (its v23 way).

    python-telegram-bot 22 has no setting for it but the ``PTB_TIMEDELTA`` environment variable,
    read each time a time period is (``telegram._utils.datetime.get_timedelta_value``); without
    it every flood-control answer raises a deprecation warning inside the library. Called once,
    by the command that runs the bot, before it builds anything of the library's.
    """
    os.environ.setdefault(PTB_TIMEDELTA_ENV, "true")


def _read_token_file(path: Path) -> str:
    where = f"{TOKEN_FILE_ENV}={path}"
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ConfigError(f"{where}: cannot read the token file ({error.strerror})") from None
    if len(raw) > MAX_TOKEN_FILE_BYTES:
        raise ConfigError(f"{where}: {len(raw)} bytes is not a bot token; the file holds only it")
    try:
        value = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise ConfigError(f"{where}: the token file is not UTF-8 text") from None
    if not value:
        raise ConfigError(f"{where}: the token file is empty; put the token from @BotFather in it")
    return value


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ConfigUnreadableError(
            f"{path}: cannot read the config file ({error.strerror}); check the path and that "
            "the file is readable by the user crisisbot runs as"
        ) from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigUnreadableError(
            f"{path}: config file is {len(raw)} bytes; the limit is {MAX_CONFIG_BYTES}"
        )
    try:
        loaded = load_yaml_text(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigUnreadableError(f"{path}: config file is not UTF-8 text") from None
    except YamlProblem as problem:
        raise ConfigError(f"{problem.where(path)}: error: {problem}") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ConfigError(f"{path}:1:1: error: the config file must be a mapping of keys to values")
    return loaded


def _describe(error: ValidationError, path: Path | None) -> str:
    lines = []
    for item in error.errors():
        key = ".".join(str(part) for part in item["loc"])
        where = f"{path}:{_line_of(path, item['loc'])}" if path is not None else "config"
        if item["type"] == "extra_forbidden":
            message = f"unknown key {key!r}; check its spelling against config.example.yaml"
        else:
            message = f"{key}: {item['msg']} (got {item.get('input')!r})"
        lines.append(f"{where}: error: {message}")
    return "\n".join(lines)


def _line_of(path: Path | None, loc: tuple[int | str, ...]) -> str:
    """``line:col`` of the node at ``loc`` in the file, or of its nearest existing parent."""
    if path is None:
        return "1:1"
    try:
        root = compose_yaml_text(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, YamlProblem):
        return "1:1"
    line, column = position_of(root, loc)
    return f"{line}:{column}"


def _resolve_paths(config: Config, base: Path) -> Config:
    def resolve(value: Path | None) -> Path | None:
        return value if value is None or value.is_absolute() else base / value

    crisis = config.crisis.model_copy(
        update={
            "lexicon_extra": resolve(config.crisis.lexicon_extra),
            "lines_file": resolve(config.crisis.lines_file),
        }
    )
    storage = config.storage
    relative = sqlite_relative_path(storage.url)
    if relative is not None:
        url = str(make_url(storage.url).set(database=str(base / relative)))
        storage = storage.model_copy(update={"url": url})
    return config.model_copy(
        update={"flows_dir": resolve(config.flows_dir), "crisis": crisis, "storage": storage}
    )
