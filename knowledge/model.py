"""The FAQ as the rest of the program sees it: immutable, validated values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from knowledge.language import Language


@dataclass(frozen=True, slots=True)
class Source:
    title: str
    url: str


@dataclass(frozen=True, slots=True)
class Translation:
    """An entry's question, other ways of asking it, and answer in another language."""

    question: str
    alternates: tuple[str, ...]
    answer: str

    @property
    def phrases(self) -> tuple[str, ...]:
        return (self.question, *self.alternates)


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    topic: str
    question: str
    alternates: tuple[str, ...]
    answer: str
    sources: tuple[Source, ...]
    tags: tuple[str, ...]
    related: tuple[str, ...]
    updated: dt.date
    # The entry in Japanese (the FAQ file's ``ja`` block), when it has been written.
    ja: Translation | None = None

    @property
    def phrases(self) -> tuple[str, ...]:
        """Every way of asking this entry's question: the English ones, canonical first,
        then the Japanese ones."""
        japanese = self.ja.phrases if self.ja else ()
        return (self.question, *self.alternates, *japanese)

    def question_in(self, language: Language) -> str:
        return self.ja.question if language == "ja" and self.ja else self.question

    def answer_in(self, language: Language) -> str | None:
        """The answer in ``language``; None when it has not been written in it."""
        if language == "en":
            return self.answer
        return self.ja.answer if self.ja else None


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """Words that mean the same thing, kept as FAQ data so maintainers can extend them.

    Each group lists a canonical form first; every other form (a word or a phrase of
    several words) is read as the canonical one, in questions and in FAQ phrases alike.
    """

    synonym_groups: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True, slots=True)
class SmallTalk:
    """A kind of message that is not an FAQ question ("thanks", "hi", "are you a bot")."""

    id: str
    phrases: tuple[str, ...]
    # What the bot says back; empty when ``shows_help`` asks for the help text instead.
    reply: str = ""
    shows_help: bool = False
    # The reply in Japanese, when written; the English one stands in for it otherwise.
    reply_ja: str = ""

    def reply_in(self, language: Language) -> str:
        return self.reply_ja if language == "ja" and self.reply_ja else self.reply


@dataclass(frozen=True)
class KnowledgeBase:
    entries: tuple[Entry, ...]
    vocabulary: Vocabulary = field(default_factory=Vocabulary)
    small_talk: tuple[SmallTalk, ...] = ()
    # Display names of topics (a file's ``topic_title``); a topic without one shows its name.
    topic_titles: Mapping[str, str] = field(default_factory=dict)
    # The same in Japanese (a file's ``ja: {topic_title}``); the English one stands in.
    topic_titles_ja: Mapping[str, str] = field(default_factory=dict)
    # A short digest of the files the FAQ was loaded from: shown in logs and the health file
    # so an operator can tell which edit is serving.
    version: str = ""
    _by_id: dict[str, Entry] = field(init=False, repr=False, compare=False)
    _by_question: dict[str, Entry] = field(init=False, repr=False, compare=False)
    _topics: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Frozen, so the lookup tables are set once here and never change afterwards.
        object.__setattr__(self, "_by_id", {e.id: e for e in self.entries})
        by_question = {e.question: e for e in self.entries}
        # A Japanese question is an autocomplete choice too; an English one wins a clash.
        for entry in self.entries:
            if entry.ja is not None:
                by_question.setdefault(entry.ja.question, entry)
        object.__setattr__(self, "_by_question", by_question)
        names = dict.fromkeys(e.topic for e in self.entries)
        ordered = sorted(names, key=lambda t: self.title_of(t).casefold())
        object.__setattr__(self, "_topics", tuple(ordered))

    def get(self, entry_id: str) -> Entry | None:
        return self._by_id.get(entry_id)

    def asking(self, question: str) -> Entry | None:
        """The entry whose canonical question, in English or Japanese, is exactly ``question``
        (an autocomplete pick)."""
        return self._by_question.get(question)

    @property
    def topics(self) -> tuple[str, ...]:
        """Topic names in the order members see them: alphabetical by display name."""
        return self._topics

    def title_of(self, topic: str, language: Language = "en") -> str:
        if language == "ja" and self.topic_titles_ja.get(topic):
            return self.topic_titles_ja[topic]
        return self.topic_titles.get(topic) or topic

    def entries_in(self, topic: str) -> tuple[Entry, ...]:
        return tuple(e for e in self.entries if e.topic == topic)
