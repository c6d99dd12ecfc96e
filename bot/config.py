"""Every setting the bot reads, read in one place: the environment (prefix FAQBOT_), then .env.

pydantic-settings reads and types them; any invalid value is a ConfigError of one line that
names the variable and says what it may be. The token is the exception to the prefix because
Discord tooling everywhere calls it DISCORD_TOKEN; a Docker secret can supply it through
DISCORD_TOKEN_FILE instead.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal, Self, get_args

from pydantic import (
    BeforeValidator,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.storage.backend import parse_target
from bot.storage.voter_key import KEY_FILE_NAME, VoterKeyError, parse_key
from knowledge import SHIPPED_FAQ_DIR
from knowledge.problems import excerpt

PREFIX = "FAQBOT_"
TOKEN_VARIABLE = "DISCORD_TOKEN"
TOKEN_FILE_VARIABLE = "DISCORD_TOKEN_FILE"
# Three base64url parts separated by dots: the shape of every Discord bot token.
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}$")


class ConfigError(ValueError):
    """A setting is missing or malformed; the message is one line for the operator."""


def _upper(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


def _lower(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


def _shard_numbers(value: object) -> object:
    """'1', '0,1' and '0 1' (and a JSON list, which pydantic-settings decodes) as numbers."""
    if isinstance(value, int):  # "1" is valid JSON, so it arrives decoded
        return (value,)
    if isinstance(value, str):
        return tuple(value.replace(",", " ").split())
    return value


def _database_target(value: object) -> object:
    """A path, or a postgresql:// URL kept as text (Path() would fold its "//")."""
    if not isinstance(value, str):
        return value
    try:
        return parse_target(value)
    except ValueError as error:
        raise ValueError(
            f"{PREFIX}DATABASE must be a file path or a postgresql:// URL ({error})"
        ) from None


LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
LOG_LEVELS: tuple[str, ...] = get_args(LogLevel)


class Settings(BaseSettings):
    """The bot's settings; the README's settings table lists each with its default.

    Each description says what a value may be: it completes "FAQBOT_X must be ..." in errors.
    """

    model_config = SettingsConfigDict(
        env_prefix=PREFIX,
        env_file=".env",
        env_file_encoding="utf-8",
        # `DISCORD_TOKEN=` (as .env.example has it) or `FAQBOT_X=` leaves the default.
        env_ignore_empty=True,
        # .env may hold other tools' variables, and the tests' FAQBOT_ ones.
        extra="ignore",
        frozen=True,
    )

    faq_dir: Path = Field(SHIPPED_FAQ_DIR, description="a directory")
    database: Annotated[Path | str, BeforeValidator(_database_target)] = Field(
        Path("data/faqbot.sqlite3"), description="a file path or a postgresql:// URL"
    )
    # Small state files: the command-sync hash. Beside an SQLite file unless set.
    data_dir: Path | None = Field(None, description="a directory")
    dev_guild_id: int | None = Field(None, gt=0, description="a server id (a whole number)")
    log_level: Annotated[LogLevel, BeforeValidator(_upper)] = Field(
        "INFO", description=f"one of {', '.join(LOG_LEVELS)}"
    )
    log_format: Annotated[Literal["text", "json"], BeforeValidator(_lower)] = Field(
        "text", description="'text' or 'json'"
    )
    # Per user: at most `ask_rate` questions every `ask_per_seconds` (slash and mentions).
    ask_rate: int = Field(
        5, ge=0, description="a whole number of questions, 0 or more (0 turns the cooldown off)"
    )
    ask_per_seconds: float = Field(
        30.0, ge=0, description="a number of seconds, 0 or more (0 turns the cooldown off)"
    )
    # The same question in the same channel within this window is answered once.
    burst_seconds: float = Field(
        10.0, ge=0, description="a number of seconds, 0 or more (0 answers every repeat)"
    )
    retention_days: int = Field(
        90, ge=0, description="a whole number of days, 0 or more (0 keeps questions forever)"
    )
    # Above 0: the watcher polls this often, and 0 would poll without pause.
    reload_seconds: float = Field(2.0, gt=0, description="a number of seconds above 0")
    # Discord's privileged message-content intent, which auto-answer channels need (their
    # messages do not mention the bot). Off unless the operator has enabled it in the
    # Developer Portal too: asking for an intent the application lacks closes the gateway.
    message_content: bool = Field(False, description="true or false")
    # Members with a role of this name are never answered unasked.
    no_autoanswer_role: str = Field("no auto-answer", min_length=1, description="a role name")
    health_file: Path = Field(Path("data/faqbot-health.json"), description="a file path")
    # Where the FAQ's phrase vectors are kept between starts (knowledge/semantic.py's
    # VectorFile); unset, every start embeds every phrase.
    vector_cache: Path | None = Field(None, description="a file path")
    shard_count: int | None = Field(None, gt=0, description="a whole number of shards, 1 or more")
    shard_ids: (
        Annotated[tuple[Annotated[int, Field(ge=0)], ...], BeforeValidator(_shard_numbers)] | None
    ) = Field(None, description="shard numbers such as '0' or '0,1'")
    # The key that hides voter ids, kept out of the database (bot/storage/voter_key.py).
    voter_key: SecretStr | None = Field(
        None, description="at least 64 hexadecimal digits (secrets.token_hex(32))"
    )
    voter_key_file: Path | None = Field(None, description="a file path")
    # Declared before `token`, whose validator reads it.
    token_file: Path | None = Field(
        None, validation_alias=TOKEN_FILE_VARIABLE, description="a readable file"
    )
    token: SecretStr | None = Field(
        None,
        validation_alias=TOKEN_VARIABLE,
        validate_default=True,
        description="the bot token from the Developer Portal",
    )

    @field_validator("token")
    @classmethod
    def _token_or_its_file(cls, token: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        """DISCORD_TOKEN, else the contents of DISCORD_TOKEN_FILE; None when neither is set."""
        text = token.get_secret_value() if token is not None else ""
        token_file = info.data.get("token_file")
        if not text.strip() and token_file is not None:
            try:
                text = token_file.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                reason = getattr(exc, "strerror", None) or exc
                raise ValueError(
                    f"cannot read {TOKEN_FILE_VARIABLE} {token_file}: {reason}"
                ) from None
        return SecretStr(text.strip()) if text.strip() else None

    @field_validator("voter_key")
    @classmethod
    def _hexadecimal_key(cls, key: SecretStr | None) -> SecretStr | None:
        if key is not None:
            try:
                parse_key(key.get_secret_value())
            except VoterKeyError as error:
                # The key is never quoted back.
                raise ValueError(f"{PREFIX}VOTER_KEY is malformed: {error}") from None
        return key

    @model_validator(mode="after")
    def _shards_agree(self) -> Self:
        if self.shard_ids is not None and self.shard_count is None:
            raise ValueError(f"{PREFIX}SHARD_IDS needs {PREFIX}SHARD_COUNT as well")
        if self.shard_count and any(i >= self.shard_count for i in self.shard_ids or ()):
            raise ValueError(f"{PREFIX}SHARD_IDS must be between 0 and {self.shard_count - 1}")
        return self

    @property
    def state_dir(self) -> Path:
        """Where the bot keeps small state files (the command-sync hash): FAQBOT_DATA_DIR, else
        beside an SQLite database, else ./data (a PostgreSQL database has no directory)."""
        if self.data_dir is not None:
            return self.data_dir
        return self.database.parent if isinstance(self.database, Path) else Path("data")

    @property
    def voter_key_bytes(self) -> bytes | None:
        return None if self.voter_key is None else parse_key(self.voter_key.get_secret_value())

    @property
    def voter_key_path(self) -> Path:
        """FAQBOT_VOTER_KEY_FILE, else ``voter.key`` in the state directory."""
        return self.voter_key_file or self.state_dir / KEY_FILE_NAME


def variable(field: str) -> str:
    """The environment variable that sets the setting ``field``."""
    alias = Settings.model_fields[field].validation_alias
    return alias if isinstance(alias, str) else PREFIX + field.upper()


def load_settings(dotenv: Path | None = Path(".env")) -> Settings:
    """Settings from the process environment over the ``dotenv`` file (None: no file)."""
    try:
        # _env_file is pydantic-settings' own argument, absent from the signature mypy derives
        # from the fields.
        return Settings(_env_file=dotenv)  # type: ignore[call-arg]
    except ValidationError as error:
        raise ConfigError("; ".join(_describe(e) for e in error.errors())) from None
    except (OSError, UnicodeDecodeError) as error:  # the .env file exists but cannot be read
        reason = getattr(error, "strerror", None) or error
        raise ConfigError(f"cannot read {dotenv}: {reason}") from None


def require_token(settings: Settings) -> SecretStr:
    """The token, or a one-line ConfigError saying how to provide it."""
    if settings.token is None:
        raise ConfigError(
            f"no Discord token: set {TOKEN_VARIABLE} (environment or .env) or {TOKEN_FILE_VARIABLE}"
        )
    if not _TOKEN_SHAPE.match(settings.token.get_secret_value()):
        raise ConfigError(
            f"{TOKEN_VARIABLE} is malformed: expected the bot token from the Developer Portal "
            "(three dot-separated parts)"
        )
    return settings.token


def _describe(error: ErrorDetails) -> str:
    """One invalid value as "VARIABLE must be <what is allowed>, not '<value>'"."""
    if error["type"] == "value_error":  # raised by a validator above; its message says it all
        return str(error["ctx"]["error"])
    by_variable = {variable(field): field for field in Settings.model_fields}
    location = str(error["loc"][0]) if error["loc"] else ""
    field = by_variable.get(location, location)
    if field not in Settings.model_fields:
        return f"{location or 'settings'}: {error['msg']}"
    allowed = f"{variable(field)} must be {Settings.model_fields[field].description}"
    # Secrets are never quoted back, not even in part.
    secret = field in {"token", "voter_key"}
    return allowed if secret else f"{allowed}, not {excerpt(error['input'])}"
