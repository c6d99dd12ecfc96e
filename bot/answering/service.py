"""Answering a member: the one path every way of asking takes, with no Discord in it.

``/ask``, a mention, a "did you mean" pick, a related-question button and the ``/topics``
browser all describe what happened as an ``Asking`` and get back an ``Outcome``, a plain
value that the Discord layer (bot/features/) renders and sends. Here, once per request:

- the FAQ snapshot is read once, so a reload half-way through cannot mix two FAQs;
- the rules apply in one order: small talk (free) -> entry lookup -> "just answered"
  (free, with a link to that answer) -> cooldown -> the answer;
- what goes in the question log is decided (``Outcome.record``); the adapter writes it
  with ``record`` before replying when the reply says it was noted, after replying otherwise.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable
from dataclasses import asdict
from typing import Protocol

from bot.answering.memory import Suggested, UsedPicks
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
from bot.knowledge_service import FaqSnapshot, KnowledgeService
from bot.matching_queue import MatchingQueue
from bot.rate_limits import BurstGuard, Cooldown
from knowledge.language import Language
from knowledge.matching import Decision, MatchResult
from knowledge.model import Entry
from knowledge.text import normalise

log = logging.getLogger(__name__)

# Questions already waiting for the matching thread (~10 ms each) beyond which a new one
# should be acknowledged before it is matched (see ``Answering.busy``).
DEFER_BACKLOG = 8
# Each related question has a row of buttons to itself; the fifth row is for feedback.
MAX_RELATED = 4
MAX_SUGGESTIONS = 3
# Votes per member: enough to vote on every answer in a conversation, few enough that one
# member's flood is turned away before it reaches the store and slows everyone's writes.
VOTE_RATE, VOTE_PER_SECONDS = 10, 60.0
# An auto-answer channel gets the same entry unasked at most once in this long.
AUTO_REPEAT_SECONDS = 300.0


class QuestionLog(Protocol):
    """What answering writes to the store (bot/storage's Store provides it)."""

    def record_question(
        self,
        *,
        question: str,
        decision: str,
        entry_id: str | None,
        score: float,
        guild_id: int | None,
        source: str,
    ) -> Awaitable[bool]: ...

    def record_vote(self, *, entry_id: str, user_id: int, helpful: bool) -> Awaitable[bool]: ...

    def record_pick(self, *, question: str, source: str, entry_id: str) -> Awaitable[bool]: ...

    def record_vote_reason(
        self, *, entry_id: str, user_id: int, reason: str
    ) -> Awaitable[bool]: ...

    def record_suggestion_not_covered(self, *, question: str, source: str) -> Awaitable[bool]: ...

    def record_auto_answer(
        self, *, message_id: int, entry_id: str, score: float
    ) -> Awaitable[bool]: ...

    def record_auto_answer_event(self, *, message_id: int, event: str) -> Awaitable[bool]: ...


class Answering:
    def __init__(
        self,
        knowledge: KnowledgeService,
        matching: MatchingQueue,
        log: QuestionLog,
        cooldown: Cooldown,
        burst: BurstGuard,
        votes: Cooldown | None = None,
    ) -> None:
        self.knowledge = knowledge
        self.matching = matching
        self.log = log
        self.cooldown = cooldown
        self.burst = burst
        self.votes = votes if votes is not None else Cooldown(VOTE_RATE, VOTE_PER_SECONDS)
        self._used_picks = UsedPicks()
        self._suggested = Suggested()
        self._auto_repeats = BurstGuard(AUTO_REPEAT_SECONDS)

    @property
    def snapshot(self) -> FaqSnapshot:
        """The FAQ being served, for browsing and autocomplete (which answer nothing)."""
        return self.knowledge.current

    @property
    def busy(self) -> bool:
        """True when a question asked now waits long enough to acknowledge it first."""
        return self.matching.backlog >= DEFER_BACKLOG

    async def answer(self, asking: Asking) -> Outcome:
        snapshot = self.knowledge.current  # once: the whole request uses this FAQ
        if asking.way in (Way.SLASH, Way.MENTION):
            return await self._answer_question(asking, snapshot)
        return self._answer_entry(asking, snapshot)

    async def _answer_question(self, asking: Asking, snapshot: FaqSnapshot) -> Outcome:
        question = asking.question
        if not normalise(question):
            return SmallTalkReply(None)  # nothing to match: only spaces, mentions, invisibles
        # An autocomplete choice sends the entry's question verbatim: answer that entry.
        picked = snapshot.knowledge_base.asking(question) if asking.way is Way.SLASH else None
        if picked is not None:
            record = self._record(asking, Decision.ANSWER.value, picked.id, 1.0)
            return self._answer(asking, snapshot, picked, public=not asking.in_dm, record=record)
        result = await self.matching.match(snapshot.matcher, question)
        # Small talk is answered briefly, never logged, and costs no one a question.
        if result.small_talk is not None:
            return SmallTalkReply(result.small_talk.reply_in(asking.language) or None)
        if result.decision is Decision.SMALL_TALK:
            return SmallTalkReply(None)
        record = self._record_result(asking, result)
        if result.entry is not None:
            return self._answer(
                asking, snapshot, result.entry, public=not asking.in_dm, record=record
            )
        if wait := self.cooldown.retry_after(asking.user_id):
            return Refused(Reason.TOO_FAST, retry_after=wait)
        if result.decision is Decision.SUGGEST:
            entries = tuple(c.entry for c in result.candidates[:MAX_SUGGESTIONS])
            return Suggestions(question, entries, record, self._suggested.remember(record))
        return NotCovered(question, _topic_titles(snapshot, asking.language), record)

    async def auto_answer(self, asking: Asking) -> Answer | None:
        """A message in an auto-answer channel: an answer only when the matcher is sure
        enough to give one unasked (``Thresholds.auto_answer``), never for small talk, and
        not for an entry given unasked in the channel within ``AUTO_REPEAT_SECONDS``; None
        leaves the message alone. Nothing is logged and no one's cooldown is spent: the
        member wrote to the channel, not to the bot."""
        snapshot = self.knowledge.current
        if not normalise(asking.question):
            return None
        matcher = snapshot.matcher
        result = await self.matching.match(matcher, asking.question)
        entry = result.entry
        if result.small_talk is not None or entry is None:
            return None
        if result.score < matcher.thresholds.auto_answer:
            return None
        if self._auto_repeats.earlier(asking.channel_id, entry.id) is not None:
            return None
        self._auto_repeats.claim(asking.channel_id, entry.id)
        return Answer(
            entry,
            _related(snapshot, entry),
            True,
            asking.user_id,
            automatic=True,
            score=result.score,
            language=asking.language,
        )

    async def auto_answered(self, message_id: int, answer: Answer) -> bool:
        """An auto-answer was posted as ``message_id``: counted for the maintainers."""
        return await self.log.record_auto_answer(
            message_id=message_id, entry_id=answer.entry.id, score=answer.score
        )

    async def auto_answer_event(self, message_id: int, event: str) -> bool:
        """What a member did with an auto-answer: "deleted", "missed", "helpful" or
        "not helpful"."""
        return await self.log.record_auto_answer_event(message_id=message_id, event=event)

    def none_of_these(
        self,
        user_id: int,
        asker_id: int,
        token: str,
        message_id: int | None,
        language: Language = "en",
    ) -> NotCovered | Refused:
        """The asker says no suggestion fits: the question is logged as not covered (if the
        suggestion is still remembered) and they are offered the topics instead."""
        if user_id != asker_id:
            return Refused(Reason.NOT_YOURS)
        if message_id is not None:
            if self._used_picks.used(message_id):
                return Refused(Reason.ALREADY_PICKED)
            self._used_picks.use(message_id)
        suggested = self._suggested.forget(token)
        record = None
        if suggested is not None:
            record = dataclasses.replace(
                suggested, decision=Decision.NONE.value, entry_id=None, score=0.0
            )
        question = suggested.question if suggested else ""
        topics = _topic_titles(self.knowledge.current, language)
        return NotCovered(question, topics, record, declined_suggestion=record is not None)

    def _answer_entry(self, asking: Asking, snapshot: FaqSnapshot) -> Outcome:
        if asking.way is Way.PICK and asking.user_id != asking.for_user_id:
            return Refused(Reason.NOT_YOURS)
        entry = snapshot.knowledge_base.get(asking.entry_id or "")
        if entry is None:
            return Refused(Reason.ENTRY_GONE)
        if asking.way is Way.LANGUAGE:
            # The answer the member is reading, in the other language: not a new question,
            # so no cooldown, and only they see it (a public answer stays as it was posted).
            return Answer(
                entry,
                _related(snapshot, entry),
                public=False,
                for_user_id=asking.for_user_id or asking.user_id,
                shareable=not asking.in_dm,
                language=asking.language,
            )
        if asking.way is Way.PICK:
            # The pick goes on as the member's own question would have: public outside DMs.
            public = not asking.in_dm
        elif asking.way is Way.RELATED:
            # Privacy follows the message clicked: a private answer stays private, and someone
            # clicking under another member's answer gets theirs privately, not re-posted.
            public = not (
                asking.in_dm or asking.from_private_message or asking.for_user_id != asking.user_id
            )
        elif asking.way is Way.SHARE:
            public = not asking.in_dm  # the member chose to post it
        else:
            public = False  # browsing /topics is private
        one_pick = asking.message_id if asking.way is Way.PICK else None
        if one_pick is not None and self._used_picks.used(one_pick):
            return Refused(Reason.ALREADY_PICKED)
        outcome = self._answer(asking, snapshot, entry, public=public, record=None)
        if asking.way is Way.PICK and isinstance(outcome, Answer):
            if one_pick is not None:
                self._used_picks.use(one_pick)
            # The question this choice answers is what the FAQ lacked the words for.
            if asking.suggestion and (asked := self._suggested.forget(asking.suggestion)):
                picked = PickRecord(asked.question, asked.source, entry.id)
                outcome = dataclasses.replace(outcome, picked=picked)
        return outcome

    def _answer(
        self,
        asking: Asking,
        snapshot: FaqSnapshot,
        entry: Entry,
        *,
        public: bool,
        record: QuestionRecord | None,
    ) -> Answer | Refused:
        if public and (earlier := self.burst.earlier(asking.channel_id, entry.id)) is not None:
            # The answer is on screen already: point to it, at no cost to the asker.
            return Refused(Reason.JUST_ANSWERED, earlier_link=earlier.link)
        if wait := self.cooldown.retry_after(asking.user_id):
            return Refused(Reason.TOO_FAST, retry_after=wait)
        if public:
            self.burst.claim(asking.channel_id, entry.id)
        for_user = asking.on_behalf_of or asking.user_id
        shareable = not public and not asking.in_dm
        return Answer(
            entry,
            _related(snapshot, entry),
            public,
            for_user,
            record,
            shareable,
            language=asking.language,
        )

    def posted(self, channel_id: int, answer: Answer, link: str) -> None:
        """Where a public answer was posted: "just answered" replies link to it."""
        if answer.public:
            self.burst.link(channel_id, answer.entry.id, link)

    async def record(self, outcome: Outcome) -> bool:
        """Write the outcome's question-log row; True once stored (False if none or failed)."""
        if isinstance(outcome, Answer) and outcome.picked is not None:
            return await self.log.record_pick(**asdict(outcome.picked))
        if outcome.record is None:
            return False
        if isinstance(outcome, NotCovered) and outcome.declined_suggestion:
            changed = await self.log.record_suggestion_not_covered(
                question=outcome.record.question, source=outcome.record.source
            )
            if changed:
                return True
            # The suggestion's own row is not there (its write failed): log the question now.
        return await self.log.record_question(**asdict(outcome.record))

    async def vote(self, user_id: int, entry_id: str, *, helpful: bool) -> VoteResult:
        if self.knowledge.current.knowledge_base.get(entry_id) is None:
            # Votes are per entry of the FAQ being served; one for an entry that was removed
            # (or never existed) would count towards nothing a maintainer can see or fix.
            return VoteResult.ENTRY_GONE
        if self.votes.retry_after(user_id):
            return VoteResult.TOO_FAST
        stored = await self.log.record_vote(entry_id=entry_id, user_id=user_id, helpful=helpful)
        return VoteResult.RECORDED if stored else VoteResult.NOT_SAVED

    async def complaint(self, user_id: int, entry_id: str, complaint: Complaint) -> bool:
        """What was wrong with an answer this member voted not helpful; True once stored
        with that vote (no vote of theirs, or a helpful one, keeps nothing)."""
        if self.knowledge.current.knowledge_base.get(entry_id) is None:
            return False
        return await self.log.record_vote_reason(
            entry_id=entry_id, user_id=user_id, reason=complaint.value
        )

    @staticmethod
    def _record(
        asking: Asking, decision: str, entry_id: str | None, score: float
    ) -> QuestionRecord:
        return QuestionRecord(
            asking.question, decision, entry_id, score, asking.guild_id, asking.way.value
        )

    def _record_result(self, asking: Asking, result: MatchResult) -> QuestionRecord:
        entry_id = result.entry.id if result.entry else None
        return self._record(asking, result.decision.value, entry_id, result.score)


def _topic_titles(snapshot: FaqSnapshot, language: Language) -> tuple[str, ...]:
    knowledge_base = snapshot.knowledge_base
    return tuple(knowledge_base.title_of(t, language) for t in knowledge_base.topics)


def _related(snapshot: FaqSnapshot, entry: Entry) -> tuple[Entry, ...]:
    """The entry's related entries still in the FAQ, as many as the answer has rows for."""
    lookup = snapshot.knowledge_base.get
    return tuple(r for r in map(lookup, entry.related) if r is not None)[:MAX_RELATED]
