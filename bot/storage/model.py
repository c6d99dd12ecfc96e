"""The values the store hands out; frozen so a view can keep them without copying."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


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
    # What members said was wrong, for the not-helpful votes that say: (reason, count),
    # most given first.
    reasons: tuple[tuple[str, int], ...] = ()


# Both backends count the reasons with this query (PostgreSQL's placeholder; SQLite swaps it).
REASONS_SQL = (
    "SELECT entry_id, reason, count(*) FROM votes WHERE voted_at >= %s AND helpful = 0"
    " AND reason IS NOT NULL GROUP BY entry_id, reason ORDER BY count(*) DESC, reason"
)


def feedback_with_reasons(
    votes: Iterable[Sequence[Any]], reasons: Iterable[Sequence[Any]]
) -> list[EntryFeedback]:
    """Rows of (entry, helpful, not helpful) and (entry, reason, count) as feedback."""
    by_entry: dict[str, list[tuple[str, int]]] = {}
    for entry_id, reason, count in reasons:
        by_entry.setdefault(str(entry_id), []).append((str(reason), int(count)))
    return [
        EntryFeedback(str(e), int(h), int(n), tuple(by_entry.get(str(e), ()))) for e, h, n in votes
    ]


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
