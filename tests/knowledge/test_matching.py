from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from support.phrase_vectors import phrase_embeddings

from knowledge.loader import load_knowledge_base
from knowledge.matching import THRESHOLDS, Decision, Matcher, Thresholds
from knowledge.model import KnowledgeBase
from knowledge.text import MAX_INPUT_CHARS, normalise


@pytest.fixture(scope="module")
def knowledge_base() -> KnowledgeBase:
    result = load_knowledge_base(Path(__file__).parents[1] / "data" / "mini-faq")
    assert result.knowledge_base is not None
    return result.knowledge_base


@pytest.fixture(scope="module")
def matcher(knowledge_base: KnowledgeBase) -> Matcher:
    """The hybrid matcher the bot serves, with the real embedding model."""
    return Matcher(knowledge_base, embeddings=phrase_embeddings())


@pytest.fixture(scope="module")
def lexical(knowledge_base: KnowledgeBase) -> Matcher:
    return Matcher(knowledge_base)


def test_a_clear_question_is_answered(matcher: Matcher) -> None:
    result = matcher.match("how fast do swallows fly?")
    assert result.decision is Decision.ANSWER
    assert result.entry is not None
    assert result.entry.id == "swallow-speed"


def test_a_keyword_alone_finds_its_entry(matcher: Matcher) -> None:
    assert matcher.match("owl").entry.id == "owl-night-vision"  # type: ignore[union-attr]


def test_synonyms_from_the_faq_data_are_understood(matcher: Matcher) -> None:
    # "hirundine" and "vessel" appear only in the mini FAQ's _vocabulary.yaml.
    assert matcher.match("hirundine winter").entry.id == "swallow-migration"  # type: ignore[union-attr]
    assert matcher.match("why does a vessel anchor").entry.id == "ship-anchor"  # type: ignore[union-attr]


def test_typos_are_corrected_to_faq_words(matcher: Matcher) -> None:
    explanation = matcher.explain("swallow migraton")
    assert explanation.corrections == {"migraton": "migration"}
    assert explanation.result.entry.id == "swallow-migration"  # type: ignore[union-attr]


def test_typo_corrections_alone_never_carry_an_answer(lexical: Matcher) -> None:
    # Every word is a correction: the right entry is offered, not asserted.
    result = lexical.match("swalow migraton")
    assert result.decision is Decision.SUGGEST
    assert result.candidates[0].entry.id == "swallow-migration"


def test_meaning_finds_a_paraphrase_that_shares_no_word(matcher: Matcher, lexical: Matcher) -> None:
    question = "at what velocity do these little birds travel"
    assert lexical.match(question).decision is Decision.NONE
    assert matcher.rank(question)[0].entry.id == "swallow-speed"
    assert matcher.match(question).decision is not Decision.NONE


def test_names_and_dates_the_faq_never_uses_do_not_sink_a_question(matcher: Matcher) -> None:
    result = matcher.match("how fast did swallows fly over Lisbon in 2019")
    assert result.entry is not None
    assert result.entry.id == "swallow-speed"


def test_candidates_carry_the_lexical_and_semantic_parts_of_their_score(matcher: Matcher) -> None:
    top = matcher.rank("how fast do swallows fly?")[0]
    t = matcher.thresholds
    assert top.score == pytest.approx(
        t.lexical_weight * top.lexical + t.semantic_weight * top.semantic, abs=1e-3
    )
    assert 0 < top.semantic <= 1


@pytest.mark.parametrize(
    ("message", "kind"),
    [("thanks!", "thanks"), ("Thank you", "thanks"), ("thnaks", "thanks"), ("hi", "greeting")],
)
def test_small_talk_is_recognised_from_the_faq_data(
    matcher: Matcher, message: str, kind: str
) -> None:
    result = matcher.match(message)
    assert result.decision is Decision.SMALL_TALK
    assert result.small_talk is not None
    assert result.small_talk.id == kind
    assert result.entry is None


def test_a_question_after_a_greeting_is_still_answered(matcher: Matcher) -> None:
    result = matcher.match("thanks, how fast do swallows fly?")
    assert result.entry is not None
    assert result.entry.id == "swallow-speed"


def test_a_message_without_words_gets_the_help_kind(matcher: Matcher) -> None:
    result = matcher.match("?")
    assert result.decision is Decision.SMALL_TALK
    assert result.small_talk is not None
    assert result.small_talk.shows_help


def test_unrelated_questions_get_no_answer(matcher: Matcher) -> None:
    result = matcher.match("what's the weather in tokyo")
    assert result.decision is Decision.NONE
    assert result.entry is None


def test_close_runners_up_turn_an_answer_into_suggestions(matcher: Matcher) -> None:
    cautious = Matcher(
        matcher.knowledge_base,
        dataclasses.replace(THRESHOLDS, margin=0.3),
        embeddings=phrase_embeddings(),
    )
    result = cautious.match("swallow")
    assert result.decision is Decision.SUGGEST
    assert result.entry is None
    assert {c.entry.id for c in result.candidates} == {"swallow-migration", "swallow-speed"}
    assert len(result.candidates) <= THRESHOLDS.max_suggestions


def test_weak_matches_are_suggested_not_answered(matcher: Matcher) -> None:
    strict = Matcher(
        matcher.knowledge_base,
        dataclasses.replace(THRESHOLDS, answer=0.99),
        embeddings=phrase_embeddings(),
    )
    result = strict.match("how fast do swallows fly?")
    assert result.decision is Decision.SUGGEST
    assert result.candidates[0].entry.id == "swallow-speed"


def test_matching_is_deterministic(matcher: Matcher) -> None:
    first = matcher.match("swallow")
    assert all(matcher.match("swallow") == first for _ in range(5))
    again = Matcher(matcher.knowledge_base, embeddings=phrase_embeddings())
    assert again.match("swallow") == first


@pytest.mark.parametrize(
    "question",
    [
        "",
        "   \n\t ",
        "<@123456789012345678>",
        "<@&1> <#2> @everyone",
        "🦅🚢💥",
        "\u200b\u200c\u200d\ufeff",
        "e\u0301\u0301\u0301\u0301\u0301",
        "\u202eرسالة من اليمين إلى اليسار",
        "東京オリンピックのサイバー攻撃",
        "\x00\x01\x1b[31m",
        "\ud800",
        "swallow " * 2_000,
        "x" * 10_000,
    ],
)
def test_any_input_is_echoed_with_bounded_candidates_and_wordless_input_goes_unanswered(
    matcher: Matcher, question: str
) -> None:
    result = matcher.match(question)
    assert len(result.candidates) <= THRESHOLDS.max_suggestions
    assert result.question == question
    if not normalise(question):
        # Nothing left to match (blanks, mentions, emoji, invisibles, control characters):
        # no FAQ answer and nothing to suggest (the help reply, at most).
        assert result.entry is None
        assert result.candidates == ()
        assert result.decision in {Decision.NONE, Decision.SMALL_TALK}


def test_only_mentions_or_emoji_get_no_faq_answer(matcher: Matcher, lexical: Matcher) -> None:
    for question in ("<@123456789012345678>", "🦅🚢💥", ""):
        assert matcher.match(question).entry is None
        assert lexical.match(question).entry is None


def test_overlong_questions_are_matched_on_their_first_characters(matcher: Matcher) -> None:
    padding = "z" * MAX_INPUT_CHARS
    assert matcher.match(padding + " owl night vision").decision is Decision.NONE
    assert matcher.match("owl night vision " + padding).entry.id == "owl-night-vision"  # type: ignore[union-attr]


def test_autocomplete_offers_defaults_then_narrows_while_typing(matcher: Matcher) -> None:
    defaults = matcher.autocomplete("")
    # Topics take turns so the first choices show the breadth of the FAQ.
    assert [e.id for e in defaults[:2]] == ["swallow-migration", "ship-anchor"]
    assert matcher.autocomplete("ow")[0].id == "owl-night-vision"
    assert matcher.autocomplete("how fast")[0].id == "swallow-speed"
    assert len(matcher.autocomplete("s", limit=2)) <= 2


def test_a_japanese_question_is_decided_by_the_japanese_weight_and_thresholds() -> None:
    # The semantic model is English: for Japanese text the words must weigh more.
    t = Thresholds(japanese_lexical_weight=0.7, japanese_answer=0.66, japanese_margin=0.07)
    japanese = t.for_question("TSUBAMEとは何ですか")
    assert (japanese.lexical_weight, japanese.semantic_weight) == (0.7, 0.3)
    assert (japanese.answer, japanese.margin) == (0.66, 0.07)
    assert t.for_question("what is TSUBAME") is t
