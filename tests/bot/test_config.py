"""Settings: read in one place, from the environment over .env, with one-line errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings, load_settings, require_token, variable
from bot.rate_limits import Cooldown

README = Path(__file__).parents[2] / "README.md"
TOKEN = "MTE4NzAwMDAwMDAwMDAwMDAwMg.GxYzAb.abcdefghijklmnopqrstuvwxyz0123456789AB"


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """The real process environment without the developer's own settings or .env file."""
    for name in list(os.environ):
        if name.upper().startswith(("FAQBOT_", "DISCORD_TOKEN")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


def test_defaults_apply_when_nothing_is_set() -> None:
    settings = load_settings()
    assert settings == Settings()
    assert settings.token is None


def test_every_setting_is_read_from_the_prefixed_environment(
    environment: pytest.MonkeyPatch,
) -> None:
    for name, value in {
        "FAQBOT_FAQ_DIR": "/srv/faq",
        "FAQBOT_DATABASE": "/data/x.sqlite3",
        "FAQBOT_DEV_GUILD_ID": "123",
        "FAQBOT_LOG_LEVEL": "debug",
        "FAQBOT_LOG_FORMAT": "JSON",
        "FAQBOT_ASK_RATE": "2",
        "FAQBOT_ASK_PER_SECONDS": "7.5",
        "FAQBOT_BURST_SECONDS": "0",
        "FAQBOT_RETENTION_DAYS": "30",
        "FAQBOT_RELOAD_SECONDS": "1",
        "FAQBOT_HEALTH_FILE": "/tmp/h.json",
        "FAQBOT_SHARD_COUNT": "4",
        "FAQBOT_SHARD_IDS": "1, 3",
    }.items():
        environment.setenv(name, value)
    settings = load_settings(dotenv=None)
    assert settings.faq_dir == Path("/srv/faq")
    assert settings.database == Path("/data/x.sqlite3")
    assert settings.dev_guild_id == 123
    assert (settings.log_level, settings.log_format) == ("DEBUG", "json")
    assert (settings.ask_rate, settings.ask_per_seconds, settings.burst_seconds) == (2, 7.5, 0)
    assert (settings.retention_days, settings.reload_seconds) == (30, 1.0)
    assert settings.health_file == Path("/tmp/h.json")
    assert (settings.shard_count, settings.shard_ids) == (4, (1, 3))


def test_the_environment_wins_over_dotenv(environment: pytest.MonkeyPatch) -> None:
    Path(".env").write_text(f"# comment\nexport DISCORD_TOKEN='{TOKEN}'\nFAQBOT_LOG_LEVEL=ERROR\n")
    environment.setenv("FAQBOT_LOG_LEVEL", "WARNING")
    settings = load_settings()
    assert settings.log_level == "WARNING"
    assert settings.token is not None
    assert settings.token.get_secret_value() == TOKEN


def test_the_token_can_come_from_a_secret_file(
    environment: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    secret = tmp_path / "discord_token"
    secret.write_text(TOKEN + "\n")
    environment.setenv("DISCORD_TOKEN_FILE", str(secret))
    assert require_token(load_settings(dotenv=None)).get_secret_value() == TOKEN


def test_the_token_never_shows_in_reprs(environment: pytest.MonkeyPatch) -> None:
    environment.setenv("DISCORD_TOKEN", TOKEN)
    settings = load_settings(dotenv=None)
    assert settings.token is not None
    for shown in (repr(settings), str(settings), repr(settings.token), str(settings.token)):
        assert TOKEN not in shown


def test_an_ask_rate_of_zero_turns_the_cooldown_off(environment: pytest.MonkeyPatch) -> None:
    environment.setenv("FAQBOT_ASK_RATE", "0")
    settings = load_settings(dotenv=None)
    assert settings.ask_rate == 0
    cooldown = Cooldown(settings.ask_rate, settings.ask_per_seconds, clock=lambda: 0.0)
    assert [cooldown.retry_after("one user") for _ in range(50)] == [0.0] * 50


def test_a_retention_of_zero_days_is_kept_as_keep_forever(
    environment: pytest.MonkeyPatch,
) -> None:
    environment.setenv("FAQBOT_RETENTION_DAYS", "0")
    assert load_settings(dotenv=None).retention_days == 0


@pytest.mark.parametrize("level", ["debug", "Info", "WARNING", "error", "critical"])
def test_log_levels_are_read_in_any_case(environment: pytest.MonkeyPatch, level: str) -> None:
    environment.setenv("FAQBOT_LOG_LEVEL", level)
    assert load_settings(dotenv=None).log_level == level.upper()


def test_dotenv_inline_comments_are_not_part_of_the_value() -> None:
    Path(".env").write_text(
        f"DISCORD_TOKEN={TOKEN}  # Bot → Reset Token\nFAQBOT_LOG_LEVEL=warning # quieter\n"
    )
    settings = load_settings()
    assert settings.log_level == "WARNING"
    assert require_token(settings).get_secret_value() == TOKEN


def test_an_empty_value_leaves_the_default(environment: pytest.MonkeyPatch) -> None:
    Path(".env").write_text("DISCORD_TOKEN=\nFAQBOT_ASK_RATE=\n")
    environment.setenv("FAQBOT_LOG_FORMAT", "")
    settings = load_settings()
    assert (settings.token, settings.ask_rate, settings.log_format) == (None, 5, "text")


def test_a_dotenv_that_is_not_text_is_a_one_line_error() -> None:
    Path(".env").write_bytes(b"\xff\xfeDISCORD_TOKEN=\x00\x01")
    with pytest.raises(ConfigError, match=r"^cannot read \.env: ") as raised:
        load_settings()
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    "url",
    ["postgresql://bot:hunter2@db.internal:5432/faq", "postgres://bot@db/faq?sslmode=require"],
)
def test_a_postgresql_url_is_kept_whole_as_the_database(
    environment: pytest.MonkeyPatch, url: str
) -> None:
    environment.setenv("FAQBOT_DATABASE", url)
    settings = load_settings(dotenv=None)
    assert settings.database == url
    # A server has no directory to keep the command-sync hash beside it.
    assert settings.state_dir == Path("data")
    environment.setenv("FAQBOT_DATA_DIR", "/var/lib/faqbot")
    assert load_settings(dotenv=None).state_dir == Path("/var/lib/faqbot")


def test_the_voter_key_is_read_and_never_quoted_back(environment: pytest.MonkeyPatch) -> None:
    key = "ab" * 32
    environment.setenv("FAQBOT_VOTER_KEY", key)
    settings = load_settings(dotenv=None)
    assert settings.voter_key_bytes == bytes.fromhex(key)
    assert key not in repr(settings)
    environment.setenv("FAQBOT_VOTER_KEY", "hunter2-not-hex")
    with pytest.raises(ConfigError) as raised:
        load_settings(dotenv=None)
    assert str(raised.value).startswith("FAQBOT_VOTER_KEY is malformed: expected at least 64")
    assert "hunter2" not in str(raised.value)
    assert "\n" not in str(raised.value)


def test_the_voter_key_file_defaults_to_the_state_directory(
    environment: pytest.MonkeyPatch,
) -> None:
    environment.setenv("FAQBOT_DATABASE", "/srv/faqbot/faqbot.sqlite3")
    assert load_settings(dotenv=None).voter_key_path == Path("/srv/faqbot/voter.key")
    environment.setenv("FAQBOT_VOTER_KEY_FILE", "/run/secrets/voter_key")
    assert load_settings(dotenv=None).voter_key_path == Path("/run/secrets/voter_key")


def test_a_bad_database_url_is_never_quoted_back(environment: pytest.MonkeyPatch) -> None:
    environment.setenv("FAQBOT_DATABASE", "postgresql://bot:hunter2@db/faq?nosuchoption=1")
    with pytest.raises(ConfigError) as raised:
        load_settings(dotenv=None)
    assert str(raised.value).startswith("FAQBOT_DATABASE must be")
    assert "hunter2" not in str(raised.value)


def test_an_invalid_value_is_quoted_back_only_in_part(environment: pytest.MonkeyPatch) -> None:
    pasted = "x" * 72
    environment.setenv("FAQBOT_DEV_GUILD_ID", pasted)
    with pytest.raises(ConfigError) as raised:
        load_settings(dotenv=None)
    assert str(raised.value).endswith(f"not '{'x' * 20}…'")


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({}, "no Discord token"),
        ({"DISCORD_TOKEN": "abc"}, "DISCORD_TOKEN is malformed"),
        ({"DISCORD_TOKEN_FILE": "/nonexistent/token"}, "cannot read DISCORD_TOKEN_FILE"),
        ({"FAQBOT_ASK_RATE": "many"}, "FAQBOT_ASK_RATE must be a whole number"),
        ({"FAQBOT_BURST_SECONDS": "-1"}, "FAQBOT_BURST_SECONDS must be a number of seconds, 0 or"),
        ({"FAQBOT_RETENTION_DAYS": "-1"}, "FAQBOT_RETENTION_DAYS must be a whole number of days"),
        ({"FAQBOT_RELOAD_SECONDS": "0"}, "FAQBOT_RELOAD_SECONDS must be a number of seconds above"),
        ({"FAQBOT_DEV_GUILD_ID": "my server"}, "FAQBOT_DEV_GUILD_ID must be a server id"),
        ({"FAQBOT_SHARD_COUNT": "2", "FAQBOT_SHARD_IDS": "one"}, "FAQBOT_SHARD_IDS must be shard"),
        ({"FAQBOT_LOG_FORMAT": "xml"}, "FAQBOT_LOG_FORMAT must be 'text' or 'json'"),
        (
            {"FAQBOT_LOG_LEVEL": "verbose"},
            "FAQBOT_LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL",
        ),
        ({"FAQBOT_SHARD_IDS": "0"}, "FAQBOT_SHARD_IDS needs FAQBOT_SHARD_COUNT"),
        (
            {"FAQBOT_DATABASE": "mysql://bot:hunter2@db/faq"},
            "FAQBOT_DATABASE must be a file path or a postgresql:// URL (got a mysql:// URL)",
        ),
        (
            {"FAQBOT_DATABASE": "postgresql://bot:hunter2@db/faq?sslmode"},
            "FAQBOT_DATABASE must be a file path or a postgresql:// URL (got a malformed",
        ),
        ({"FAQBOT_SHARD_COUNT": "2", "FAQBOT_SHARD_IDS": "2"}, "between 0 and 1"),
    ],
)
def test_bad_settings_are_one_line_errors(
    environment: pytest.MonkeyPatch, environ: dict[str, str], message: str
) -> None:
    for name, value in environ.items():
        environment.setenv(name, value)
    with pytest.raises(ConfigError) as raised:
        require_token(load_settings(dotenv=None))
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_the_readme_lists_every_setting_with_its_true_default() -> None:
    section = README.read_text(encoding="utf-8").split("### Settings\n", 1)[1].split("\n#", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if line.startswith("| `"):
            rows[cells[0].strip("`")] = cells[1]
    documented = {}
    for field, info in Settings.model_fields.items():
        default = info.default
        if default is None:
            documented[variable(field)] = "unset"
        elif field == "faq_dir":
            documented[variable(field)] = "the shipped `knowledge/faq`"
        elif isinstance(default, bool):
            documented[variable(field)] = f"`{str(default).lower()}`"  # as it is written
        elif isinstance(default, float):
            documented[variable(field)] = f"`{default:g}`"
        else:
            documented[variable(field)] = f"`{default}`"
    assert rows == documented
