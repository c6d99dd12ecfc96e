"""The buttons and menus the bot sends; ``Components`` answers them by custom id."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import discord

from bot.answering import Answer, Complaint
from bot.features.custom_ids import (
    delete_id,
    in_language,
    miss_id,
    none_id,
    pick_id,
    related_id,
    share_id,
    show_in_id,
    sources_id,
    vote_id,
    why_id,
)
from bot.features.rendering import (
    ALL_SOURCES,
    BUTTON_LABEL_CHARS,
    NONE_OF_THESE,
    NOT_WHAT_I_ASKED,
    POST_HERE,
    SELECT_LABEL_LIMIT,
    SHOW_IN_ENGLISH,
    SHOW_IN_JAPANESE,
    clip,
    shorten,
)
from bot.i18n import N_, Words
from knowledge.language import Language
from knowledge.model import Entry, KnowledgeBase
from knowledge.presentation import lay_out_sources

MAX_OPTIONS = 25  # Discord's limit for a select menu's options
HELPFUL = N_("Helpful")
NOT_HELPFUL = N_("Not helpful")
WHAT_WAS_WRONG = N_("What was wrong?")
CHOOSE_TOPIC = N_("Choose a topic")
CHOOSE_QUESTION = N_("Choose a question")
QUESTION_COUNT = N_("{count} questions")
# The menu after a 👎: each complaint as members read it.
COMPLAINTS = {
    Complaint.WRONG: N_("Wrong answer"),
    Complaint.OUT_OF_DATE: N_("Out of date"),
    Complaint.UNCLEAR: N_("Unclear"),
    Complaint.MISSING_SOURCE: N_("Missing source"),
}


def sent_view(*items: discord.ui.Item[Any], language: Language = "en") -> discord.ui.View:
    """A view to send and forget: its components are answered by ``Components``, by custom id.

    It is stopped before it is sent, and discord.py keeps no stopped view: otherwise it would
    hold each message's view in memory (ephemeral ones with a 15-minute timeout task), and
    route clicks to items that have no callback.
    The custom ids are marked with the message's ``language`` (custom_ids.in_language), so
    a press is answered in it.
    """
    view = discord.ui.View(timeout=None)
    for item in items:
        if isinstance(item, discord.ui.Button | discord.ui.Select) and item.custom_id:
            item.custom_id = in_language(item.custom_id, language)
        view.add_item(item)
    view.stop()
    return view


def answer_view(answer: Answer, words: Words) -> discord.ui.View:
    """Each related question on a row of its own (readable on a phone), then one row of
    feedback, "All sources" when some did not fit, the other language when the entry is
    written in both, and 🗑 on a public answer."""
    language = words.language
    items: list[discord.ui.Item[Any]] = [
        RelatedButton(related.id, related.question_in(language), answer.for_user_id, row=row)
        for row, related in enumerate(answer.related)
    ]
    last = len(items)
    entry_id = answer.entry.id
    items.append(VoteButton(entry_id, words(HELPFUL), helpful=True, row=last))
    items.append(VoteButton(entry_id, words(NOT_HELPFUL), helpful=False, row=last))
    if lay_out_sources(answer.entry.sources).hidden:
        items.append(LabelledButton(words(ALL_SOURCES), sources_id(entry_id), row=last))
    if answer.shareable:
        items.append(LabelledButton(words(POST_HERE), share_id(entry_id), row=last, primary=True))
    # (Not under an auto-answer: its row already holds 🗑 and "Not what I asked", and Discord
    # allows five buttons a row; it is in the language its question was written in anyway.)
    if answer.entry.ja is not None and not answer.automatic:
        other: Language = "en" if language == "ja" else "ja"
        label = SHOW_IN_ENGLISH if other == "en" else SHOW_IN_JAPANESE
        items.append(LabelledButton(label, show_in_id(entry_id, other), row=last))
    if answer.public:
        items.append(DeleteButton(answer.for_user_id, row=last))
    if answer.automatic:
        items.append(LabelledButton(words(NOT_WHAT_I_ASKED), miss_id(answer.for_user_id), row=last))
    return sent_view(*items, language=language)


def suggestion_view(
    asker_id: int, entries: Sequence[Entry], token: str, words: Words
) -> discord.ui.View:
    """One row per choice, then "None of these" on its own."""
    picks = [
        PickButton(asker_id, e.id, e.question_in(words.language), token, row=row)
        for row, e in enumerate(entries)
    ]
    none = LabelledButton(words(NONE_OF_THESE), none_id(asker_id, token), row=len(picks))
    return sent_view(*picks, none, language=words.language)


def why_view(entry_id: str, words: Words) -> discord.ui.View:
    return sent_view(WhyMenu(entry_id, words), language=words.language)


class RelatedButton(discord.ui.Button[Any]):
    def __init__(self, entry_id: str, label: str, asker_id: int, *, row: int) -> None:
        super().__init__(
            label=shorten(label, BUTTON_LABEL_CHARS),
            style=discord.ButtonStyle.secondary,
            custom_id=related_id(entry_id, asker_id),
            row=row,
        )


class VoteButton(discord.ui.Button[Any]):
    def __init__(self, entry_id: str, label: str, *, helpful: bool, row: int) -> None:
        super().__init__(
            emoji="👍" if helpful else "👎",
            label=label,
            style=discord.ButtonStyle.success if helpful else discord.ButtonStyle.secondary,
            custom_id=vote_id(entry_id, helpful=helpful),
            row=row,
        )


class LabelledButton(discord.ui.Button[Any]):
    """A button with words on it: "All sources" (every source, privately, when the answer
    could not show them all), "Post here" (a private answer posted for the channel), the
    other language, "Not what I asked" (removes an auto-answer, counted as a miss), "None of
    these" (the way out of a did-you-mean: the question is noted and the topics offered)."""

    def __init__(self, label: str, custom_id: str, *, row: int, primary: bool = False) -> None:
        super().__init__(
            label=label,
            style=discord.ButtonStyle.primary if primary else discord.ButtonStyle.secondary,
            custom_id=custom_id,
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


class WhyMenu(discord.ui.Select[Any]):
    """Asked privately after a 👎: what was wrong with the answer."""

    def __init__(self, entry_id: str, words: Words) -> None:
        super().__init__(
            custom_id=why_id(entry_id),
            placeholder=words(WHAT_WAS_WRONG),
            options=[
                discord.SelectOption(label=words(COMPLAINTS[complaint]), value=complaint.value)
                for complaint in Complaint
            ],
        )


@dataclass(frozen=True)
class TopicOption:
    name: str
    title: str
    questions: int


def topic_options(knowledge_base: KnowledgeBase, language: Language) -> list[TopicOption]:
    return [
        TopicOption(t, knowledge_base.title_of(t, language), len(knowledge_base.entries_in(t)))
        for t in knowledge_base.topics
    ]


class TopicSelect(discord.ui.Select[Any]):
    """First step of /topics: choose a topic, then an entry in it. The chosen topic, if any,
    stays selected when the message shows that topic's questions."""

    def __init__(
        self, topics: Sequence[TopicOption], words: Words, chosen: str | None = None
    ) -> None:
        super().__init__(
            custom_id="faq:topics",
            placeholder=words(CHOOSE_TOPIC),
            options=[
                discord.SelectOption(
                    label=clip(topic.title, SELECT_LABEL_LIMIT),
                    value=topic.name,
                    description=words(QUESTION_COUNT, count=topic.questions),
                    default=topic.name == chosen,
                )
                for topic in topics[:MAX_OPTIONS]
            ],
        )


class EntrySelect(discord.ui.Select[Any]):
    def __init__(self, entries: Sequence[Entry], words: Words) -> None:
        super().__init__(
            custom_id="faq:entry",
            placeholder=words(CHOOSE_QUESTION),
            options=[
                discord.SelectOption(
                    label=clip(e.question_in(words.language), SELECT_LABEL_LIMIT), value=e.id
                )
                for e in entries[:MAX_OPTIONS]
            ],
        )
