"""Buttons and menus that keep working after a restart (custom ids carry their state).

Each is a discord.py DynamicItem: the custom id says what to do ("faq:related:tsubame-status"),
so nothing about the message needs to be remembered in memory.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, TypeVar, cast

import discord

from bot.failures import guarded
from bot.features.rendering import BUTTON_LABEL_LIMIT, SELECT_LABEL_LIMIT, answer_embed, clip
from bot.safety import NO_PINGS
from knowledge.model import Entry

if TYPE_CHECKING:
    from bot.client import FaqBot

ID = r"[a-z0-9]+(?:-[a-z0-9]+)*"
MAX_RELATED = 3
# Discord drops an interaction that is not acknowledged within 3 seconds of being sent. Work
# whose outcome the reply reports (a storage write) gets this long; if it is still running
# then, the interaction is deferred ("thinking…") and the reply follows up once it is done.
# The rest of the 3 s covers the gateway's delivery and the defer request itself.
ACK_BUDGET_SECONDS = 1.5

T = TypeVar("T")


def _bot(interaction: discord.Interaction) -> FaqBot:
    return cast("FaqBot", interaction.client)


async def respond(
    interaction: discord.Interaction,
    content: str | None = None,
    *,
    embed: discord.Embed | None = None,
    view: discord.ui.View | None = None,
    ephemeral: bool,
) -> None:
    """Send the response to ``interaction`` (a follow-up if it was deferred); pings nobody.

    Every item in these views is a DynamicItem, which discord.py routes by custom id, so the
    view object is not needed once sent. Stopping it matters for ephemeral messages: for
    each one discord.py would otherwise keep the view and a 15-minute timeout task alive.
    """
    options: dict[str, Any] = {"ephemeral": ephemeral, "allowed_mentions": NO_PINGS}
    if content is not None:
        options["content"] = content
    if embed is not None:
        options["embed"] = embed
    if view is not None:
        options["view"] = view
    if interaction.response.is_done():
        await interaction.followup.send(**options)
    else:
        await interaction.response.send_message(**options)
    if view is not None:
        view.stop()


async def before_replying(
    interaction: discord.Interaction, work: Awaitable[T], *, ephemeral: bool
) -> T:
    """``work``'s result, deferring ``interaction`` first if it takes longer than the budget.

    A fast store (the usual case) costs nothing: the reply is the interaction's response. A
    slow one (a busy disk, another process holding the database lock) turns it into a
    follow-up instead of a reply Discord would refuse as too late. ``work`` is never cancelled
    half-way, so a write the user is about to be told about always runs to its end.
    """
    task = asyncio.ensure_future(work)
    done, _ = await asyncio.wait({task}, timeout=ACK_BUDGET_SECONDS)
    if not done:
        await interaction.response.defer(ephemeral=ephemeral, thinking=True)
    return await asyncio.shield(task)


async def send_answer(
    interaction: discord.Interaction, entry: Entry, *, ephemeral: bool = False
) -> None:
    """Post an entry's answer as the response to ``interaction`` (or a follow-up)."""
    matcher = _bot(interaction).knowledge.current
    view = answer_view(entry, matcher.knowledge_base.get)
    await respond(interaction, embed=answer_embed(entry), view=view, ephemeral=ephemeral)


def answer_view(entry: Entry, lookup: Any) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for related_id in entry.related[:MAX_RELATED]:
        related = lookup(related_id)
        if related is not None:
            view.add_item(RelatedButton(related.id, related.question))
    view.add_item(VoteButton(entry.id, helpful=True))
    view.add_item(VoteButton(entry.id, helpful=False))
    return view


def suggestion_view(asker_id: int, entries: list[Entry]) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for entry in entries:
        view.add_item(PickButton(asker_id, entry.id, entry.question))
    return view


class RelatedButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=rf"faq:related:(?P<entry_id>{ID})"
):
    def __init__(self, entry_id: str, label: str = "Related question") -> None:
        super().__init__(
            discord.ui.Button(
                label=clip(label, BUTTON_LABEL_LIMIT),
                style=discord.ButtonStyle.secondary,
                custom_id=f"faq:related:{entry_id}",
            )
        )
        self.entry_id = entry_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> RelatedButton:
        return cls(match["entry_id"])

    async def callback(self, interaction: discord.Interaction) -> None:
        async with guarded(interaction):
            await answer_by_id(interaction, self.entry_id)


class VoteButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=rf"faq:vote:(?P<entry_id>{ID}):(?P<helpful>[01])",
):
    def __init__(self, entry_id: str, *, helpful: bool) -> None:
        super().__init__(
            discord.ui.Button(
                emoji="👍" if helpful else "👎",
                label="Helpful" if helpful else "Not helpful",
                style=discord.ButtonStyle.success if helpful else discord.ButtonStyle.secondary,
                custom_id=f"faq:vote:{entry_id}:{int(helpful)}",
            )
        )
        self.entry_id = entry_id
        self.helpful = helpful

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> VoteButton:
        return cls(match["entry_id"], helpful=match["helpful"] == "1")

    async def callback(self, interaction: discord.Interaction) -> None:
        async with guarded(interaction):
            # The reply says whether the vote was stored, so the write comes first; a slow
            # store must not make the reply miss Discord's 3-second window.
            vote = _bot(interaction).store.record_vote(
                entry_id=self.entry_id, user_id=interaction.user.id, helpful=self.helpful
            )
            stored = await before_replying(interaction, vote, ephemeral=True)
            text = (
                "Thanks, your feedback is recorded (voting again replaces it)."
                if stored
                else "Thanks! Your feedback couldn't be saved just now."
            )
            await respond(interaction, text, ephemeral=True)


class PickButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=rf"faq:pick:(?P<asker>\d+):(?P<entry_id>{ID})",
):
    """A "did you mean" choice that only the person who asked may press."""

    def __init__(self, asker_id: int, entry_id: str, label: str = "This one") -> None:
        super().__init__(
            discord.ui.Button(
                label=clip(label, BUTTON_LABEL_LIMIT),
                style=discord.ButtonStyle.primary,
                custom_id=f"faq:pick:{asker_id}:{entry_id}",
            )
        )
        self.asker_id = asker_id
        self.entry_id = entry_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> PickButton:
        return cls(int(match["asker"]), match["entry_id"])

    async def callback(self, interaction: discord.Interaction) -> None:
        async with guarded(interaction):
            if interaction.user.id != self.asker_id:
                await interaction.response.send_message(
                    "Only the person who asked can pick from these. Use `/ask` to ask your own.",
                    ephemeral=True,
                    allowed_mentions=NO_PINGS,
                )
                return
            await answer_by_id(interaction, self.entry_id)


class TopicSelect(discord.ui.DynamicItem[discord.ui.Select[Any]], template=r"faq:topics"):
    """First step of /topics: choose a topic, then an entry in it."""

    def __init__(self, topics: list[tuple[str, int]] | None = None) -> None:
        options = [
            discord.SelectOption(
                label=clip(topic, SELECT_LABEL_LIMIT), value=topic, description=f"{count} questions"
            )
            for topic, count in (topics or [])[:25]
        ] or [discord.SelectOption(label="topics", value="-")]
        super().__init__(
            discord.ui.Select(custom_id="faq:topics", placeholder="Choose a topic", options=options)
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> TopicSelect:
        return cls()

    async def callback(self, interaction: discord.Interaction) -> None:
        async with guarded(interaction):
            topic = self.item.values[0] if self.item.values else ""
            entries = _bot(interaction).knowledge.current.knowledge_base.entries_in(topic)
            if not entries:
                await interaction.response.send_message(
                    "That topic is no longer in the FAQ; run `/topics` again.",
                    ephemeral=True,
                    allowed_mentions=NO_PINGS,
                )
                return
            view = discord.ui.View(timeout=None)
            view.add_item(EntrySelect(list(entries)))
            await respond(interaction, f"Questions on `{topic}`:", view=view, ephemeral=True)


class EntrySelect(discord.ui.DynamicItem[discord.ui.Select[Any]], template=r"faq:entry"):
    def __init__(self, entries: list[Entry] | None = None) -> None:
        options = [
            discord.SelectOption(label=clip(e.question, SELECT_LABEL_LIMIT), value=e.id)
            for e in (entries or [])[:25]
        ] or [discord.SelectOption(label="entry", value="-")]
        super().__init__(
            discord.ui.Select(
                custom_id="faq:entry", placeholder="Choose a question", options=options
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> EntrySelect:
        return cls()

    async def callback(self, interaction: discord.Interaction) -> None:
        async with guarded(interaction):
            entry_id = self.item.values[0] if self.item.values else ""
            await answer_by_id(interaction, entry_id, ephemeral=True)


async def answer_by_id(
    interaction: discord.Interaction, entry_id: str, *, ephemeral: bool = False
) -> None:
    entry = _bot(interaction).knowledge.current.knowledge_base.get(entry_id)
    if entry is None:
        # The FAQ was edited since the button was made and the entry is gone.
        await interaction.response.send_message(
            "That question is no longer in the FAQ. Try `/ask` again.",
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )
        return
    await send_answer(interaction, entry, ephemeral=ephemeral)


DYNAMIC_ITEMS = (RelatedButton, VoteButton, PickButton, TopicSelect, EntrySelect)
