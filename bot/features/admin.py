"""Maintainers' tools: /faq-admin reload | stats | unanswered | suggest | autoanswer
(Manage Server only)."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import discord
from discord import app_commands
from discord.ext import commands

from bot.features.auto_answer import AutoAnswerChannels
from bot.i18n import N_, Catalog, Words, locale_language
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
NEEDS_MESSAGE_CONTENT = N_(
    "Auto-answer needs the Message Content intent: enable it for the bot in the Discord "
    "Developer Portal (Bot → Privileged Gateway Intents), set FAQBOT_MESSAGE_CONTENT=true "
    "and restart the bot."
)
AUTO_ON = N_(
    "Auto-answer is on in {channel}: clear questions there get an answer, marked automatic, "
    "that the asker or a moderator can remove."
)
AUTO_OFF = N_("Auto-answer is off in {channel}.")
AUTO_NONE = N_("Auto-answer is not on in any channel of this server.")
AUTO_NOT_SAVED = N_("Auto-answer could not be turned on: the database did not take the change.")
AUTO_LIST = N_("Auto-answer is on in: {channels}")
MANAGERS_ONLY = N_("Only members with the Manage Server permission can use this.")
RELOADED = N_("FAQ reloaded: version `{version}`, {entries} entries.")
RELOADED_WITH_WARNINGS = N_(
    "FAQ reloaded: version `{version}`, {entries} entries, {warnings} warning(s)."
)
RELOAD_FAILED = N_("The edit has errors, so the FAQ still serves version `{version}`:")
STATS_UNAVAILABLE = N_("Statistics are unavailable: {error}")
LOG_UNAVAILABLE = N_("The question log is unavailable: {error}")


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class FaqAdmin(commands.GroupCog, group_name="faq-admin", group_description="FAQ maintenance"):
    autoanswer = app_commands.Group(
        name="autoanswer", description="Answer clear questions unasked in chosen channels"
    )

    def __init__(
        self,
        knowledge: KnowledgeService,
        store: Store,
        catalog: Catalog,
        auto_channels: AutoAnswerChannels | None = None,
        *,
        message_content: bool = False,
    ) -> None:
        self.knowledge = knowledge
        self.store = store
        self.catalog = catalog
        self.auto_channels = auto_channels if auto_channels is not None else AutoAnswerChannels()
        # Whether the bot reads messages that do not mention it (FAQBOT_MESSAGE_CONTENT).
        self.message_content = message_content
        super().__init__()

    def words(self, interaction: discord.Interaction) -> Words:
        # The tools' own words follow the maintainer's Discord; reports stay in English,
        # like the FAQ's YAML and the `faqbot report` they share their tables with.
        return self.catalog.words(locale_language(interaction.locale))

    async def cog_load(self) -> None:
        try:
            channels = await self.store.auto_answer_channels()
        except StorageError as error:
            log.warning("auto-answer is off everywhere until the store can be read: %s", error)
            return
        self.auto_channels.ids = {channel for channel, _ in channels}

    @autoanswer.command(name="add", description="Turn auto-answer on in a channel")
    @app_commands.describe(channel="The channel whose clear questions the bot answers")
    async def autoanswer_add(
        self, interaction: discord.Interaction, channel: discord.TextChannel
    ) -> None:
        words = self.words(interaction)
        if not self.message_content:
            await interaction.response.send_message(
                words(NEEDS_MESSAGE_CONTENT), ephemeral=True, allowed_mentions=NO_PINGS
            )
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        guild_id = interaction.guild_id or 0
        changed = await self.store.set_auto_answer(
            channel_id=channel.id, guild_id=guild_id, on=True
        )
        if changed or channel.id in self.auto_channels.ids:
            self.auto_channels.ids.add(channel.id)
            text = words(AUTO_ON, channel=channel.mention)
        else:
            text = words(AUTO_NOT_SAVED)
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_PINGS)

    @autoanswer.command(name="remove", description="Turn auto-answer off in a channel")
    @app_commands.describe(channel="The channel to stop answering unasked in")
    async def autoanswer_remove(
        self, interaction: discord.Interaction, channel: discord.TextChannel
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.store.set_auto_answer(channel_id=channel.id, guild_id=0, on=False)
        # Off in this process whatever the store says: answering unasked must be easy to stop.
        self.auto_channels.ids.discard(channel.id)
        text = self.words(interaction)(AUTO_OFF, channel=channel.mention)
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_PINGS)

    @autoanswer.command(name="list", description="The channels auto-answer is on in")
    async def autoanswer_list(self, interaction: discord.Interaction) -> None:
        words = self.words(interaction)
        guild = interaction.guild
        here = sorted(c for c in self.auto_channels.ids if guild and guild.get_channel(c))
        if not here:
            text = words(AUTO_NONE)
        else:
            text = words(AUTO_LIST, channels=", ".join(f"<#{c}>" for c in here))
        if not self.message_content:
            text += "\n" + words(NEEDS_MESSAGE_CONTENT)
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        # Discord hides the group from members without Manage Server, but a server can
        # override that in its integration settings, so the permission is checked here too.
        permissions = interaction.permissions
        if interaction.guild is None or not permissions.manage_guild:
            await interaction.response.send_message(
                self.words(interaction)(MANAGERS_ONLY),
                ephemeral=True,
                allowed_mentions=NO_PINGS,
            )
            return False
        return True

    @app_commands.command(name="reload", description="Re-read the FAQ files now")
    async def reload(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        outcome = await self.knowledge.reload()
        words = self.words(interaction)
        if outcome.ok:
            entries = len(self.knowledge.current.knowledge_base.entries)
            warnings = len(outcome.problems)
            template = RELOADED_WITH_WARNINGS if warnings else RELOADED
            text = words(template, version=outcome.version, entries=entries, warnings=warnings)
        else:
            problems = "\n".join(str(p) for p in outcome.problems if p.is_error)
            text = (
                words(RELOAD_FAILED, version=outcome.version)
                + f"\n```\n{_fit(problems, MESSAGE_LIMIT - 150)}\n```"
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
            text = self.words(interaction)(STATS_UNAVAILABLE, error=error)
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
            text = self.words(interaction)(LOG_UNAVAILABLE, error=error)
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
            text = self.words(interaction)(LOG_UNAVAILABLE, error=error)
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_PINGS)


def _code_block(text: str) -> str:
    # Monospace keeps the columns aligned, and users' questions cannot format the message.
    fence = "`" * 3
    return f"{fence}\n{text.replace(fence, '` ` `')}\n{fence}"


def _fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 20] + "\n… (more in the log)"
