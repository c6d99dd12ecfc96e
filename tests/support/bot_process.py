"""The bot as a subprocess against a Discord API double: its launcher and environment."""

from __future__ import annotations

import os
from pathlib import Path

from testkit.discord_double import DiscordDouble

PROJECT_ROOT = Path(__file__).resolve().parents[2]
LAUNCHER = Path(__file__).resolve().parent / "launch_bot.py"


# Set by tests/conftest.py: where this test process's bot processes keep phrase vectors. (Not
# a FAQBOT_ name, which the settings fixture would clear from the environment.)
VECTOR_FILE = "FAQBOT_TESTS_VECTOR_FILE"


def shared_vector_cache() -> dict[str, str]:
    """The setting that makes a bot process keep its phrase vectors in this run's shared file
    (tests/conftest.py), or nothing outside a test run."""
    shared = os.environ.get(VECTOR_FILE)
    return {"FAQBOT_VECTOR_CACHE": shared} if shared else {}


def bot_environment(
    double: DiscordDouble, tmp_path: Path, faq_dir: Path, **settings: str
) -> dict[str, str]:
    """Environment for `launch_bot.py`: the double's addresses, a private database and
    heartbeat under ``tmp_path``, commands synced to the double's guild, and no rate limits."""
    return {
        **os.environ,
        "PYTHONPATH": str(PROJECT_ROOT),
        "DISCORD_TOKEN": double.token,
        "FAQBOT_TEST_API_BASE": double.api_base,
        "FAQBOT_TEST_GATEWAY": double.gateway_url,
        "FAQBOT_FAQ_DIR": str(faq_dir),
        "FAQBOT_DATABASE": str(tmp_path / "data" / "faqbot.sqlite3"),
        "FAQBOT_HEALTH_FILE": str(tmp_path / "data" / "health.json"),
        "FAQBOT_DEV_GUILD_ID": double.world.guild_id,
        "FAQBOT_ASK_RATE": "100000",
        "FAQBOT_BURST_SECONDS": "0",
        # The bots a test process starts share their phrase vectors (tests/conftest.py).
        **shared_vector_cache(),
        **settings,
    }
