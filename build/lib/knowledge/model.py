"""The FAQ as the rest of the program sees it: immutable, validated values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Source:
    title: str
    url: str


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

    @property
    def phrases(self) -> tuple[str, ...]:
        """Every way of asking this entry's question, canonical first."""
        return (self.question, *self.alternates)


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


@dataclass(frozen=True)
class KnowledgeBase:
    entries: tuple[Entry, ...]
    vocabulary: Vocabulary = field(default_factory=Vocabulary)
    small_talk: tuple[SmallTalk, ...] = ()
    # Display names of topics (a file's ``topic_title``); a topic without one shows its name.
    topic_titles: Mapping[str, str] = field(default_factory=dict)
    # A short digest of the files the FAQ was loaded from: shown in logs and the health file
    # so an operator can tell which edit is serving.
    version: str = ""
    _by_id: dict[str, Entry] = field(init=False, repr=False, compare=False)
    _by_question: dict[str, Entry] = field(init=False, repr=False, compare=False)
    _topics: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Frozen, so the lookup tables are set once here and never change afterwards.
        object.__setattr__(self, "_by_id", {e.id: e for e in self.entries})
        object.__setattr__(self, "_by_question", {e.question: e for e in self.entries})
        names = dict.fromkeys(e.topic for e in self.entries)
        ordered = sorted(names, key=lambda t: self.title_of(t).casefold())
        object.__setattr__(self, "_topics", tuple(ordered))

    def get(self, entry_id: str) -> Entry | None:
        return self._by_id.get(entry_id)

    def asking(self, question: str) -> Entry | None:
        """The entry whose canonical question is exactly ``question`` (an autocomplete pick)."""
        return self._by_question.get(question)

    @property
    def topics(self) -> tuple[str, ...]:
        """Topic names in the order members see them: alphabetical by display name."""
        return self._topics

    def title_of(self, topic: str) -> str:
        return self.topic_titles.get(topic) or topic

    def entries_in(self, topic: str) -> tuple[Entry, ...]:
        return tuple(e for e in self.entries if e.topic == topic)
