"""A Discord API double (REST + gateway on loopback) for testing discord.py bots.

Import the `discord_double` fixture into a conftest.py, then:

    async def test_faq(discord_double: DiscordDouble) -> None:
        async with running_bot(make_my_bot(), discord_double):
            interaction = await discord_double.slash_command("faq", {"topic": "JC3"})
            body = await discord_double.interaction_response(interaction["id"])
        assert body["type"] == 4
        discord_double.assert_clean()
"""

from __future__ import annotations

from . import app_payloads, interaction_payloads, payloads
from .fixtures import discord_double, pointed_at, running_bot
from .records import DoubleViolations, RecordedRequest, Violation
from .server import DiscordDouble
from .spec import SpecValidator, load_spec, require_spec
from .world import World, default_world

__all__ = [
    "DiscordDouble",
    "DoubleViolations",
    "RecordedRequest",
    "SpecValidator",
    "Violation",
    "World",
    "app_payloads",
    "default_world",
    "discord_double",
    "interaction_payloads",
    "load_spec",
    "payloads",
    "pointed_at",
    "require_spec",
    "running_bot",
]
