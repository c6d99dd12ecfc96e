"""The bot fixtures (tests/support/bot_fixtures.py) and the Discord double, for these tests."""

from support.bot_fixtures import (
    as_server_manager,
    bot,
    eventually,
    faq_dir,
    settings,
    start_bot,
)

from testkit.discord_double import discord_double

__all__ = [
    "as_server_manager",
    "bot",
    "discord_double",
    "eventually",
    "faq_dir",
    "settings",
    "start_bot",
]
