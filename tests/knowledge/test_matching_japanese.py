"""Japanese questions against a bilingual FAQ (tests/data/bilingual-faq), with the real
embedding model, as the bot serves them."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.phrase_vectors import phrase_embeddings

from knowledge.loader import SHIPPED_FAQ_DIR, load_knowledge_base
from knowledge.matching import Decision, Matcher
from knowledge.model import KnowledgeBase


@pytest.fixture(scope="module")
def knowledge_base() -> KnowledgeBase:
    result = load_knowledge_base(Path(__file__).parents[1] / "data" / "bilingual-faq")
    assert result.knowledge_base is not None, result.problems
    return result.knowledge_base


@pytest.fixture(scope="module")
def matcher(knowledge_base: KnowledgeBase) -> Matcher:
    return Matcher(knowledge_base, embeddings=phrase_embeddings())


def test_a_japanese_question_is_answered_through_the_entrys_japanese_phrases(
    matcher: Matcher,
) -> None:
    result = matcher.match("ツバメは冬にどこへ行きますか")
    assert result.decision is Decision.ANSWER
    assert result.entry is not None
    assert result.entry.id == "swallow-migration"


def test_a_kanji_spelling_from_the_vocabulary_finds_the_same_entry(matcher: Matcher) -> None:
    result = matcher.match("燕の越冬地はどこ")
    assert result.entry is not None
    assert result.entry.id == "swallow-migration"


def test_an_entry_without_japanese_is_still_reached_through_the_vocabulary(
    knowledge_base: KnowledgeBase,
) -> None:
    # The lexical stage: the English model's vectors of Japanese text are weak evidence.
    ranked = Matcher(knowledge_base).rank("フクロウは夜どうやって見るの")
    assert ranked
    assert ranked[0].entry.id == "owl-night-vision"


def test_a_japanese_question_about_nothing_in_the_faq_gets_no_answer(matcher: Matcher) -> None:
    assert matcher.match("寿司の作り方を教えて").decision is Decision.NONE


def test_an_autocomplete_pick_of_a_japanese_question_names_its_entry(matcher: Matcher) -> None:
    entry = matcher.knowledge_base.asking("ツバメは冬にどこへ渡りますか？")
    assert entry is not None
    assert entry.id == "swallow-migration"


def test_a_japanese_question_is_never_taken_for_small_talk_by_meaning() -> None:
    # The English model puts any two Japanese texts close together: by meaning,
    # "AJCCBCはどこにありますか" resembled 「ありがとう」 more than any entry.
    shipped = load_knowledge_base(SHIPPED_FAQ_DIR).knowledge_base
    assert shipped is not None
    matcher = Matcher(shipped, embeddings=phrase_embeddings())
    question = matcher.match("AJCCBCはどこにありますか")
    assert question.decision is not Decision.SMALL_TALK
    assert "ajccbc-launch" in [c.entry.id for c in question.candidates[:3]]
    thanks = matcher.match("ありがとう")
    assert thanks.decision is Decision.SMALL_TALK
    assert thanks.small_talk is not None
    assert thanks.small_talk.id == "thanks"
