"""Every button press and menu choice, the bot's own and any other, gets an answer here.

Every component interaction reaches one listener (``Components.on_interaction``), which
reads the custom id with ``parse_custom_id`` (bot/features/custom_ids.py) and always
answers: a custom id that is forged, malformed, of an old format or for an entry that is gone
gets a private note instead of Discord's "This interaction failed".

Why not discord.py's DynamicItem routing: its ViewStore drops an interaction silently when the
custom id matches no template, when the component is not on the interaction's message, or
when ``from_custom_id`` raises, and nothing tells the bot it did; a catch-all beside it could
only guess which interactions the store had answered. So views are sent already stopped
(discord.py keeps no stopped view, see ``sent_view`` in views.py) and this module is the only
thing that answers components.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import discord
from discord.ext import commands

from bot.answering import Answer, Answering, Asking, Complaint, Refused, VoteResult, Way
from bot.failures import guarded
from bot.features.custom_ids import (
    MISS_PREFIX,
    STRING_SELECT,
    Delete,
    EntryChoice,
    Miss,
    NoneOfThese,
    Pick,
    Related,
    Share,
    ShowIn,
    Sources,
    TopicChoice,
    Vote,
    WhatWasWrong,
    marked_japanese,
    parse_custom_id,
)
from bot.features.rendering import (
    ENTRY_GONE,
    MISS_NOTED,
    all_sources_embed,
    not_covered_text,
    refusal_text,
)
from bot.features.replies import InteractionReplies
from bot.features.services import BotServices
from bot.features.views import (
    COMPLAINTS,
    EntrySelect,
    TopicSelect,
    sent_view,
    topic_options,
    why_view,
)
from bot.i18n import N_, Words, locale_language

STALE_BUTTON = N_("This button no longer works; ask again with `/ask`.")
STALE_MENU = N_("This menu no longer works; ask again with `/ask`.")
VOTE_GONE = N_("That answer is no longer in the FAQ, so your vote was not recorded.")
TOPIC_GONE = N_("That topic is no longer in the FAQ; run `/topics` again.")
NOT_YOURS_TO_DELETE = N_("Only the person who asked, or a moderator, can delete this answer.")
HELPFUL = N_("Thanks, glad it helped! Your feedback is recorded (voting again replaces it).")
NOT_HELPFUL = N_(
    "Sorry it didn't help; your feedback is recorded (voting again replaces it). "
    "What was wrong with the answer?"
)
NOT_SAVED = N_("Thanks! Your feedback couldn't be saved just now.")
TOO_MANY_VOTES = N_("You're voting quickly! Your vote was not recorded; try again soon.")
WHAT_WAS_WRONG = N_(
    "Thanks for telling us: *{complaint}*. The maintainers review feedback like this."
)
WHAT_WAS_WRONG_NOT_SAVED = N_(
    "Thanks for telling us: *{complaint}*. It couldn't be saved just now."
)
NO_ANSWER_PICKED = N_("None of these was the answer.")
QUESTIONS_ON = N_("Questions on **{topic}**:")
# Components that change or remove the message they are on: each must be on it, or a
# modified client could aim one at another member's message.
IN_PLACE = (Pick, NoneOfThese, Delete, Miss, WhatWasWrong, TopicChoice, EntryChoice)


def custom_ids_on(message: discord.Message | None) -> Iterator[object]:
    """The custom ids of the components on ``message`` (none when there is no message)."""
    for row in message.components if message is not None else []:
        for child in getattr(row, "children", [row]):
            yield getattr(child, "custom_id", None)


def auto_answer_id(interaction: discord.Interaction) -> int | None:
    """The id of the auto-answer the component is on (one has "Not what I asked"); else None."""
    message = interaction.message
    for custom_id in custom_ids_on(message):
        if isinstance(custom_id, str) and custom_id.startswith(MISS_PREFIX) and message:
            return message.id
    return None


def carries(interaction: discord.Interaction, custom_id: object) -> bool:
    """True when the interaction's message has a component with ``custom_id``."""
    return any(found == custom_id for found in custom_ids_on(interaction.message))


def chosen(data: dict[str, Any]) -> str | None:
    """The one value chosen in a select menu, or None when the interaction has no such."""
    values = data.get("values")
    if isinstance(values, list) and len(values) == 1 and isinstance(values[0], str):
        return values[0]
    return None


def complaint_in(data: dict[str, Any]) -> Complaint | None:
    value = chosen(data)
    return Complaint(value) if value in set(Complaint) else None


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
        data: dict[str, Any] = dict(interaction.data or {})
        # The language of the message the component is on, else of the member's Discord.
        marked = marked_japanese(data.get("custom_id"))
        words = self.replies.words("ja" if marked else locale_language(interaction.locale))
        async with guarded(interaction, words):
            await self.answer(interaction, data, words)

    async def answer(
        self, interaction: discord.Interaction, data: dict[str, Any], words: Words
    ) -> None:
        component_type = data.get("component_type")
        custom_id = data.get("custom_id")
        action = parse_custom_id(custom_id, component_type)
        if isinstance(action, IN_PLACE) and not carries(interaction, custom_id):
            action = None
        if isinstance(action, Related):
            await self.ask(interaction, Way.RELATED, action.entry_id, action.asker_id, words)
        elif isinstance(action, Pick):
            await self.ask(
                interaction,
                Way.PICK,
                action.entry_id,
                action.asker_id,
                words,
                suggestion=action.token,
            )
        elif isinstance(action, Vote):
            await self.vote(interaction, action, words)
        elif isinstance(action, Sources):
            await self.list_sources(interaction, action.entry_id, words)
        elif isinstance(action, Share):
            await self.ask(interaction, Way.SHARE, action.entry_id, interaction.user.id, words)
        elif isinstance(action, ShowIn):
            # The same answer in the other language: worded in that language throughout.
            switched = self.replies.words(action.language)
            await self.ask(
                interaction, Way.LANGUAGE, action.entry_id, interaction.user.id, switched
            )
        elif isinstance(action, Delete):
            await self.delete(interaction, action.asker_id, words)
        elif isinstance(action, Miss):
            await self.delete(interaction, action.asker_id, words, missed=True)
        elif isinstance(action, NoneOfThese):
            await self.none_of_these(interaction, action, words)
        elif isinstance(action, WhatWasWrong) and (complaint := complaint_in(data)) is not None:
            await self.what_was_wrong(interaction, action.entry_id, complaint, words)
        elif isinstance(action, TopicChoice) and (topic := chosen(data)) is not None:
            await self.show_topic(interaction, topic, words)
        elif isinstance(action, EntryChoice) and (entry_id := chosen(data)) is not None:
            await self.ask(interaction, Way.TOPICS, entry_id, interaction.user.id, words)
        else:
            stale = STALE_MENU if component_type == STRING_SELECT else STALE_BUTTON
            await self.replies.say(interaction, words(stale))

    async def ask(
        self,
        interaction: discord.Interaction,
        way: Way,
        entry_id: str,
        for_user_id: int | None,
        words: Words,
        *,
        suggestion: str | None = None,
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
            suggestion=suggestion,
            language=words.language,
        )
        outcome = await self.answering.answer(asking)
        if way is Way.PICK and isinstance(outcome, Answer):
            await self.replies.picked(interaction, outcome)
            await self.answering.record(outcome)  # the pick, once the member has the answer
        elif way is Way.TOPICS and isinstance(outcome, Answer):
            # The browser's one message becomes the answer; /topics opens a new browser.
            await self.replies.update_to_answer(interaction, outcome)
        elif (
            way is Way.LANGUAGE
            and isinstance(outcome, Answer)
            and from_private_message(interaction)
        ):
            # Switched in place when only the member sees it; under a public answer the other
            # language comes privately, and the post stays as everyone else reads it.
            await self.replies.update_to_answer(interaction, outcome)
        else:
            await self.replies.outcome(interaction, outcome, words.language)

    async def vote(self, interaction: discord.Interaction, vote: Vote, words: Words) -> None:
        # The reply says whether the vote was stored, so the write comes first; a slow
        # store must not make the reply miss Discord's 3-second window.
        voting = self.answering.vote(interaction.user.id, vote.entry_id, helpful=vote.helpful)
        result = await self.replies.before_replying(interaction, voting, ephemeral=True)
        if result is VoteResult.RECORDED and (auto := auto_answer_id(interaction)) is not None:
            await self.answering.auto_answer_event(
                auto, "helpful" if vote.helpful else "not helpful"
            )
        if result is VoteResult.RECORDED and not vote.helpful:
            await self.replies.respond(
                interaction,
                words(NOT_HELPFUL),
                view=why_view(vote.entry_id, words),
                ephemeral=True,
            )
            return
        replies = {
            VoteResult.RECORDED: HELPFUL,
            VoteResult.NOT_SAVED: NOT_SAVED,
            VoteResult.ENTRY_GONE: VOTE_GONE,
            VoteResult.TOO_FAST: TOO_MANY_VOTES,
        }
        await self.replies.say(interaction, words(replies[result]))

    async def what_was_wrong(
        self, interaction: discord.Interaction, entry_id: str, complaint: Complaint, words: Words
    ) -> None:
        stored = await self.answering.complaint(interaction.user.id, entry_id, complaint)
        text = WHAT_WAS_WRONG if stored else WHAT_WAS_WRONG_NOT_SAVED
        said = words(text, complaint=words(COMPLAINTS[complaint]))
        await self.replies.update(interaction, said, view=None)

    async def none_of_these(
        self, interaction: discord.Interaction, action: NoneOfThese, words: Words
    ) -> None:
        message = interaction.message
        outcome = self.answering.none_of_these(
            interaction.user.id,
            action.asker_id,
            action.token,
            message.id if message else None,
            words.language,
        )
        if isinstance(outcome, Refused):
            await self.replies.say(interaction, refusal_text(words, outcome))
            return
        text = not_covered_text(words, outcome.topics, noted=False)
        topics = topic_options(self.answering.snapshot.knowledge_base, words.language)
        browser = sent_view(TopicSelect(topics, words), language=words.language)
        if message is not None and message.flags.ephemeral:
            await self.replies.update(interaction, text, view=browser)
        else:
            # A public "did you mean" (under a mention) loses its buttons; the topics are
            # offered to the asker privately, as a browser is theirs alone.
            await self.replies.update(interaction, words(NO_ANSWER_PICKED), view=None)
            await self.replies.respond(interaction, text, view=browser, ephemeral=True)
        await self.answering.record(outcome)

    async def show_topic(self, interaction: discord.Interaction, topic: str, words: Words) -> None:
        knowledge_base = self.answering.snapshot.knowledge_base
        entries = knowledge_base.entries_in(topic)
        if not entries:
            await self.replies.say(interaction, words(TOPIC_GONE))
            return
        # The browser is one message: choosing a topic shows its questions in place.
        topics = topic_options(knowledge_base, words.language)
        view = sent_view(
            TopicSelect(topics, words, chosen=topic),
            EntrySelect(entries, words),
            language=words.language,
        )
        # ``topic`` is one of the FAQ's own topic names here, never text from the user.
        title = discord.utils.escape_markdown(knowledge_base.title_of(topic, words.language))
        await self.replies.update(interaction, words(QUESTIONS_ON, topic=title), view=view)

    async def list_sources(
        self, interaction: discord.Interaction, entry_id: str, words: Words
    ) -> None:
        entry = self.answering.snapshot.knowledge_base.get(entry_id)
        if entry is None:
            await self.replies.say(interaction, words(ENTRY_GONE))
            return
        embed = all_sources_embed(entry, words)
        await self.replies.respond(interaction, embed=embed, ephemeral=True)

    async def delete(
        self,
        interaction: discord.Interaction,
        asker_id: int,
        words: Words,
        *,
        missed: bool = False,
    ) -> None:
        """🗑 under a public answer, or "Not what I asked" under an auto-answer (``missed``):
        the member it answered, or anyone who may manage the channel's messages, removes it.
        An auto-answer's removal is counted for the maintainers."""
        message = interaction.message
        allowed = interaction.user.id == asker_id or interaction.permissions.manage_messages
        if not allowed or message is None or message.flags.ephemeral:
            await self.replies.say(interaction, words(NOT_YOURS_TO_DELETE))
            return
        await interaction.response.defer()  # acknowledges the click without a message
        self.bot.late.acknowledged(interaction)
        with contextlib.suppress(discord.NotFound):  # someone else deleted it first
            await message.delete()
        if (auto := auto_answer_id(interaction)) is not None:
            await self.answering.auto_answer_event(auto, "missed" if missed else "deleted")
            if missed:
                await self.replies.respond(interaction, words(MISS_NOTED), ephemeral=True)
