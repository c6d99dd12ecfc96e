"""What answering is asked (``Asking``) and what it decides (an ``Outcome``): plain values."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from knowledge.language import Language
from knowledge.model import Entry


class Way(enum.StrEnum):
    """How the question reached the bot (for /ask and mentions, also the log's ``source``)."""

    SLASH = "slash"
    MENTION = "mention"
    PICK = "pick"  # a "did you mean" choice
    RELATED = "related"  # a related-question button under an answer
    TOPICS = "topics"  # a question chosen in the /topics browser
    SHARE = "share"  # "Post here" under an answer only the member could see
    AUTO = "auto"  # a message in an auto-answer channel, not addressed to the bot
    LANGUAGE = "language"  # "English" / "日本語" under an answer: the same answer, switched


@dataclass(frozen=True)
class Asking:
    """One request to answer: what, who, where and how.

    ``question`` is the text typed (slash, mention); ``entry_id`` the entry a button or menu
    names (pick, related, topics). ``for_user_id`` is the member the message holding the
    button was for (None when the button does not say); ``message_id`` is that message.
    """

    way: Way
    user_id: int
    channel_id: int
    guild_id: int | None
    question: str = ""
    entry_id: str | None = None
    in_dm: bool = False
    from_private_message: bool = False
    for_user_id: int | None = None
    message_id: int | None = None
    # A mention in reply to someone's message asks their question for them: the answer is
    # theirs (its buttons are for them), while the rate rules count the member who asked.
    on_behalf_of: int | None = None
    # A pick: the token of the "did you mean" it was made from (``Suggestions.token``), when
    # its button carries one.
    suggestion: str | None = None
    # The language to answer in (knowledge.language.answer_language decides it).
    language: Language = "en"


@dataclass(frozen=True)
class QuestionRecord:
    """One row for the question log (the store's ``record_question`` arguments)."""

    question: str
    decision: str
    entry_id: str | None
    score: float
    guild_id: int | None
    source: str


@dataclass(frozen=True)
class PickRecord:
    """A "did you mean" choice, for the question log: the question and the entry chosen."""

    question: str
    source: str
    entry_id: str


@dataclass(frozen=True)
class Answer:
    entry: Entry
    related: tuple[Entry, ...]
    # Posted for the channel to see; otherwise only the member sees it.
    public: bool
    # Whom the answer is for: only they may pick from it, and their related clicks are public.
    for_user_id: int
    record: QuestionRecord | None = None
    # Private, in a server channel: the member may post it there ("Post here").
    shareable: bool = False
    # A pick from a "did you mean" whose question is still remembered: logged with it.
    picked: PickRecord | None = None
    # Given unasked, in an auto-answer channel, with the matcher's score for it.
    automatic: bool = False
    score: float = 0.0
    # The language it is shown in; an entry not yet written in it is shown in English.
    language: Language = "en"


@dataclass(frozen=True)
class Suggestions:
    question: str
    entries: tuple[Entry, ...]
    record: QuestionRecord | None = None
    # Names this "did you mean" for its "none of these" button (``Answering.none_of_these``).
    token: str = ""


@dataclass(frozen=True)
class NotCovered:
    question: str
    # The FAQ's topics by their display names, in the order members see them.
    topics: tuple[str, ...]
    record: QuestionRecord | None = None
    # "None of these" after a did-you-mean: the question's row is already in the log (as
    # suggested) and is changed to not covered rather than logged a second time.
    declined_suggestion: bool = False


@dataclass(frozen=True)
class SmallTalkReply:
    # The FAQ's reply for this kind of small talk; None means "show the help text".
    reply: str | None
    record: None = None


class Reason(enum.StrEnum):
    TOO_FAST = "too fast"  # the member's cooldown
    JUST_ANSWERED = "just answered"  # the same answer was just posted in this channel
    NOT_YOURS = "not yours"  # a pick from someone else's "did you mean"
    ALREADY_PICKED = "already picked"  # a pick from a "did you mean" already used
    ENTRY_GONE = "entry gone"  # the entry a button names is no longer in the FAQ


@dataclass(frozen=True)
class Refused:
    reason: Reason
    retry_after: float = 0.0
    # JUST_ANSWERED: the earlier answer's link, once it has been posted.
    earlier_link: str | None = None
    record: None = None


Outcome = Answer | Suggestions | NotCovered | SmallTalkReply | Refused


class VoteResult(enum.StrEnum):
    RECORDED = "recorded"
    NOT_SAVED = "not saved"  # the store failed; the member is told
    ENTRY_GONE = "entry gone"
    TOO_FAST = "too fast"


class Complaint(enum.StrEnum):
    """What a member says was wrong with an answer they found not helpful."""

    WRONG = "wrong answer"
    OUT_OF_DATE = "out of date"
    UNCLEAR = "unclear"
    MISSING_SOURCE = "missing source"
