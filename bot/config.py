"""Every setting the bot reads, read in one place: the environment (prefix FAQBOT_), then .env.

The token is the exception to the prefix because Discord tooling everywhere calls it
DISCORD_TOKEN; a Docker secret can supply it through DISCORD_TOKEN_FILE instead.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.loader import FAQ_DIR_ENV, SHIPPED_FAQ_DIR

PREFIX = "FAQBOT_"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# Three base64url parts separated by dots: the shape of every Discord bot token.
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}$")


class ConfigError(ValueError):
    """A setting is missing or malformed; the message is one line for the operator."""


class Secret:
    """Holds a secret so that it never shows in a repr, a log line or a traceback."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__


@dataclass(frozen=True)
class Settings:
    """The bot's settings; the README's settings table lists each with its default."""

    faq_dir: Path = SHIPPED_FAQ_DIR
    database: Path = Path("data/faqbot.sqlite3")
    dev_guild_id: int | None = None
    log_level: str = "INFO"
    log_format: str = "text"
    # Per user: at most `ask_rate` questions every `ask_per_seconds` (slash and mentions);
    # 0 for either turns the cooldown off.
    ask_rate: int = 5
    ask_per_seconds: float = 30.0
    # The same question in the same channel within this window is answered once.
    burst_seconds: float = 10.0
    # Raw questions older than this many days are deleted daily; 0 keeps them forever.
    retention_days: int = 90
    reload_seconds: float = 2.0
    health_file: Path = Path("data/faqbot-health.json")
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None
    token: Secret | None = field(default=None, repr=False)

    @property
    def state_dir(self) -> Path:
        """Where the bot keeps small state files (the command-sync hash) beside its database."""
        return self.database.parent


def load_settings(
    environ: Mapping[str, str] | None = None, dotenv: Path | None = Path(".env")
) -> Settings:
    """Settings from ``environ`` (default: the process environment) over a ``.env`` file."""
    env = dict(read_dotenv(dotenv)) if dotenv is not None else {}
    env.update(os.environ if environ is None else environ)
    shard_ids = _int_list(env, f"{PREFIX}SHARD_IDS")
    shard_count = _int(env, f"{PREFIX}SHARD_COUNT")
    if shard_ids is not None and shard_count is None:
        raise ConfigError(f"{PREFIX}SHARD_IDS needs {PREFIX}SHARD_COUNT as well")
    if shard_ids and shard_count and any(not 0 <= i < shard_count for i in shard_ids):
        raise ConfigError(f"{PREFIX}SHARD_IDS must be between 0 and {shard_count - 1}")
    log_format = env.get(f"{PREFIX}LOG_FORMAT", "text").strip().lower() or "text"
    if log_format not in {"text", "json"}:
        raise ConfigError(f"{PREFIX}LOG_FORMAT must be 'text' or 'json', not {log_format!r}")
    log_level = env.get(f"{PREFIX}LOG_LEVEL", "INFO").strip().upper() or "INFO"
    if log_level not in LOG_LEVELS:
        raise ConfigError(f"{PREFIX}LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")
    defaults = Settings()
    ask_rate = _int(env, f"{PREFIX}ASK_RATE")
    retention_days = _int(env, f"{PREFIX}RETENTION_DAYS")
    return Settings(
        faq_dir=_path(env, FAQ_DIR_ENV, defaults.faq_dir),
        database=_path(env, f"{PREFIX}DATABASE", defaults.database),
        dev_guild_id=_int(env, f"{PREFIX}DEV_GUILD_ID"),
        log_level=log_level,
        log_format=log_format,
        # 0 is a setting (no cooldown; see bot.safety.Cooldown), not "unset".
        ask_rate=defaults.ask_rate if ask_rate is None else ask_rate,
        ask_per_seconds=_float(env, f"{PREFIX}ASK_PER_SECONDS", defaults.ask_per_seconds),
        burst_seconds=_float(env, f"{PREFIX}BURST_SECONDS", defaults.burst_seconds),
        # 0 keeps questions forever (bot.storage.Store never purges), not "unset".
        retention_days=defaults.retention_days if retention_days is None else retention_days,
        reload_seconds=_float(env, f"{PREFIX}RELOAD_SECONDS", defaults.reload_seconds),
        health_file=_path(env, f"{PREFIX}HEALTH_FILE", defaults.health_file),
        shard_count=shard_count,
        shard_ids=shard_ids,
        token=_token(env),
    )


def require_token(settings: Settings) -> Secret:
    """The token, or a one-line ConfigError saying how to provide it."""
    if settings.token is None:
        raise ConfigError(
            "no Discord token: set DISCORD_TOKEN (environment or .env) or DISCORD_TOKEN_FILE"
        )
    if not _TOKEN_SHAPE.match(settings.token.reveal()):
        raise ConfigError(
            "DISCORD_TOKEN is malformed: expected the bot token from the Developer Portal "
            "(three dot-separated parts)"
        )
    return settings.token


def read_dotenv(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of a .env file; comments, blanks and `export ` prefixes allowed."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    values = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.removeprefix("export ").split("=", 1)
        values[key.strip()] = value.strip().strip("'\"")
    return values


def _token(env: Mapping[str, str]) -> Secret | None:
    token = env.get("DISCORD_TOKEN", "").strip()
    token_file = env.get("DISCORD_TOKEN_FILE", "").strip()
    if not token and token_file:
        try:
            token = Path(token_file).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read DISCORD_TOKEN_FILE {token_file}: {exc}") from None
    return Secret(token) if token else None


def _path(env: Mapping[str, str], key: str, default: Path) -> Path:
    value = env.get(key, "").strip()
    return Path(value) if value else default


def _int(env: Mapping[str, str], key: str) -> int | None:
    value = env.get(key, "").strip()
    if not value:
        return None
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{key} must be a whole number, not {value!r}") from None
    if number < 0:
        raise ConfigError(f"{key} must not be negative")
    return number


def _float(env: Mapping[str, str], key: str, default: float) -> float:
    value = env.get(key, "").strip()
    if not value:
        return default
    try:
        number = float(value)
    except ValueError:
        raise ConfigError(f"{key} must be a number, not {value!r}") from None
    if number < 0:
        raise ConfigError(f"{key} must not be negative")
    return number


def _int_list(env: Mapping[str, str], key: str) -> tuple[int, ...] | None:
    value = env.get(key, "").strip()
    if not value:
        return None
    try:
        return tuple(int(part) for part in value.replace(",", " ").split())
    except ValueError:
        raise ConfigError(f"{key} must be shard numbers such as '0' or '0,1'") from None
