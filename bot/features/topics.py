"""Browsing: /topics shows the FAQ's topics, then the questions in one, then an answer."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.answering import Answering
from bot.features.replies import InteractionReplies
from bot.features.views import TopicSelect, sent_view, topic_options
from bot.i18n import N_, locale_language

OVERVIEW = N_("The FAQ has {questions} questions in {topics} topics.")


class Topics(commands.Cog):
    def __init__(self, answering: Answering, replies: InteractionReplies) -> None:
        self.answering = answering
        self.replies = replies

    @app_commands.command(name="topics", description="Browse the FAQ by topic")
    async def topics(self, interaction: discord.Interaction) -> None:
        knowledge_base = self.answering.snapshot.knowledge_base
        words = self.replies.words(locale_language(interaction.locale))
        topics = topic_options(knowledge_base, words.language)
        await self.replies.respond(
            interaction,
            words(OVERVIEW, questions=len(knowledge_base.entries), topics=len(topics)),
            view=sent_view(TopicSelect(topics, words), language=words.language),
            ephemeral=True,
        )
