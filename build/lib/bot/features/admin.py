"""Maintainers' tools: /faq-admin reload | stats | unanswered | suggest (Manage Server only)."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import discord
from discord import app_commands
from discord.ext import commands

from bot.knowledge_service import KnowledgeService
from bot.reporting import format_stats, format_unanswered
from bot.safety import NO_PINGS
from bot.storage import StorageError, Store, utcnow
from bot.suggestions import format_suggestions, read_suggestions
from knowledge.proposals import without_small_talk

log = logging.getLogger(__name__)
MESSAGE_LIMIT = 2000
# Proposals shown at once: what fits in a message, most asked first.
SUGGEST_LIMIT = 8


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class FaqAdmin(commands.GroupCog, group_name="faq-admin", group_description="FAQ maintenance"):
    def __init__(self, knowledge: KnowledgeService, store: Store) -> None:
        self.knowledge = knowledge
        self.store = store
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        # Discord hides the group from members without Manage Server, but a server can
        # override that in its integration settings, so the permission is checked here too.
        permissions = interaction.permissions
        if interaction.guild is None or not permissions.manage_guild:
            await interaction.response.send_message(
                "Only members with the Manage Server permission can use this.",
                ephemeral=True,
                allowed_mentions=NO_PINGS,
            )
            return False
        return True

    @app_commands.command(name="reload", description="Re-read the FAQ files now")
    async def reload(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        outcome = await self.knowledge.reload()
        if outcome.ok:
            entries = len(self.knowledge.current.knowledge_base.entries)
            warnings = len(outcome.problems)
            text = f"FAQ reloaded: version `{outcome.version}`, {entries} entries"
            text += f", {warnings} warning(s)." if warnings else "."
        else:
            problems = "\n".join(str(p) for p in outcome.problems if p.is_error)
            text = (
                f"The edit has errors, so the FAQ still serves version `{outcome.version}`:\n"
                f"```\n{_fit(problems, MESSAGE_LIMIT - 150)}\n```"
            )
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_PINGS)

    @app_commands.command(name="stats", description="Questions, answer rates and feedback")
    @app_commands.describe(days="How many days back to count (default 30)")
    async def stats(
        self, interaction: discord.Interaction, days: app_commands.Range[int, 1, 3650] = 30
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            stats = await self.store.stats(since=utcnow() - timedelta(days=days))
            text = _code_block(format_stats(stats))
        except StorageError as error:
            text = f"Statistics are unavailable: {error}"
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_PINGS)

    @app_commands.command(name="unanswered", description="Questions the FAQ could not answer")
    @app_commands.describe(days="How many days back to look (default 30)")
    async def unanswered(
        self, interaction: discord.Interaction, days: app_commands.Range[int, 1, 3650] = 30
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            groups = await self.store.unanswered(since=utcnow() - timedelta(days=days))
            # Rows from before small talk was recognised may hold greetings: not FAQ gaps.
            matcher = self.knowledge.current.matcher
            groups = await asyncio.to_thread(without_small_talk, groups, matcher)
            text = _code_block(format_unanswered(groups))
        except StorageError as error:
            text = f"The question log is unavailable: {error}"
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_PINGS)

    @app_commands.command(name="suggest", description="What to add to the FAQ, from questions")
    @app_commands.describe(days="How many days back to look (default 30)")
    async def suggest(
        self, interaction: discord.Interaction, days: app_commands.Range[int, 1, 3650] = 30
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        snapshot = self.knowledge.current
        try:
            found = await read_suggestions(
                self.store,
                snapshot.matcher,
                snapshot.positions,
                since=utcnow() - timedelta(days=days),
                limit=SUGGEST_LIMIT,
            )
            text = format_suggestions(found, escape=discord.utils.escape_markdown)
        except StorageError as error:
            text = f"The question log is unavailable: {error}"
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_PINGS)


def _code_block(text: str) -> str:
    # Monospace keeps the columns aligned, and users' questions cannot format the message.
    fence = "`" * 3
    return f"{fence}\n{text.replace(fence, '` ` `')}\n{fence}"


def _fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 20] + "\n… (more in the log)"
