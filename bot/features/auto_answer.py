"""Auto-answer: in the channels a maintainer chose, a clear question gets an answer unasked.

Opt-in per channel (``/faq-admin autoanswer``, kept in the database), and only with the
message-content intent, since the messages do not mention the bot. The bot stays silent
unless the answering layer is very sure (``Answering.auto_answer``), and also for: replies to
someone's message (a conversation, not a question to the room), a thread it has answered in
already, members with the no-auto-answer role, and the bot's own mentions (answered as
mentions). The reply says it is automatic and can be removed by the asker or a moderator,
with 🗑 or "Not what I asked", which also counts as a miss in the maintainers' figures.
"""

from __future__ import annotations

import logging
from collections import OrderedDict

import discord
from discord.ext import commands

from bot.answering import Answering, Asking, Way
from bot.features.rendering import AUTO_ANSWER_HEADING, NOT_WHAT_I_ASKED, answer_embed
from bot.features.services import BotServices
from bot.features.views import answer_view
from bot.safety import MAX_QUESTION_LENGTH, NO_PINGS
from knowledge.language import answer_language
from knowledge.text import printable

log = logging.getLogger(__name__)
# Threads answered in, most recent last; older ones than this many are long quiet.
KEPT_THREADS = 10_000


class AutoAnswerChannels:
    """The channels auto-answer is on in: read from the store at start, changed by admins."""

    def __init__(self) -> None:
        self.ids: set[int] = set()

    def covers(self, channel: object) -> bool:
        """A channel that is on, or a thread in one."""
        if getattr(channel, "id", None) in self.ids:
            return True
        return isinstance(channel, discord.Thread) and channel.parent_id in self.ids


class AutoAnswer(commands.Cog):
    def __init__(
        self,
        bot: BotServices,
        answering: Answering,
        channels: AutoAnswerChannels,
        *,
        no_autoanswer_role: str,
    ) -> None:
        self.bot = bot
        self.answering = answering
        self.channels = channels
        self.no_autoanswer_role = no_autoanswer_role
        self._threads: OrderedDict[int, None] = OrderedDict()

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        me = self.bot.user
        if not self._may_answer(message, me):
            return
        self.bot.in_flight.track_current_task()
        try:
            await self._answer(message)
        except Exception:  # a message nobody addressed to the bot gets no error reply
            log.exception("auto-answer failed", extra={"message_id": message.id})

    def _may_answer(self, message: discord.Message, me: discord.ClientUser | None) -> bool:
        if message.author.bot or message.guild is None or me is None or not self.bot.accepting:
            return False
        if me in message.mentions or not self.channels.covers(message.channel):
            return False  # a mention is the Mentions feature's; other channels are not on
        if message.reference is not None:
            return False  # a reply to someone: their conversation, not a question to the room
        roles = getattr(message.author, "roles", [])
        if any(role.name == self.no_autoanswer_role for role in roles):
            return False
        return message.channel.id not in self._threads

    async def _answer(self, message: discord.Message) -> None:
        question = printable(message.content, MAX_QUESTION_LENGTH)
        words = self.bot.catalog.words(answer_language(question))
        asking = Asking(
            Way.AUTO,
            user_id=message.author.id,
            channel_id=message.channel.id,
            guild_id=message.guild.id if message.guild else None,
            question=question,
            language=words.language,
        )
        answer = await self.answering.auto_answer(asking)
        if answer is None:
            return
        reply = await message.reply(
            words(AUTO_ANSWER_HEADING, button=words(NOT_WHAT_I_ASKED)),
            embed=answer_embed(answer.entry, words),
            view=answer_view(answer, words),
            allowed_mentions=NO_PINGS,
            mention_author=False,
        )
        if isinstance(message.channel, discord.Thread):
            self._remember_thread(message.channel.id)
        self.answering.posted(message.channel.id, answer, reply.jump_url)
        await self.answering.auto_answered(reply.id, answer)

    def _remember_thread(self, thread_id: int) -> None:
        self._threads[thread_id] = None
        while len(self._threads) > KEPT_THREADS:
            self._threads.popitem(last=False)
