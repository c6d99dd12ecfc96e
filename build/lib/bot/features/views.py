"""The buttons and menus the bot sends; ``Components`` answers them by custom id."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import discord

from bot.answering import Answer, Complaint
from bot.features.custom_ids import (
    delete_id,
    none_id,
    pick_id,
    related_id,
    share_id,
    sources_id,
    vote_id,
    why_id,
)
from bot.features.rendering import (
    ALL_SOURCES,
    BUTTON_LABEL_CHARS,
    NONE_OF_THESE,
    POST_HERE,
    SELECT_LABEL_LIMIT,
    clip,
    shorten,
)
from knowledge.model import Entry, KnowledgeBase
from knowledge.presentation import lay_out_sources

MAX_OPTIONS = 25  # Discord's limit for a select menu's options


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


def answer_view(answer: Answer) -> discord.ui.View:
    """Each related question on a row of its own (readable on a phone), then one row of
    feedback, "All sources" when some did not fit, and 🗑 on a public answer."""
    items: list[discord.ui.Item[Any]] = [
        RelatedButton(related.id, related.question, answer.for_user_id, row=row)
        for row, related in enumerate(answer.related)
    ]
    last = len(items)
    items.append(VoteButton(answer.entry.id, helpful=True, row=last))
    items.append(VoteButton(answer.entry.id, helpful=False, row=last))
    if lay_out_sources(answer.entry.sources).hidden:
        items.append(SourcesButton(answer.entry.id, row=last))
    if answer.shareable:
        items.append(ShareButton(answer.entry.id, row=last))
    if answer.public:
        items.append(DeleteButton(answer.for_user_id, row=last))
    return sent_view(*items)


def suggestion_view(asker_id: int, entries: Sequence[Entry], token: str) -> discord.ui.View:
    """One row per choice, then "None of these" on its own."""
    picks = [
        PickButton(asker_id, e.id, e.question, token, row=row) for row, e in enumerate(entries)
    ]
    return sent_view(*picks, NoneButton(asker_id, token, row=len(picks)))


def why_view(entry_id: str) -> discord.ui.View:
    return sent_view(WhyMenu(entry_id))


class RelatedButton(discord.ui.Button[Any]):
    def __init__(self, entry_id: str, label: str, asker_id: int, *, row: int) -> None:
        super().__init__(
            label=shorten(label, BUTTON_LABEL_CHARS),
            style=discord.ButtonStyle.secondary,
            custom_id=related_id(entry_id, asker_id),
            row=row,
        )


class VoteButton(discord.ui.Button[Any]):
    def __init__(self, entry_id: str, *, helpful: bool, row: int) -> None:
        super().__init__(
            emoji="👍" if helpful else "👎",
            label="Helpful" if helpful else "Not helpful",
            style=discord.ButtonStyle.success if helpful else discord.ButtonStyle.secondary,
            custom_id=vote_id(entry_id, helpful=helpful),
            row=row,
        )


class SourcesButton(discord.ui.Button[Any]):
    """Lists every source of the entry, privately, when the answer could not show them all."""

    def __init__(self, entry_id: str, *, row: int) -> None:
        super().__init__(
            label=ALL_SOURCES,
            style=discord.ButtonStyle.secondary,
            custom_id=sources_id(entry_id),
            row=row,
        )


class ShareButton(discord.ui.Button[Any]):
    """Posts an answer only the member sees in the channel, for everyone there."""

    def __init__(self, entry_id: str, *, row: int) -> None:
        super().__init__(
            label=POST_HERE,
            style=discord.ButtonStyle.primary,
            custom_id=share_id(entry_id),
            row=row,
        )


class DeleteButton(discord.ui.Button[Any]):
    """Removes a public answer: for the member it answered, and for moderators."""

    def __init__(self, asker_id: int, *, row: int) -> None:
        super().__init__(
            emoji="🗑️",
            style=discord.ButtonStyle.danger,
            custom_id=delete_id(asker_id),
            row=row,
        )


class PickButton(discord.ui.Button[Any]):
    """A "did you mean" choice that only the person who asked may press."""

    def __init__(self, asker_id: int, entry_id: str, label: str, token: str, *, row: int) -> None:
        super().__init__(
            label=shorten(label, BUTTON_LABEL_CHARS),
            style=discord.ButtonStyle.primary,
            custom_id=pick_id(asker_id, entry_id, token),
            row=row,
        )


class NoneButton(discord.ui.Button[Any]):
    """The way out of a "did you mean": the question is noted and the topics offered."""

    def __init__(self, asker_id: int, token: str, *, row: int) -> None:
        super().__init__(
            label=NONE_OF_THESE,
            style=discord.ButtonStyle.secondary,
            custom_id=none_id(asker_id, token),
            row=row,
        )


class WhyMenu(discord.ui.Select[Any]):
    """Asked privately after a 👎: what was wrong with the answer."""

    def __init__(self, entry_id: str) -> None:
        super().__init__(
            custom_id=why_id(entry_id),
            placeholder="What was wrong?",
            options=[
                discord.SelectOption(label=complaint.value.capitalize(), value=complaint.value)
                for complaint in Complaint
            ],
        )


@dataclass(frozen=True)
class TopicOption:
    name: str
    title: str
    questions: int


def topic_options(knowledge_base: KnowledgeBase) -> list[TopicOption]:
    return [
        TopicOption(t, knowledge_base.title_of(t), len(knowledge_base.entries_in(t)))
        for t in knowledge_base.topics
    ]


class TopicSelect(discord.ui.Select[Any]):
    """First step of /topics: choose a topic, then an entry in it. The chosen topic, if any,
    stays selected when the message shows that topic's questions."""

    def __init__(self, topics: Sequence[TopicOption], chosen: str | None = None) -> None:
        super().__init__(
            custom_id="faq:topics",
            placeholder="Choose a topic",
            options=[
                discord.SelectOption(
                    label=clip(topic.title, SELECT_LABEL_LIMIT),
                    value=topic.name,
                    description=f"{topic.questions} questions",
                    default=topic.name == chosen,
                )
                for topic in topics[:MAX_OPTIONS]
            ],
        )


class EntrySelect(discord.ui.Select[Any]):
    def __init__(self, entries: Sequence[Entry]) -> None:
        super().__init__(
            custom_id="faq:entry",
            placeholder="Choose a question",
            options=[
                discord.SelectOption(label=clip(e.question, SELECT_LABEL_LIMIT), value=e.id)
                for e in entries[:MAX_OPTIONS]
            ],
        )
