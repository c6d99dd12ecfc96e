"""Asking: the /ask command with autocomplete, and questions that mention the bot."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.failures import new_ref
from bot.features.components import (
    ACK_BUDGET_SECONDS,
    answer_view,
    before_replying,
    respond,
    send_answer,
    suggestion_view,
)
from bot.features.rendering import (
    HELP_TEXT,
    answer_embed,
    not_covered_text,
    suggestion_text,
)
from bot.safety import MAX_QUESTION_LENGTH, NO_PINGS
from knowledge.matching import Decision, Matcher, MatchResult
from knowledge.model import SmallTalk
from knowledge.text import normalise, printable

if TYPE_CHECKING:
    from bot.features.services import BotServices

log = logging.getLogger(__name__)
AUTOCOMPLETE_LIMIT = 25  # Discord shows at most 25 choices
NOT_TEXT = (
    "I didn't receive your question as text. Type it after `/ask`, for example "
    "`/ask what is the TSUBAME project?`"
)
# Questions already waiting for the matching thread (~10 ms each) beyond which a new one is
# acknowledged before it is matched.
DEFER_BACKLOG = 8
TOO_LONG = f"Questions can be at most {MAX_QUESTION_LENGTH} characters; please shorten yours."


def is_blank(question: str) -> bool:
    """True when nothing is left to match: only spaces, punctuation, mentions or invisibles."""
    return not normalise(question)


def question_refusal(question: object) -> str | None:
    """Why a raw /ask ``question`` option cannot be answered, or None when it can.

    Discord's own clients always send 1–300 characters of text, but an interaction is only
    JSON: a question that is missing, not text, too long or empty gets a private refusal
    rather than failing inside discord.py's conversion (a "something went wrong" for the
    user and an error with a traceback in the log) or being logged as an unanswered question.
    """
    if not isinstance(question, str):
        return NOT_TEXT
    if len(question) > MAX_QUESTION_LENGTH:
        return TOO_LONG
    if is_blank(question):
        return HELP_TEXT
    return None


def small_talk_reply(kind: SmallTalk) -> str:
    return kind.reply or HELP_TEXT


class Ask(commands.Cog):
    def __init__(self, bot: BotServices) -> None:
        self.bot = bot

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Runs before discord.py converts the options of /ask, so it sees them raw.

        A refusal returns False, which the command tree treats as a failed check that has
        already told the user why (see FaqTree.on_error).
        """
        refusal = question_refusal(interaction.namespace.question)
        if refusal is None:
            return True
        await interaction.response.send_message(refusal, ephemeral=True, allowed_mentions=NO_PINGS)
        return False

    @app_commands.command(name="ask", description="Ask the Japan–UK–ASEAN cyber cooperation FAQ")
    @app_commands.describe(question="Your question, e.g. 'what is the TSUBAME project?'")
    async def ask(
        self,
        interaction: discord.Interaction,
        question: app_commands.Range[str, 1, MAX_QUESTION_LENGTH],
    ) -> None:
        # Newlines, tabs and invisible characters would otherwise glue or split words for the
        # matcher; the cleaned text is also what the log keeps.
        question = printable(question)
        matcher = self.bot.knowledge.current
        picked = matcher.knowledge_base.asking(question)
        result = None
        if picked is None:
            matching = self.bot.matching.match(matcher, question)
            if self.bot.matching.backlog >= DEFER_BACKLOG:
                # A burst: acknowledge now ("thinking…", privately) and answer by follow-up,
                # rather than have Discord refuse the answer as late.
                result = await before_replying(interaction, matching, ephemeral=True, budget=0)
            else:
                result = await matching
        # Small talk is answered privately, never logged, and costs no one a question.
        if result is not None and result.small_talk is not None:
            await respond(interaction, small_talk_reply(result.small_talk), ephemeral=True)
            return
        wait = self.bot.cooldown.retry_after(interaction.user.id)
        if wait:
            await respond(
                interaction, f"You're asking quickly! Try again in {wait:.0f} s.", ephemeral=True
            )
            return
        # A picked autocomplete choice sends the entry's question verbatim: answer that entry.
        if picked is not None:
            if await self._just_answered(interaction, question):
                return
            await send_answer(interaction, picked)
            await self.bot.store.record_question(
                question=question,
                decision=Decision.ANSWER.value,
                entry_id=picked.id,
                score=1.0,
                guild_id=interaction.guild_id,
                source="slash",
            )
            return
        assert result is not None  # matched above unless an autocomplete choice was picked
        if result.entry is not None:
            if await self._just_answered(interaction, question):
                return
            await send_answer(interaction, result.entry)
        elif result.decision is Decision.SUGGEST:
            choices = suggestion_view(interaction.user.id, [c.entry for c in result.candidates])
            await respond(interaction, suggestion_text(), view=choices, ephemeral=True)
        else:
            # The reply says whether the question was noted, so it is logged first; a slow
            # store defers the reply rather than making it late.
            logged = self._record_result(result, interaction.guild_id, "slash")
            noted = await before_replying(interaction, logged, ephemeral=True)
            await respond(interaction, not_covered_text(matcher, noted=noted), ephemeral=True)
            return
        # An answer or a "did you mean" promises nothing about the log: reply first, then log.
        await self._record_result(result, interaction.guild_id, "slash")

    async def _just_answered(self, interaction: discord.Interaction, question: str) -> bool:
        """True, once the asker is told, when the same answer was just posted in the channel.

        Only public answers count: a "did you mean" or "not covered" reply is private, so
        there is no answer above for the next person asking.
        """
        if self.bot.burst.first(interaction.channel_id or 0, question):
            return False
        await respond(
            interaction,
            "That was just answered in this channel; see the answer above.",
            ephemeral=True,
        )
        return True

    @ask.autocomplete("question")
    async def ask_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        # Discord sends the typed text as a string, but a malformed interaction may carry a
        # number there; treating that as nothing typed keeps the handler alive to answer.
        typed = current if isinstance(current, str) else ""
        entries = self.bot.knowledge.current.autocomplete(
            typed[:MAX_QUESTION_LENGTH], limit=AUTOCOMPLETE_LIMIT
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
        self.bot.in_flight.track_current_task()
        try:
            await self._answer_message(message, me)
        except Exception:
            ref = new_ref()
            log.exception(
                "mention handler failed (ref %s)", ref, extra={"ref": ref, "message_id": message.id}
            )
            await _reply(message, f"Sorry, something went wrong (ref `{ref}`).")

    async def _answer_message(self, message: discord.Message, me: discord.ClientUser) -> None:
        # A message may run over several lines; each line break must stay a word break.
        question = printable(re.sub(rf"<@!?{me.id}>", " ", message.content), MAX_QUESTION_LENGTH)
        if is_blank(question):
            await _reply(message, HELP_TEXT)
            return
        matcher = self.bot.knowledge.current
        result = await self.bot.matching.match(matcher, question)
        # Small talk gets its short reply, is not logged and costs no one a question.
        if result.small_talk is not None:
            await _reply(message, small_talk_reply(result.small_talk))
            return
        wait = self.bot.cooldown.retry_after(message.author.id)
        if wait:
            await _reply(
                message, f"You're asking quickly! Try again in {wait:.0f} s.", delete_after=10
            )
            return
        # A repeat is left unanswered, as the reply above serves everyone; a "did you mean"
        # serves only its asker, who alone may pick from it.
        if result.decision is not Decision.SUGGEST and not self.bot.burst.first(
            message.channel.id, question
        ):
            return
        guild_id = message.guild.id if message.guild else None
        if result.decision is Decision.NONE:
            await self._decline_message(message, result, matcher, guild_id)
            return
        await self._reply_with_result(message, result, matcher)
        await self._record_result(result, guild_id, "mention")

    async def _decline_message(
        self, message: discord.Message, result: MatchResult, matcher: Matcher, guild_id: int | None
    ) -> None:
        """Log the uncovered question, then say so only if it was logged in good time.

        A message reply has no deadline, but a slow store should not hold it up either: after
        the same budget an interaction gets, the reply goes without the "noted" line and the
        write finishes afterwards.
        """
        logged = asyncio.ensure_future(self._record_result(result, guild_id, "mention"))
        done, _ = await asyncio.wait({logged}, timeout=ACK_BUDGET_SECONDS)
        noted = bool(done) and logged.result()
        await _reply(message, not_covered_text(matcher, noted=noted))
        await asyncio.shield(logged)

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
        else:
            await message.reply(
                suggestion_text(),
                view=suggestion_view(message.author.id, [c.entry for c in result.candidates]),
                allowed_mentions=NO_PINGS,
                mention_author=False,
            )

    async def _record_result(self, result: MatchResult, guild_id: int | None, source: str) -> bool:
        return await self.bot.store.record_question(
            question=result.question,
            decision=result.decision.value,
            entry_id=result.entry.id if result.entry else None,
            score=result.score,
            guild_id=guild_id,
            source=source,
        )


async def _reply(message: discord.Message, text: str, delete_after: float | None = None) -> None:
    reply = await message.reply(text, allowed_mentions=NO_PINGS, mention_author=False)
    if delete_after is not None:
        await reply.delete(delay=delete_after)
