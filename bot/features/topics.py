"""Browsing: /topics shows the FAQ's topics, then the questions in one, then an answer."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.features.components import TopicSelect, respond

if TYPE_CHECKING:
    from bot.features.services import BotServices


class Topics(commands.Cog):
    def __init__(self, bot: BotServices) -> None:
        self.bot = bot

    @app_commands.command(name="topics", description="Browse the FAQ by topic")
    async def topics(self, interaction: discord.Interaction) -> None:
        knowledge_base = self.bot.knowledge.current.knowledge_base
        counts = [(t, len(knowledge_base.entries_in(t))) for t in knowledge_base.topics]
        view = discord.ui.View(timeout=None)
        view.add_item(TopicSelect(counts))
        await respond(
            interaction,
            f"The FAQ has {len(knowledge_base.entries)} questions in {len(counts)} topics.",
            view=view,
            ephemeral=True,
        )
