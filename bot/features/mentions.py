"""Questions that mention the bot, and direct messages: the message way in to answering.

A mention is answered with a reply in the channel (an interaction's privacy does not exist
here), so the rendering differs from /ask, but the rules are the answering layer's.
"""

from __future__ import annotations

import asyncio
import logging
import re

import discord
from discord.ext import commands

from bot.answering import (
    Answer,
    Answering,
    Asking,
    NotCovered,
    Outcome,
    Reason,
    Refused,
    SmallTalkReply,
    Suggestions,
    Way,
)
from bot.failures import new_ref
from bot.features.rendering import (
    answer_embed,
    help_text,
    not_covered_text,
    refusal_text,
    shown_name,
    suggestion_text,
)
from bot.features.replies import ACK_BUDGET_SECONDS
from bot.features.services import BotServices
from bot.features.views import answer_view, suggestion_view
from bot.i18n import N_, Words
from bot.safety import MAX_QUESTION_LENGTH, NO_PINGS
from knowledge.language import answer_language
from knowledge.text import normalise, printable

log = logging.getLogger(__name__)
# A cooldown note in a channel is for the asker alone; it goes away again after this long.
NOTE_SECONDS = 10.0
SOMETHING_WENT_WRONG = N_("Sorry, something went wrong (ref `{ref}`).")
ANSWERING_FOR = N_("Answering {name}'s question:")


class Mentions(commands.Cog):
    def __init__(self, bot: BotServices, answering: Answering) -> None:
        self.bot = bot
        self.answering = answering

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
            await self._answer(message, me)
        except Exception:
            ref = new_ref()
            log.exception(
                "mention handler failed (ref %s)", ref, extra={"ref": ref, "message_id": message.id}
            )
            # A message has no locale: the reply is in the language it was written in.
            words = self.bot.catalog.words(answer_language(message.content))
            await _reply(message, words(SOMETHING_WENT_WRONG, ref=ref))

    async def _answer(self, message: discord.Message, me: discord.ClientUser) -> None:
        question = question_in(message, me)
        replied_to = replied_question(message, me) if is_blank(question) else None
        asker = replied_to.author if replied_to is not None else message.author
        asked = question_in(replied_to, me) if replied_to is not None else question
        # A message carries no locale: it is answered in the language it is written in.
        words = self.bot.catalog.words(answer_language(asked))
        asking = Asking(
            Way.MENTION,
            user_id=message.author.id,
            channel_id=message.channel.id,
            guild_id=message.guild.id if message.guild else None,
            question=asked,
            in_dm=message.guild is None,
            on_behalf_of=asker.id if replied_to is not None else None,
            language=words.language,
        )
        outcome = await self.answering.answer(asking)
        if replied_to is not None and isinstance(outcome, Answer | Suggestions):
            # Answered under the question it answers, saying whose question that is.
            heading = words(ANSWERING_FOR, name=shown_name(asker.display_name))
            await self._send(replied_to, outcome, asker.id, words, heading)
            return
        await self._send(message, outcome, message.author.id, words)

    async def _send(
        self,
        message: discord.Message,
        outcome: Outcome,
        asker_id: int,
        words: Words,
        heading: str | None = None,
    ) -> None:
        if isinstance(outcome, Answer):
            reply = await message.reply(
                heading,
                embed=answer_embed(outcome.entry, words),
                view=answer_view(outcome, words),
                allowed_mentions=NO_PINGS,
                mention_author=False,
            )
            self.answering.posted(message.channel.id, outcome, reply.jump_url)
        elif isinstance(outcome, Suggestions):
            asked = suggestion_text(words)
            text = asked if heading is None else f"{heading}\n{asked}"
            await message.reply(
                text,
                view=suggestion_view(asker_id, outcome.entries, outcome.token, words),
                allowed_mentions=NO_PINGS,
                mention_author=False,
            )
        elif isinstance(outcome, NotCovered):
            await self._decline(message, outcome, words)
            return
        elif isinstance(outcome, SmallTalkReply):
            name = message.guild.me.display_name if message.guild else None
            await _reply(message, outcome.reply or help_text(words, name or self._own_name()))
        elif isinstance(outcome, Refused) and outcome.reason is not Reason.JUST_ANSWERED:
            # (A repeat is left unanswered in the channel: the answer just above serves all.)
            await _reply(message, refusal_text(words, outcome), delete_after=NOTE_SECONDS)
        await self.answering.record(outcome)

    def _own_name(self) -> str | None:
        return self.bot.user.display_name if self.bot.user else None

    async def _decline(self, message: discord.Message, outcome: NotCovered, words: Words) -> None:
        """Log the uncovered question, then say so only if it was logged in good time.

        A message reply has no deadline, but a slow store should not hold it up either: after
        the same budget an interaction gets, the reply goes without the "noted" line and the
        write finishes afterwards.
        """
        logged = asyncio.ensure_future(self.answering.record(outcome))
        done, _ = await asyncio.wait({logged}, timeout=ACK_BUDGET_SECONDS)
        noted = bool(done) and logged.result()
        await _reply(message, not_covered_text(words, outcome.topics, noted=noted))
        await asyncio.shield(logged)


def question_in(message: discord.Message, me: discord.ClientUser) -> str:
    # A message may run over several lines; each line break must stay a word break.
    text = re.sub(rf"<@!?{me.id}>", " ", message.content)
    return printable(text, MAX_QUESTION_LENGTH)


def replied_question(message: discord.Message, me: discord.ClientUser) -> discord.Message | None:
    """The member's message that a bare mention replies to, when it has a question to answer.

    (Discord sends a replied-to message's text to a bot without the message-content intent
    only in some cases; when it is withheld there is nothing to answer, and the mention gets
    the help text as a bare mention does.)
    """
    reference = message.reference
    replied = reference.resolved if reference is not None else None
    if not isinstance(replied, discord.Message) or replied.author.bot:
        return None
    return None if is_blank(question_in(replied, me)) else replied


def is_blank(question: str) -> bool:
    return not normalise(question)


async def _reply(message: discord.Message, text: str, delete_after: float | None = None) -> None:
    reply = await message.reply(text, allowed_mentions=NO_PINGS, mention_author=False)
    if delete_after is not None:
        await reply.delete(delay=delete_after)
