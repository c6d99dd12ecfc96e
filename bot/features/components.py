"""Buttons and menus that keep working after a restart (custom ids carry their state).

The custom id says what to do ("faq:related:tsubame-status"), so nothing about the message
needs to be remembered in memory. Every component interaction reaches one listener
(``Components.on_interaction``), which reads the custom id with ``parse_custom_id`` and always
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

import asyncio
import re
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast

import discord
from discord.ext import commands

from bot.failures import guarded
from bot.features.rendering import BUTTON_LABEL_LIMIT, SELECT_LABEL_LIMIT, answer_embed, clip
from bot.safety import NO_PINGS
from knowledge.model import Entry

if TYPE_CHECKING:
    from bot.features.services import BotServices

ID = r"[a-z0-9]+(?:-[a-z0-9]+)*"
MAX_RELATED = 3
# Discord's limit for a custom id; a longer one cannot be the bot's, and is not parsed.
MAX_CUSTOM_ID_CHARS = 100
# Discord drops an interaction that is not acknowledged within 3 seconds of being sent. Work
# whose outcome the reply reports (a storage write) gets this long; if it is still running
# then, the interaction is deferred ("thinking…") and the reply follows up once it is done.
# The rest of the 3 s covers the gateway's delivery and the defer request itself.
ACK_BUDGET_SECONDS = 1.5

T = TypeVar("T")


def _bot(interaction: discord.Interaction) -> BotServices:
    # interaction.client is the FaqBot that received the interaction, which provides these.
    return cast("BotServices", interaction.client)


async def respond(
    interaction: discord.Interaction,
    content: str | None = None,
    *,
    embed: discord.Embed | None = None,
    view: discord.ui.View | None = None,
    ephemeral: bool,
) -> None:
    """Send the response to ``interaction`` (a follow-up if it was deferred); pings nobody.

    ``view`` is stopped before it is sent (see ``sent_view``).
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
        await interaction.followup.send(**options)
    else:
        await interaction.response.send_message(**options)
        _bot(interaction).late.acknowledged(interaction)


async def before_replying(
    interaction: discord.Interaction,
    work: Awaitable[T],
    *,
    ephemeral: bool,
    budget: float = ACK_BUDGET_SECONDS,
) -> T:
    """``work``'s result, deferring ``interaction`` first if it takes longer than the budget.

    A fast store (the usual case) costs nothing: the reply is the interaction's response. A
    slow one (a busy disk, another process holding the database lock) turns it into a
    follow-up instead of a reply Discord would refuse as too late. ``work`` is never cancelled
    half-way, so a write the user is about to be told about always runs to its end.
    """
    task = asyncio.ensure_future(work)
    done, _ = await asyncio.wait({task}, timeout=budget)
    if not done and not interaction.response.is_done():
        await interaction.response.defer(ephemeral=ephemeral, thinking=True)
        _bot(interaction).late.acknowledged(interaction)
    return await asyncio.shield(task)


async def send_answer(
    interaction: discord.Interaction, entry: Entry, *, ephemeral: bool = False
) -> None:
    """Post an entry's answer as the response to ``interaction`` (or a follow-up)."""
    matcher = _bot(interaction).knowledge.current
    view = answer_view(entry, matcher.knowledge_base.get)
    await respond(interaction, embed=answer_embed(entry), view=view, ephemeral=ephemeral)


def sent_view(*items: discord.ui.Item[Any]) -> discord.ui.View:
    """A view to send and forget: its components are answered by ``Components``, by custom id.

    It is stopped before it is sent, and discord.py keeps no stopped view: otherwise it would
    hold each message's view in memory (ephemeral ones with a 15-minute timeout task), and
    route clicks to items that have no callback.
    """
    view = discord.ui.View(timeout=None)
    for item in items:
        view.add_item(item)
    view.stop()
    return view


def answer_view(entry: Entry, lookup: Any) -> discord.ui.View:
    items: list[discord.ui.Item[Any]] = []
    for related_id in entry.related[:MAX_RELATED]:
        related = lookup(related_id)
        if related is not None:
            items.append(RelatedButton(related.id, related.question))
    items.append(VoteButton(entry.id, helpful=True))
    items.append(VoteButton(entry.id, helpful=False))
    return sent_view(*items)


def suggestion_view(asker_id: int, entries: list[Entry]) -> discord.ui.View:
    return sent_view(*(PickButton(asker_id, e.id, e.question) for e in entries))


# --- what the bot sends ------------------------------------------------------------------


class RelatedButton(discord.ui.Button[Any]):
    def __init__(self, entry_id: str, label: str) -> None:
        super().__init__(
            label=clip(label, BUTTON_LABEL_LIMIT),
            style=discord.ButtonStyle.secondary,
            custom_id=f"faq:related:{entry_id}",
        )


class VoteButton(discord.ui.Button[Any]):
    def __init__(self, entry_id: str, *, helpful: bool) -> None:
        super().__init__(
            emoji="👍" if helpful else "👎",
            label="Helpful" if helpful else "Not helpful",
            style=discord.ButtonStyle.success if helpful else discord.ButtonStyle.secondary,
            custom_id=f"faq:vote:{entry_id}:{int(helpful)}",
        )


class PickButton(discord.ui.Button[Any]):
    """A "did you mean" choice that only the person who asked may press."""

    def __init__(self, asker_id: int, entry_id: str, label: str) -> None:
        super().__init__(
            label=clip(label, BUTTON_LABEL_LIMIT),
            style=discord.ButtonStyle.primary,
            custom_id=f"faq:pick:{asker_id}:{entry_id}",
        )


class TopicSelect(discord.ui.Select[Any]):
    """First step of /topics: choose a topic, then an entry in it."""

    def __init__(self, topics: list[tuple[str, int]]) -> None:
        super().__init__(
            custom_id="faq:topics",
            placeholder="Choose a topic",
            options=[
                discord.SelectOption(
                    label=clip(topic, SELECT_LABEL_LIMIT),
                    value=topic,
                    description=f"{count} questions",
                )
                for topic, count in topics[:25]
            ],
        )


class EntrySelect(discord.ui.Select[Any]):
    def __init__(self, entries: list[Entry]) -> None:
        super().__init__(
            custom_id="faq:entry",
            placeholder="Choose a question",
            options=[
                discord.SelectOption(label=clip(e.question, SELECT_LABEL_LIMIT), value=e.id)
                for e in entries[:25]
            ],
        )


# --- what a custom id means --------------------------------------------------------------


@dataclass(frozen=True)
class Related:
    entry_id: str


@dataclass(frozen=True)
class Vote:
    entry_id: str
    helpful: bool


@dataclass(frozen=True)
class Pick:
    asker_id: int
    entry_id: str


@dataclass(frozen=True)
class TopicChoice:
    pass


@dataclass(frozen=True)
class EntryChoice:
    pass


Action = Related | Vote | Pick | TopicChoice | EntryChoice

BUTTON = discord.ComponentType.button.value
STRING_SELECT = discord.ComponentType.string_select.value
# ASCII only: Python's \d and [a-z] with re.IGNORECASE would let other scripts' digits and
# letters through ("faq:pick:١٢٣:…"); a snowflake is at most 20 digits (2^64).
_BUTTON_ID = re.compile(
    rf"faq:(?:related:(?P<related>{ID})|vote:(?P<vote>{ID}):(?P<helpful>[01])"
    rf"|pick:(?P<asker>[1-9][0-9]{{0,19}}):(?P<pick>{ID}))",
    re.ASCII,
)
_SELECT_IDS: dict[str, Action] = {"faq:topics": TopicChoice(), "faq:entry": EntryChoice()}


def parse_custom_id(custom_id: object, component_type: object) -> Action | None:
    """What a component interaction asks for, or None when it is none of the bot's."""
    if not isinstance(custom_id, str) or len(custom_id) > MAX_CUSTOM_ID_CHARS:
        return None
    if component_type == STRING_SELECT:
        return _SELECT_IDS.get(custom_id)
    if component_type != BUTTON or (found := _BUTTON_ID.fullmatch(custom_id)) is None:
        return None
    if found["related"]:
        return Related(found["related"])
    if found["vote"]:
        return Vote(found["vote"], helpful=found["helpful"] == "1")
    return Pick(int(found["asker"]), found["pick"])


# --- answering ---------------------------------------------------------------------------

STALE = "This {what} no longer works; ask again with `/ask`."
ENTRY_GONE = "That question is no longer in the FAQ. Try `/ask` again."
VOTE_GONE = "That answer is no longer in the FAQ, so your vote was not recorded."
TOPIC_GONE = "That topic is no longer in the FAQ; run `/topics` again."
ONLY_THE_ASKER = "Only the person who asked can pick from these. Use `/ask` to ask your own."


async def say(interaction: discord.Interaction, text: str) -> None:
    await respond(interaction, text, ephemeral=True)


class Components(commands.Cog):
    """Answers every button press and menu choice, the bot's own and any other."""

    def __init__(self, bot: BotServices) -> None:
        self.bot = bot

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
            await answer_by_id(interaction, action.entry_id)
        elif isinstance(action, Vote):
            await self.vote(interaction, action)
        elif isinstance(action, Pick):
            if interaction.user.id != action.asker_id:
                await say(interaction, ONLY_THE_ASKER)
            else:
                await answer_by_id(interaction, action.entry_id)
        elif isinstance(action, TopicChoice) and (topic := chosen(data)) is not None:
            await self.show_topic(interaction, topic)
        elif isinstance(action, EntryChoice) and (entry_id := chosen(data)) is not None:
            await answer_by_id(interaction, entry_id, ephemeral=True)
        else:
            what = "menu" if component_type == STRING_SELECT else "button"
            await say(interaction, STALE.format(what=what))

    async def vote(self, interaction: discord.Interaction, vote: Vote) -> None:
        if self.bot.knowledge.current.knowledge_base.get(vote.entry_id) is None:
            # Votes are per entry of the FAQ being served; one for an entry that was removed
            # (or never existed) would count towards nothing a maintainer can see or fix.
            await say(interaction, VOTE_GONE)
            return
        # The reply says whether the vote was stored, so the write comes first; a slow
        # store must not make the reply miss Discord's 3-second window.
        recording = self.bot.store.record_vote(
            entry_id=vote.entry_id, user_id=interaction.user.id, helpful=vote.helpful
        )
        stored = await before_replying(interaction, recording, ephemeral=True)
        await say(
            interaction,
            "Thanks, your feedback is recorded (voting again replaces it)."
            if stored
            else "Thanks! Your feedback couldn't be saved just now.",
        )

    async def show_topic(self, interaction: discord.Interaction, topic: str) -> None:
        entries = self.bot.knowledge.current.knowledge_base.entries_in(topic)
        if not entries:
            await say(interaction, TOPIC_GONE)
            return
        view = sent_view(EntrySelect(list(entries)))
        # ``topic`` is one of the FAQ's own topic names here, never text from the user.
        await respond(interaction, f"Questions on `{topic}`:", view=view, ephemeral=True)


def chosen(data: dict[str, Any]) -> str | None:
    """The one value chosen in a select menu, or None when the interaction has no such."""
    values = data.get("values")
    if isinstance(values, list) and len(values) == 1 and isinstance(values[0], str):
        return values[0]
    return None


async def answer_by_id(
    interaction: discord.Interaction, entry_id: str, *, ephemeral: bool = False
) -> None:
    entry = _bot(interaction).knowledge.current.knowledge_base.get(entry_id)
    if entry is None:
        # The FAQ was edited since the button was made and the entry is gone.
        await say(interaction, ENTRY_GONE)
        return
    await send_answer(interaction, entry, ephemeral=ephemeral)
