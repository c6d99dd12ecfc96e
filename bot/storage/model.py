"""The values the store hands out; frozen so a view can keep them without copying."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
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
class AskedQuestion:
    """One row of the question log, as the views that learn from it read it."""

    question: str
    decision: str
    entry_id: str | None
    score: float
    # The entry the asker chose from the "did you mean" choices, if they chose one.
    picked_entry_id: str | None = None

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> AskedQuestion:
        question, decision, entry_id, score, picked = row
        return cls(
            str(question),
            str(decision),
            None if entry_id is None else str(entry_id),
            float(score),
            None if picked is None else str(picked),
        )


@dataclass(frozen=True)
class EntryFeedback:
    entry_id: str
    helpful: int
    not_helpful: int
    # What members said was wrong, for the not-helpful votes that say: (reason, count),
    # most given first.
    reasons: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class AutoAnswerFigures:
    """Answers given unasked in auto-answer channels, and what members did with them."""

    given: int = 0
    deleted: int = 0  # by the asker or a moderator
    missed: int = 0  # "not what I asked"
    helpful: int = 0
    not_helpful: int = 0


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
    # Top 10 entries by how often they were the answer with a score below ``low_score``:
    # answers given with little to spare, the ones to check against the questions asked.
    low_score_entries: list[tuple[str, int]] = field(default_factory=list)
    low_score: float = 0.0
    auto_answers: AutoAnswerFigures = field(default_factory=lambda: AutoAnswerFigures())

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


# The statistics both backends read, in one read transaction (``?`` placeholders: the
# PostgreSQL backend swaps in its own), and how their rows become ``Stats``.
DECISIONS = ("answer", "suggest", "none")
STATS_SQL = {
    "counts": "SELECT decision, count(*) FROM questions WHERE asked_at >= ? GROUP BY decision",
    "top": (
        "SELECT entry_id, count(*) AS n FROM questions WHERE asked_at >= ?"
        " AND decision = 'answer' AND entry_id IS NOT NULL"
        " GROUP BY entry_id ORDER BY n DESC, entry_id LIMIT 10"
    ),
    "votes": (
        "SELECT entry_id, sum(helpful), sum(1 - helpful) FROM votes WHERE voted_at >= ?"
        " GROUP BY entry_id ORDER BY count(*) DESC, entry_id"
    ),
    "low": (
        "SELECT entry_id, count(*) AS n FROM questions WHERE asked_at >= ?"
        " AND decision = 'answer' AND entry_id IS NOT NULL AND score < ?"
        " GROUP BY entry_id ORDER BY n DESC, entry_id LIMIT 10"
    ),
    "auto": (
        "SELECT outcome, count(*), sum(helpful), sum(not_helpful) FROM auto_answers"
        " WHERE answered_at >= ? GROUP BY outcome"
    ),
    "reasons": (
        "SELECT entry_id, reason, count(*) FROM votes WHERE voted_at >= ? AND helpful = 0"
        " AND reason IS NOT NULL GROUP BY entry_id, reason ORDER BY count(*) DESC, reason"
    ),
}


def stats_params(start: float, low_score: float) -> dict[str, tuple[float, ...]]:
    """Each of ``STATS_SQL``'s queries' parameters."""
    return {name: (start, low_score) if name == "low" else (start,) for name in STATS_SQL}


def stats_from_rows(
    since: datetime, rows: Mapping[str, Sequence[Sequence[Any]]], low_score: float = 0.0
) -> Stats:
    """``Stats`` from the rows of each of ``STATS_SQL``'s queries."""
    counts = {str(decision): int(n) for decision, n in rows["counts"]}
    answered, suggested, unanswered = (counts.get(d, 0) for d in DECISIONS)
    by_entry: dict[str, list[tuple[str, int]]] = {}
    for entry_id, reason, count in rows["reasons"]:
        by_entry.setdefault(str(entry_id), []).append((str(reason), int(count)))
    return Stats(
        since=since,
        questions=answered + suggested + unanswered,
        answered=answered,
        suggested=suggested,
        unanswered=unanswered,
        top_entries=[(str(entry), int(n)) for entry, n in rows["top"]],
        feedback=[
            EntryFeedback(str(e), int(h), int(n), tuple(by_entry.get(str(e), ())))
            for e, h, n in rows["votes"]
        ],
        low_score_entries=[(str(entry), int(n)) for entry, n in rows["low"]],
        low_score=low_score,
        auto_answers=_auto_answer_figures(rows["auto"]),
    )


def _auto_answer_figures(rows: Sequence[Sequence[Any]]) -> AutoAnswerFigures:
    by_outcome = {str(outcome): int(n) for outcome, n, _, _ in rows}
    return AutoAnswerFigures(
        given=sum(by_outcome.values()),
        deleted=by_outcome.get("deleted", 0),
        missed=by_outcome.get("missed", 0),
        helpful=sum(int(h or 0) for _, _, h, _ in rows),
        not_helpful=sum(int(n or 0) for _, _, _, n in rows),
    )
