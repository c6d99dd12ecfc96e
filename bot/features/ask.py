"""Asking: the /ask command with autocomplete, and questions that mention the bot."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.failures import new_ref
from bot.features.components import answer_view, respond, send_answer, suggestion_view
from bot.features.rendering import (
    HELP_TEXT,
    answer_embed,
    not_covered_text,
    suggestion_text,
)
from bot.safety import MAX_QUESTION_LENGTH, NO_PINGS
from knowledge.matching import Decision, Matcher, MatchResult

if TYPE_CHECKING:
    from bot.client import FaqBot

log = logging.getLogger(__name__)
AUTOCOMPLETE_LIMIT = 25  # Discord shows at most 25 choices


class Ask(commands.Cog):
    def __init__(self, bot: FaqBot) -> None:
        self.bot = bot

    @app_commands.command(name="ask", description="Ask the Japan–UK–ASEAN cyber cooperation FAQ")
    @app_commands.describe(question="Your question, e.g. 'what is the TSUBAME project?'")
    async def ask(
        self,
        interaction: discord.Interaction,
        question: app_commands.Range[str, 1, MAX_QUESTION_LENGTH],
    ) -> None:
        wait = self.bot.cooldown.retry_after(interaction.user.id)
        if wait:
            await interaction.response.send_message(
                f"You're asking quickly! Try again in {wait:.0f} s.",
                ephemeral=True,
                allowed_mentions=NO_PINGS,
            )
            return
        matcher = self.bot.knowledge.current
        # A picked autocomplete choice sends the entry's question verbatim: answer that entry.
        picked = next((e for e in matcher.knowledge_base.entries if e.question == question), None)
        if picked is not None:
            if await self._just_answered(interaction, question):
                return
            await send_answer(interaction, picked)
            await self._record(question, "answer", picked.id, 1.0, interaction.guild_id, "slash")
            return
        result = matcher.match(question)
        if result.entry is not None:
            if await self._just_answered(interaction, question):
                return
            await send_answer(interaction, result.entry)
        elif result.decision is Decision.SUGGEST:
            choices = suggestion_view(interaction.user.id, [c.entry for c in result.candidates])
            await respond(interaction, suggestion_text(), view=choices, ephemeral=True)
        else:
            await interaction.response.send_message(
                not_covered_text(matcher), ephemeral=True, allowed_mentions=NO_PINGS
            )
        await self._record_result(result, interaction.guild_id, "slash")

    async def _just_answered(self, interaction: discord.Interaction, question: str) -> bool:
        """True, once the asker is told, when the same answer was just posted in the channel.

        Only public answers count: a "did you mean" or "not covered" reply is private, so
        there is no answer above for the next person asking.
        """
        if self.bot.burst.first(interaction.channel_id or 0, question):
            return False
        await interaction.response.send_message(
            "That was just answered in this channel; see the answer above.",
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )
        return True

    @ask.autocomplete("question")
    async def ask_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        entries = self.bot.knowledge.current.autocomplete(
            current[:MAX_QUESTION_LENGTH], limit=AUTOCOMPLETE_LIMIT
        )
        return [app_commands.Choice(name=e.question, value=e.question) for e in entries]

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        me = self.bot.user
        if message.author.bot or me is None or not self.bot.accepting:
            return
        in_dm = message.guild is None
        # Only a direct mention of the bot counts: role and @everyone mentions do not.
        if not in_dm and me not in message.mentions:
            return
        try:
            await self._answer_message(message, me)
        except Exception:
            ref = new_ref()
            log.exception(
                "mention handler failed (ref %s)", ref, extra={"ref": ref, "message_id": message.id}
            )
            await _reply(message, f"Sorry, something went wrong (ref `{ref}`).")

    async def _answer_message(self, message: discord.Message, me: discord.ClientUser) -> None:
        question = re.sub(rf"<@!?{me.id}>", " ", message.content).strip()[:MAX_QUESTION_LENGTH]
        if not question:
            await _reply(message, HELP_TEXT)
            return
        wait = self.bot.cooldown.retry_after(message.author.id)
        if wait:
            await _reply(
                message, f"You're asking quickly! Try again in {wait:.0f} s.", delete_after=10
            )
            return
        matcher = self.bot.knowledge.current
        result = matcher.match(question)
        # A repeat is left unanswered, as the reply above serves everyone; a "did you mean"
        # serves only its asker, who alone may pick from it.
        if result.decision is not Decision.SUGGEST and not self.bot.burst.first(
            message.channel.id, question
        ):
            return
        await self._reply_with_result(message, result, matcher)
        await self._record_result(result, message.guild.id if message.guild else None, "mention")

    async def _reply_with_result(
        self, message: discord.Message, result: MatchResult, matcher: Matcher
    ) -> None:
        if result.entry is not None:
            await message.reply(
                embed=answer_embed(result.entry),
                view=answer_view(result.entry, matcher.knowledge_base.get),
                allowed_mentions=NO_PINGS,
                mention_author=False,
            )
        elif result.decision is Decision.SUGGEST:
            await message.reply(
                suggestion_text(),
                view=suggestion_view(message.author.id, [c.entry for c in result.candidates]),
                allowed_mentions=NO_PINGS,
                mention_author=False,
            )
        else:
            await _reply(message, not_covered_text(matcher))

    async def _record_result(self, result: MatchResult, guild_id: int | None, source: str) -> None:
        entry_id = result.entry.id if result.entry else None
        await self._record(
            result.question, result.decision.value, entry_id, result.score, guild_id, source
        )

    async def _record(
        self,
        question: str,
        decision: str,
        entry_id: str | None,
        score: float,
        guild_id: int | None,
        source: str,
    ) -> None:
        await self.bot.store.record_question(
            question=question,
            decision=decision,
            entry_id=entry_id,
            score=score,
            guild_id=guild_id,
            source=source,
        )


async def _reply(message: discord.Message, text: str, delete_after: float | None = None) -> None:
    reply = await message.reply(text, allowed_mentions=NO_PINGS, mention_author=False)
    if delete_after is not None:
        await reply.delete(delay=delete_after)
