"""Every button press and menu choice, the bot's own and any other, gets an answer here.

Every component interaction reaches one listener (``Components.on_interaction``), which
reads the custom id with ``parse_custom_id`` (bot/features/custom_ids.py) and always
answers: a custom id that is forged, malformed, of an old format or for an entry that is gone
gets a private note instead of Discord's "This interaction failed".

Why not discord.py's DynamicItem routing: its ViewStore drops an interaction silently when the
custom id matches no template, when the component is not on the interaction's message, or
when ``from_custom_id`` raises, and nothing tells the bot it did; a catch-all beside it could
only guess which interactions the store had answered. So views are sent already stopped
(discord.py keeps no stopped view, see ``sent_view``) and this module is the only thing that
answers components.
"""

from __future__ import annotations

import contextlib
from typing import Any

import discord
from discord.ext import commands

from bot.answering import Answer, Answering, Asking, VoteResult, Way
from bot.failures import guarded
from bot.features.custom_ids import (
    STRING_SELECT,
    Delete,
    EntryChoice,
    Pick,
    Related,
    Sources,
    TopicChoice,
    Vote,
    parse_custom_id,
)
from bot.features.rendering import ENTRY_GONE, all_sources_embed
from bot.features.replies import InteractionReplies
from bot.features.services import BotServices
from bot.features.views import EntrySelect, TopicSelect, sent_view, topic_options

STALE = "This {what} no longer works; ask again with `/ask`."
VOTE_GONE = "That answer is no longer in the FAQ, so your vote was not recorded."
TOPIC_GONE = "That topic is no longer in the FAQ; run `/topics` again."
NOT_YOURS_TO_DELETE = "Only the person who asked, or a moderator, can delete this answer."
VOTE_REPLIES = {
    VoteResult.RECORDED: "Thanks, your feedback is recorded (voting again replaces it).",
    VoteResult.NOT_SAVED: "Thanks! Your feedback couldn't be saved just now.",
    VoteResult.ENTRY_GONE: VOTE_GONE,
    VoteResult.TOO_FAST: "You're voting quickly! Your vote was not recorded; try again soon.",
}


def chosen(data: dict[str, Any]) -> str | None:
    """The one value chosen in a select menu, or None when the interaction has no such."""
    values = data.get("values")
    if isinstance(values, list) and len(values) == 1 and isinstance(values[0], str):
        return values[0]
    return None


def from_private_message(interaction: discord.Interaction) -> bool:
    """True when the component is on a message only the member sees (an ephemeral one)."""
    message = interaction.message
    return message is not None and message.flags.ephemeral


class Components(commands.Cog):
    def __init__(self, bot: BotServices, answering: Answering, replies: InteractionReplies) -> None:
        self.bot = bot
        self.answering = answering
        self.replies = replies

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        if interaction.type is not discord.InteractionType.component:
            return
        self.bot.in_flight.track_current_task()
        if not await self.bot.late.admit(interaction):
            return
        async with guarded(interaction):
            await self.answer(interaction)

    async def answer(self, interaction: discord.Interaction) -> None:
        data: dict[str, Any] = dict(interaction.data or {})
        component_type = data.get("component_type")
        action = parse_custom_id(data.get("custom_id"), component_type)
        if isinstance(action, Related):
            await self.ask(interaction, Way.RELATED, action.entry_id, action.asker_id)
        elif isinstance(action, Pick):
            await self.ask(interaction, Way.PICK, action.entry_id, action.asker_id)
        elif isinstance(action, Vote):
            await self.vote(interaction, action)
        elif isinstance(action, Sources):
            await self.list_sources(interaction, action.entry_id)
        elif isinstance(action, Delete):
            await self.delete(interaction, action.asker_id)
        elif isinstance(action, TopicChoice) and (topic := chosen(data)) is not None:
            await self.show_topic(interaction, topic)
        elif isinstance(action, EntryChoice) and (entry_id := chosen(data)) is not None:
            await self.ask(interaction, Way.TOPICS, entry_id, interaction.user.id)
        else:
            what = "menu" if component_type == STRING_SELECT else "button"
            await self.replies.say(interaction, STALE.format(what=what))

    async def ask(
        self, interaction: discord.Interaction, way: Way, entry_id: str, for_user_id: int | None
    ) -> None:
        asking = Asking(
            way,
            user_id=interaction.user.id,
            channel_id=interaction.channel_id or 0,
            guild_id=interaction.guild_id,
            entry_id=entry_id,
            in_dm=interaction.guild_id is None,
            from_private_message=from_private_message(interaction),
            for_user_id=for_user_id,
            message_id=interaction.message.id if interaction.message else None,
        )
        outcome = await self.answering.answer(asking)
        if way is Way.PICK and isinstance(outcome, Answer):
            await self.replies.picked(interaction, outcome)
        elif way is Way.TOPICS and isinstance(outcome, Answer):
            # The browser's one message becomes the answer; /topics opens a new browser.
            await self.replies.update_to_answer(interaction, outcome)
        else:
            await self.replies.outcome(interaction, outcome)

    async def vote(self, interaction: discord.Interaction, vote: Vote) -> None:
        # The reply says whether the vote was stored, so the write comes first; a slow
        # store must not make the reply miss Discord's 3-second window.
        voting = self.answering.vote(interaction.user.id, vote.entry_id, helpful=vote.helpful)
        result = await self.replies.before_replying(interaction, voting, ephemeral=True)
        await self.replies.say(interaction, VOTE_REPLIES[result])

    async def show_topic(self, interaction: discord.Interaction, topic: str) -> None:
        knowledge_base = self.answering.snapshot.knowledge_base
        entries = knowledge_base.entries_in(topic)
        if not entries:
            await self.replies.say(interaction, TOPIC_GONE)
            return
        # The browser is one message: choosing a topic shows its questions in place.
        view = sent_view(
            TopicSelect(topic_options(knowledge_base), chosen=topic), EntrySelect(entries)
        )
        # ``topic`` is one of the FAQ's own topic names here, never text from the user.
        title = discord.utils.escape_markdown(knowledge_base.title_of(topic))
        await self.replies.update(interaction, f"Questions on **{title}**:", view=view)

    async def list_sources(self, interaction: discord.Interaction, entry_id: str) -> None:
        entry = self.answering.snapshot.knowledge_base.get(entry_id)
        if entry is None:
            await self.replies.say(interaction, ENTRY_GONE)
            return
        await self.replies.respond(interaction, embed=all_sources_embed(entry), ephemeral=True)

    async def delete(self, interaction: discord.Interaction, asker_id: int) -> None:
        """🗑 under a public answer: the member it answered, or anyone who may manage the
        channel's messages, removes it."""
        message = interaction.message
        allowed = interaction.user.id == asker_id or interaction.permissions.manage_messages
        if not allowed or message is None or message.flags.ephemeral:
            await self.replies.say(interaction, NOT_YOURS_TO_DELETE)
            return
        await interaction.response.defer()  # acknowledges the click without a message
        self.bot.late.acknowledged(interaction)
        with contextlib.suppress(discord.NotFound):  # someone else deleted it first
            await message.delete()
