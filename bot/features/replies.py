"""Sending the answering layer's outcomes as interaction responses; nobody is ever pinged.

/ask, the buttons and the /topics menus all answer through ``InteractionReplies``: it renders
an ``Outcome`` (bot/answering/), sends it as the interaction's response (or a follow-up if
it was deferred), and writes the question log before the reply when the reply reports it,
after otherwise.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar

import discord

from bot.answering import (
    Answer,
    Answering,
    NotCovered,
    Outcome,
    Refused,
    SmallTalkReply,
    Suggestions,
)
from bot.deadlines import LateInteractions
from bot.features.rendering import (
    PICKED,
    answer_embed,
    help_text,
    not_covered_text,
    refusal_text,
    suggestion_text,
)
from bot.features.views import answer_view, suggestion_view
from bot.i18n import Catalog, Words
from bot.safety import NO_PINGS
from knowledge.language import Language

# Discord drops an interaction that is not acknowledged within 3 seconds of being sent. Work
# whose outcome the reply reports (a storage write) gets this long; if it is still running
# then, the interaction is deferred ("thinking…") and the reply follows up once it is done.
# The rest of the 3 s covers the gateway's delivery and the defer request itself.
ACK_BUDGET_SECONDS = 1.5

T = TypeVar("T")


def jump_url(guild_id: int | None, channel_id: int, message_id: int) -> str:
    return f"https://discord.com/channels/{guild_id or '@me'}/{channel_id}/{message_id}"


def bot_name(guild: discord.Guild | None, client: discord.Client) -> str | None:
    """The bot's name as members see it here: its nickname in the server, else its name."""
    me = guild.me if guild is not None else None
    if me is not None:
        return me.display_name
    return client.user.display_name if client.user is not None else None


class InteractionReplies:
    def __init__(self, answering: Answering, late: LateInteractions, catalog: Catalog) -> None:
        self.answering = answering
        self.late = late
        self.catalog = catalog

    def words(self, language: Language) -> Words:
        return self.catalog.words(language)

    async def respond(
        self,
        interaction: discord.Interaction,
        content: str | None = None,
        *,
        embed: discord.Embed | None = None,
        view: discord.ui.View | None = None,
        ephemeral: bool,
    ) -> int | None:
        """Send the response to ``interaction`` (a follow-up if it was deferred).

        ``view`` is stopped before it is sent (see ``sent_view``). Returns the id of the
        message sent, when Discord says it.
        """
        options: dict[str, Any] = {"ephemeral": ephemeral, "allowed_mentions": NO_PINGS}
        if content is not None:
            options["content"] = content
        if embed is not None:
            options["embed"] = embed
        if view is not None:
            view.stop()
            options["view"] = view
        if interaction.response.is_done():
            message = await interaction.followup.send(wait=True, **options)
            return message.id
        response = await interaction.response.send_message(**options)
        self.late.acknowledged(interaction)
        return response.message_id

    async def say(self, interaction: discord.Interaction, text: str) -> None:
        await self.respond(interaction, text, ephemeral=True)

    async def before_replying(
        self,
        interaction: discord.Interaction,
        work: Awaitable[T],
        *,
        ephemeral: bool,
        budget: float = ACK_BUDGET_SECONDS,
    ) -> T:
        """Await ``work``, deferring ``interaction`` first if it takes longer than the budget.

        A fast store (the usual case) costs nothing: the reply is the interaction's response.
        A slow one (a busy disk, another process holding the database lock) turns it into a
        follow-up instead of a reply Discord would refuse as too late. ``work`` is never
        cancelled half-way, so a write the user is about to be told about always runs to its
        end.
        """
        task = asyncio.ensure_future(work)
        done, _ = await asyncio.wait({task}, timeout=budget)
        if not done and not interaction.response.is_done():
            await interaction.response.defer(ephemeral=ephemeral, thinking=True)
            self.late.acknowledged(interaction)
        return await asyncio.shield(task)

    async def outcome(
        self, interaction: discord.Interaction, outcome: Outcome, language: Language
    ) -> None:
        """Render ``outcome`` in ``language`` and send it as the response to ``interaction``."""
        words = self.words(language)
        if isinstance(outcome, Answer):
            await self.answer(interaction, outcome)
        elif isinstance(outcome, Suggestions):
            view = suggestion_view(interaction.user.id, outcome.entries, outcome.token, words)
            await self.respond(interaction, suggestion_text(words), view=view, ephemeral=True)
        elif isinstance(outcome, NotCovered):
            # The reply says whether the question was noted, so it is logged first; a slow
            # store defers the reply rather than making it late.
            noted = await self.before_replying(
                interaction, self.answering.record(outcome), ephemeral=True
            )
            text = not_covered_text(words, outcome.topics, noted=noted)
            await self.respond(interaction, text, ephemeral=True)
            return
        elif isinstance(outcome, SmallTalkReply):
            name = bot_name(interaction.guild, interaction.client)
            text = outcome.reply or help_text(words, name)
            await self.respond(interaction, text, ephemeral=True)
        elif isinstance(outcome, Refused):
            await self.respond(interaction, refusal_text(words, outcome), ephemeral=True)
        # An answer or a "did you mean" promises nothing about the log: reply first, then log.
        await self.answering.record(outcome)

    async def answer(self, interaction: discord.Interaction, answer: Answer) -> None:
        # In a DM only the member sees the answer anyway; an ephemeral one would vanish from
        # their history when their client reloads.
        in_dm = interaction.guild_id is None
        words = self.words(answer.language)
        message_id = await self.respond(
            interaction,
            embed=answer_embed(answer.entry, words),
            view=answer_view(answer, words),
            ephemeral=not answer.public and not in_dm,
        )
        if message_id is not None and interaction.channel_id is not None:
            link = jump_url(interaction.guild_id, interaction.channel_id, message_id)
            self.answering.posted(interaction.channel_id, answer, link)

    async def picked(self, interaction: discord.Interaction, answer: Answer) -> None:
        """A "did you mean" pick: its message is updated in place, so it cannot be used again.

        A public suggestion (under a mention) becomes the answer itself. A private one (from
        /ask) says what was picked, without its buttons, and the answer follows as the
        member's own question would have been answered.
        """
        message = interaction.message
        if message is None or interaction.channel_id is None:
            await self.answer(interaction, answer)
            return
        if answer.public and not message.flags.ephemeral:
            await self.update_to_answer(interaction, answer)
            link = jump_url(interaction.guild_id, interaction.channel_id, message.id)
            self.answering.posted(interaction.channel_id, answer, link)
            return
        words = self.words(answer.language)
        question = discord.utils.escape_markdown(answer.entry.question_in(answer.language))
        await self.update(interaction, words(PICKED, question=question), view=None)
        await self.answer(interaction, answer)  # a follow-up now

    async def update(
        self, interaction: discord.Interaction, content: str, *, view: discord.ui.View | None
    ) -> None:
        """Edit the message the component is on, as the response to ``interaction``."""
        if view is not None:
            view.stop()
        await interaction.response.edit_message(
            content=content, embed=None, view=view, allowed_mentions=NO_PINGS
        )
        self.late.acknowledged(interaction)

    async def update_to_answer(self, interaction: discord.Interaction, answer: Answer) -> None:
        """Edit the message the component is on into ``answer``."""
        words = self.words(answer.language)
        view = answer_view(answer, words)
        view.stop()
        embed = answer_embed(answer.entry, words)
        await interaction.response.edit_message(
            content=None, embed=embed, view=view, allowed_mentions=NO_PINGS
        )
        self.late.acknowledged(interaction)
