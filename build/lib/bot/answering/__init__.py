"""Answering a member, with no Discord in it: see service.py for the one path every way of
asking takes, and outcomes.py for the values that go in and come out."""

from bot.answering.outcomes import (
    Answer,
    Asking,
    Complaint,
    NotCovered,
    Outcome,
    PickRecord,
    QuestionRecord,
    Reason,
    Refused,
    SmallTalkReply,
    Suggestions,
    VoteResult,
    Way,
)
from bot.answering.service import (
    DEFER_BACKLOG,
    MAX_RELATED,
    MAX_SUGGESTIONS,
    VOTE_PER_SECONDS,
    VOTE_RATE,
    Answering,
    QuestionLog,
)

__all__ = [
    "DEFER_BACKLOG",
    "MAX_RELATED",
    "MAX_SUGGESTIONS",
    "VOTE_PER_SECONDS",
    "VOTE_RATE",
    "Answer",
    "Answering",
    "Asking",
    "Complaint",
    "NotCovered",
    "Outcome",
    "PickRecord",
    "QuestionLog",
    "QuestionRecord",
    "Reason",
    "Refused",
    "SmallTalkReply",
    "Suggestions",
    "VoteResult",
    "Way",
]
