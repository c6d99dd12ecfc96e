"""The answering layer on the mini FAQ, without Discord: one set of rules for every way in."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from support.phrase_vectors import phrase_embeddings

from bot.answering import (
    VOTE_RATE,
    Answer,
    Answering,
    Asking,
    Complaint,
    NotCovered,
    PickRecord,
    Reason,
    Refused,
    SmallTalkReply,
    Suggestions,
    VoteResult,
    Way,
)
from bot.knowledge_service import KnowledgeService
from bot.matching_queue import MatchingQueue
from bot.rate_limits import BurstGuard, Cooldown
from bot.storage import EntryFeedback, Store, utcnow

ANA, BEN = 101, 102
CHANNEL, OTHER_CHANNEL, GUILD = 11, 12, 1
SUGGESTING = "swallow winter speed"  # the mini FAQ offers both swallow entries for this
UNCOVERED = "bake sourdough bread"
LINK = "https://discord.com/channels/1/11/999"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


MINI_FAQ = Path(__file__).parents[1] / "data" / "mini-faq"


@pytest.fixture(scope="module")
def knowledge() -> KnowledgeService:
    return KnowledgeService(MINI_FAQ, embeddings=phrase_embeddings())


@pytest.fixture(scope="module")
def matching() -> Iterator[MatchingQueue]:
    queue = MatchingQueue()
    yield queue
    queue.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest_asyncio.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = Store(tmp_path / "faqbot.sqlite3")
    await opened.open()
    yield opened
    await opened.close()


MakeAnswering = Callable[..., Answering]


@pytest.fixture
def make_answering(
    knowledge: KnowledgeService, matching: MatchingQueue, store: Store, clock: Clock
) -> MakeAnswering:
    """``make_answering(rate=1)``: the answering layer with that many questions a minute."""

    def make(*, rate: int = 100) -> Answering:
        return Answering(
            knowledge,
            matching,
            store,
            Cooldown(rate, 60.0, clock),
            BurstGuard(60.0, clock),
            votes=Cooldown(VOTE_RATE, 60.0, clock),
        )

    return make


@pytest.fixture
def answering(make_answering: MakeAnswering) -> Answering:
    return make_answering()


def asking(question: str = "", *, way: Way = Way.SLASH, user: int = ANA, **more: object) -> Asking:
    base = Asking(way, user_id=user, channel_id=CHANNEL, guild_id=GUILD, question=question)
    return dataclasses.replace(base, **more)  # type: ignore[arg-type]


def button(
    way: Way, entry_id: str, *, user: int = ANA, for_user: int = ANA, **more: object
) -> Asking:
    return asking(way=way, user=user, entry_id=entry_id, for_user_id=for_user, **more)


async def asked(answering: Answering, request: Asking) -> object:
    """Answer ``request`` and, as the Discord layer does, post and record what comes back."""
    outcome = await answering.answer(request)
    if isinstance(outcome, Answer):
        answering.posted(request.channel_id, outcome, LINK)
    await answering.record(outcome)
    return outcome


# --- what a question gets ---------------------------------------------------------------------


async def test_a_clear_question_gets_a_public_answer_with_its_related_entries(
    answering: Answering, store: Store
) -> None:
    outcome = await answering.answer(asking("how fast do swallows fly?"))
    assert isinstance(outcome, Answer)
    assert outcome.entry.id == "swallow-speed"
    assert [e.id for e in outcome.related] == ["swallow-migration"]
    assert outcome.public
    assert outcome.for_user_id == ANA
    assert outcome.record is not None
    assert (outcome.record.decision, outcome.record.source) == ("answer", "slash")
    assert await answering.record(outcome)
    stats = await store.stats(since=utcnow() - timedelta(hours=1))
    assert (stats.questions, stats.answered) == (1, 1)


async def test_an_entrys_own_question_answers_that_entry_without_matching(
    answering: Answering,
) -> None:
    outcome = await answering.answer(asking("Why do ships drop anchor?"))
    assert isinstance(outcome, Answer)
    assert outcome.entry.id == "ship-anchor"
    assert outcome.record is not None
    assert outcome.record.score == 1.0


async def test_an_ambiguous_question_gets_suggestions_that_are_logged(
    answering: Answering, store: Store
) -> None:
    outcome = await asked(answering, asking(SUGGESTING))
    assert isinstance(outcome, Suggestions)
    # A near tie (fused 0.668 against 0.667): which comes first is the model's call.
    assert sorted(e.id for e in outcome.entries) == ["swallow-migration", "swallow-speed"]
    stats = await store.stats(since=utcnow() - timedelta(hours=1))
    assert (stats.questions, stats.suggested) == (1, 1)


async def test_an_uncovered_question_lists_the_topics_and_is_logged_as_unanswered(
    answering: Answering, store: Store
) -> None:
    outcome = await answering.answer(asking(UNCOVERED, way=Way.MENTION))
    assert isinstance(outcome, NotCovered)
    assert outcome.topics == ("Birds", "ships")  # display names: birds.yaml has a topic_title
    assert await answering.record(outcome)
    groups = await store.unanswered(since=utcnow() - timedelta(hours=1))
    assert [(g.example, g.count) for g in groups] == [(UNCOVERED, 1)]


async def test_small_talk_and_blank_questions_are_free_and_never_logged(
    make_answering: MakeAnswering, store: Store
) -> None:
    answering = make_answering(rate=1)
    thanks = await asked(answering, asking("thanks"))
    assert thanks == SmallTalkReply("Glad it helped!")
    assert await asked(answering, asking("what can you do")) == SmallTalkReply(None)
    assert await asked(answering, asking("  <@123> ...")) == SmallTalkReply(None)
    assert isinstance(await asked(answering, asking("how fast do swallows fly?")), Answer)
    stats = await store.stats(since=utcnow() - timedelta(hours=1))
    assert stats.questions == 1


# --- one set of rate rules --------------------------------------------------------------------


async def test_the_cooldown_refuses_a_member_over_the_rate_and_no_one_else(
    make_answering: MakeAnswering, store: Store
) -> None:
    answering = make_answering(rate=1)
    assert isinstance(await asked(answering, asking("how fast do swallows fly?")), Answer)
    refused = await asked(answering, asking(UNCOVERED))
    assert isinstance(refused, Refused)
    assert refused.reason is Reason.TOO_FAST
    assert 0 < refused.retry_after <= 60
    assert isinstance(await asked(answering, asking(UNCOVERED, user=BEN)), NotCovered)
    stats = await store.stats(since=utcnow() - timedelta(hours=1))
    assert stats.questions == 2  # the refused question was not logged


@pytest.mark.parametrize(
    "way",
    [Way.PICK, Way.RELATED, Way.TOPICS],
)
async def test_every_button_costs_a_question_like_ask(
    make_answering: MakeAnswering, way: Way
) -> None:
    answering = make_answering(rate=1)
    assert isinstance(await asked(answering, asking("how fast do swallows fly?")), Answer)
    refused = await asked(answering, button(way, "ship-knots", message_id=7))
    assert isinstance(refused, Refused)
    assert refused.reason is Reason.TOO_FAST


async def test_the_same_answer_again_in_a_channel_links_to_it_and_costs_nothing(
    make_answering: MakeAnswering, clock: Clock
) -> None:
    answering = make_answering(rate=1)
    assert isinstance(await asked(answering, asking("how fast do swallows fly?")), Answer)
    # Another phrasing of the same entry, by another member: pointed to the answer above.
    again = await asked(answering, asking("swallow airspeed velocity", user=BEN))
    assert again == Refused(Reason.JUST_ANSWERED, earlier_link=LINK)
    # That cost Ben nothing: his one question of the window is still his.
    assert isinstance(await asked(answering, asking("Why do ships drop anchor?", user=BEN)), Answer)
    # Another channel is another audience; and after the window, it is answered again.
    elsewhere = asking("how fast do swallows fly?", user=BEN + 1, channel_id=OTHER_CHANNEL)
    assert isinstance(await asked(answering, elsewhere), Answer)
    clock.now += 60
    assert isinstance(await asked(answering, asking("how fast do swallows fly?", user=BEN)), Answer)


async def test_repeated_related_clicks_post_the_answer_once(answering: Answering) -> None:
    first = await asked(answering, button(Way.RELATED, "swallow-migration"))
    assert isinstance(first, Answer)
    assert first.public
    for _ in range(5):
        again = await asked(answering, button(Way.RELATED, "swallow-migration"))
        assert again == Refused(Reason.JUST_ANSWERED, earlier_link=LINK)


async def test_a_private_answer_does_not_count_as_answered_in_the_channel(
    answering: Answering,
) -> None:
    private = await asked(answering, asking("how fast do swallows fly?", in_dm=True))
    assert isinstance(private, Answer)
    assert not private.public
    public = await asked(answering, asking("how fast do swallows fly?", user=BEN))
    assert isinstance(public, Answer)
    assert public.public


# --- buttons ----------------------------------------------------------------------------------


async def test_only_the_asker_may_pick_and_only_once(answering: Answering) -> None:
    pick = button(Way.PICK, "swallow-speed", for_user=ANA, message_id=70)
    refused = await asked(answering, dataclasses.replace(pick, user_id=BEN))
    assert refused == Refused(Reason.NOT_YOURS)
    picked = await asked(answering, pick)
    assert isinstance(picked, Answer)
    assert picked.public
    assert picked.record is None  # the question was logged when it was asked
    again = await asked(answering, dataclasses.replace(pick, entry_id="swallow-migration"))
    assert again == Refused(Reason.ALREADY_PICKED)


async def test_a_pick_is_logged_with_the_question_of_its_suggestion(
    answering: Answering, store: Store
) -> None:
    suggested = await asked(answering, asking(SUGGESTING))
    assert isinstance(suggested, Suggestions)
    pick = button(Way.PICK, "swallow-speed", message_id=71, suggestion=suggested.token)
    picked = await asked(answering, pick)
    assert isinstance(picked, Answer)
    assert picked.picked == PickRecord(SUGGESTING, "slash", "swallow-speed")
    rows = await store.asked(since=utcnow() - timedelta(hours=1))
    assert [(r.question, r.decision, r.picked_entry_id) for r in rows] == [
        (SUGGESTING, "suggest", "swallow-speed")
    ]


async def test_a_pick_whose_suggestion_is_forgotten_is_answered_and_logs_nothing(
    answering: Answering, store: Store
) -> None:
    # After a restart the token is unknown: the member still gets the answer.
    picked = await asked(answering, button(Way.PICK, "swallow-speed", suggestion="0123abcd"))
    assert isinstance(picked, Answer)
    assert picked.picked is None
    assert await store.asked(since=utcnow() - timedelta(hours=1)) == []


async def test_a_related_click_is_private_unless_by_the_asker_on_a_public_answer(
    answering: Answering,
) -> None:
    by_asker = await answering.answer(button(Way.RELATED, "ship-knots"))
    by_other = await answering.answer(button(Way.RELATED, "ship-anchor", user=BEN))
    from_private = await answering.answer(
        button(Way.RELATED, "swallow-speed", from_private_message=True)
    )
    unknown_asker = await answering.answer(button(Way.RELATED, "owl-night-vision", for_user=0))
    assert isinstance(by_asker, Answer)
    assert isinstance(by_other, Answer)
    assert isinstance(from_private, Answer)
    assert isinstance(unknown_asker, Answer)
    assert by_asker.public
    assert not by_other.public
    assert by_other.for_user_id == BEN  # its own related buttons are Ben's
    assert not from_private.public
    assert not unknown_asker.public


async def test_a_private_answer_in_a_server_may_be_posted_there_under_the_same_rules(
    make_answering: MakeAnswering,
) -> None:
    answering = make_answering(rate=2)
    private = await asked(answering, button(Way.RELATED, "ship-anchor", user=BEN))
    assert isinstance(private, Answer)
    assert private.shareable
    in_dm = await asked(answering, button(Way.TOPICS, "ship-knots", in_dm=True))
    assert isinstance(in_dm, Answer)
    assert not in_dm.shareable  # a DM has no one to share it with
    shared = await asked(answering, button(Way.SHARE, "ship-anchor", user=BEN))
    assert isinstance(shared, Answer)
    assert shared.public
    assert not shared.shareable
    # Posting it again is pointed to the first; and it cost Ben his second question.
    again = await asked(answering, button(Way.SHARE, "ship-anchor", user=BEN))
    assert again == Refused(Reason.JUST_ANSWERED, earlier_link=LINK)
    refused = await asked(answering, button(Way.SHARE, "ship-knots", user=BEN))
    assert isinstance(refused, Refused)
    assert refused.reason is Reason.TOO_FAST


async def test_an_answer_chosen_in_topics_is_private(answering: Answering) -> None:
    outcome = await answering.answer(button(Way.TOPICS, "owl-night-vision"))
    assert isinstance(outcome, Answer)
    assert not outcome.public


async def test_a_button_for_an_entry_no_longer_in_the_faq_is_refused(answering: Answering) -> None:
    for way in (Way.PICK, Way.RELATED, Way.TOPICS):
        assert await answering.answer(button(way, "dodo-flight")) == Refused(Reason.ENTRY_GONE)


# --- votes ------------------------------------------------------------------------------------


async def test_votes_are_limited_per_member_before_they_reach_the_store(
    answering: Answering, store: Store
) -> None:
    results = [
        await answering.vote(ANA, "swallow-speed", helpful=n % 2 == 0) for n in range(VOTE_RATE + 5)
    ]
    assert results == [VoteResult.RECORDED] * VOTE_RATE + [VoteResult.TOO_FAST] * 5
    assert await answering.vote(BEN, "swallow-speed", helpful=True) is VoteResult.RECORDED
    assert await answering.vote(BEN, "dodo-flight", helpful=True) is VoteResult.ENTRY_GONE
    stats = await store.stats(since=utcnow() - timedelta(hours=1))
    # Ana's last recorded vote (the 10th, not helpful) stands; Ben's is helpful.
    assert stats.feedback == [EntryFeedback("swallow-speed", 1, 1)]


async def test_what_was_wrong_is_kept_with_the_members_not_helpful_vote_only(
    answering: Answering, store: Store
) -> None:
    assert await answering.vote(ANA, "swallow-speed", helpful=False) is VoteResult.RECORDED
    assert await answering.complaint(ANA, "swallow-speed", Complaint.OUT_OF_DATE)
    # Ben never voted, and no vote can be had on an entry that is not in the FAQ.
    assert not await answering.complaint(BEN, "swallow-speed", Complaint.UNCLEAR)
    assert not await answering.complaint(ANA, "dodo-flight", Complaint.UNCLEAR)
    stats = await store.stats(since=utcnow() - timedelta(hours=1))
    assert stats.feedback == [EntryFeedback("swallow-speed", 0, 1, (("out of date", 1),))]


# --- none of these ----------------------------------------------------------------------------


async def test_none_of_these_logs_the_suggested_question_as_not_covered_once(
    answering: Answering, store: Store
) -> None:
    suggested = await asked(answering, asking(SUGGESTING))
    assert isinstance(suggested, Suggestions)
    assert answering.none_of_these(BEN, ANA, suggested.token, 80) == Refused(Reason.NOT_YOURS)
    declined = answering.none_of_these(ANA, ANA, suggested.token, 80)
    assert isinstance(declined, NotCovered)
    assert declined.topics == ("Birds", "ships")
    assert declined.record is not None
    assert (declined.record.question, declined.record.decision) == (SUGGESTING, "none")
    assert await answering.record(declined)
    groups = await store.unanswered(since=utcnow() - timedelta(hours=1))
    assert [(g.example, g.count) for g in groups] == [(SUGGESTING, 1)]
    # One question, counted once: its suggested row became the not-covered one.
    stats = await store.stats(since=utcnow() - timedelta(hours=1))
    assert (stats.questions, stats.suggested, stats.unanswered) == (1, 0, 1)
    # The suggestion is used up: no second "none", and no pick from it either.
    again = answering.none_of_these(ANA, ANA, suggested.token, 80)
    assert again == Refused(Reason.ALREADY_PICKED)
    pick = await answering.answer(button(Way.PICK, "swallow-speed", message_id=80))
    assert pick == Refused(Reason.ALREADY_PICKED)


async def test_none_of_these_after_a_restart_still_offers_the_topics_but_logs_nothing(
    answering: Answering,
) -> None:
    declined = answering.none_of_these(ANA, ANA, "0123abcd", 81)
    assert isinstance(declined, NotCovered)
    assert declined.record is None
