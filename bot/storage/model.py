"""The values the store hands out; frozen so a view can keep them without copying."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime


class StorageError(Exception):
    """A read the admin views asked for cannot be answered; the message says why."""


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    # A naive datetime can only have come from code that meant UTC: the bot never uses local time.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass(frozen=True)
class EntryFeedback:
    entry_id: str
    helpful: int
    not_helpful: int


@dataclass(frozen=True)
class Stats:
    since: datetime
    questions: int
    answered: int
    suggested: int
    unanswered: int
    # Top 10 entries by how often they were the confident answer, most first.
    top_entries: list[tuple[str, int]]
    # Votes cast in the period, entries with the most votes first.
    feedback: list[EntryFeedback]

    def _share(self, count: int) -> float:
        return count / self.questions if self.questions else 0.0

    @property
    def answer_rate(self) -> float:
        return self._share(self.answered)

    @property
    def suggest_rate(self) -> float:
        return self._share(self.suggested)

    @property
    def none_rate(self) -> float:
        return self._share(self.unanswered)
