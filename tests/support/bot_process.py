"""The bot as a subprocess against a Discord API double: its launcher and environment."""

from __future__ import annotations

import os
from pathlib import Path

from support.phrase_vectors import shared_vector_cache

from testkit.discord_double import DiscordDouble

PROJECT_ROOT = Path(__file__).resolve().parents[2]
LAUNCHER = Path(__file__).resolve().parent / "launch_bot.py"


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
