"""The matcher on the shipped FAQ meets its accuracy bar on the evaluation sets.

eval.yaml is what the matcher was tuned on; eval-holdout.yaml was written separately and never
used for tuning, so its figures predict real use. Both must pass the same bar. The matcher is
the one the bot serves: hybrid, with the real embedding model.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from pathlib import Path

import pytest
from support.phrase_vectors import phrase_embeddings

from knowledge.evaluation import EvaluationReport, EvaluationSet, evaluate, read_evaluation_set
from knowledge.loader import SHIPPED_FAQ_DIR, load_knowledge_base
from knowledge.matching import Matcher
from knowledge.text import words

DATA = Path(__file__).parents[2] / "data"
EVAL_FILES = {"tuned": DATA / "eval.yaml", "held-back": DATA / "eval-holdout.yaml"}


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    result = load_knowledge_base(SHIPPED_FAQ_DIR)
    assert result.knowledge_base is not None
    return Matcher(result.knowledge_base, embeddings=phrase_embeddings())


@pytest.fixture(scope="module")
def combined() -> EvaluationSet:
    sets = [read_evaluation_set(path) for path in EVAL_FILES.values()]
    return EvaluationSet(
        in_scope=tuple(q for s in sets for q in s.in_scope),
        out_of_scope=tuple(q for s in sets for q in s.out_of_scope),
        small_talk=tuple(q for s in sets for q in s.small_talk),
    )


Evaluated = Callable[[str], EvaluationReport]


@pytest.fixture(scope="module")
def evaluated(matcher: Matcher) -> Evaluated:
    """The report on one set (a file's path, or "combined"), each evaluated once."""

    @functools.cache
    def report(name: str) -> EvaluationReport:
        if name == "combined":  # the two files' counts added up: no question asked twice
            parts = [report(str(path)) for path in EVAL_FILES.values()]
            counts = {
                f.name: sum(getattr(p, f.name) for p in parts)
                for f in dataclasses.fields(EvaluationReport)
                if f.name != "misses"
            }
            return EvaluationReport(**counts, misses=[m for p in parts for m in p.misses])
        return evaluate(matcher, read_evaluation_set(Path(name)))

    return report


def test_the_evaluation_set_is_large_enough(combined: EvaluationSet) -> None:
    assert len(read_evaluation_set(EVAL_FILES["tuned"]).in_scope) >= 250
    assert len(combined.out_of_scope) >= 60
    assert len(combined.small_talk) >= 60


def test_evaluation_questions_are_not_copies_of_faq_phrases(
    matcher: Matcher, combined: EvaluationSet
) -> None:
    phrases = {tuple(words(p)) for e in matcher.knowledge_base.entries for p in e.phrases}
    copies = [q for q, _ in combined.in_scope if tuple(words(q)) in phrases]
    # The sets were written without seeing the FAQ; bare keywords ("ajccbc", "psti act")
    # still coincide with alternates, since that is how both people and editors write them.
    assert len(copies) <= len(combined.in_scope) // 10, copies


@pytest.mark.parametrize("name", sorted(EVAL_FILES))
def test_matching_meets_the_accuracy_bar(evaluated: Evaluated, name: str) -> None:
    report = evaluated(str(EVAL_FILES[name]))
    misses = [m["question"] for m in report.misses]
    # Bars a little under the measured figures (README, "How matching works"), so an FAQ edit
    # that costs a few questions fails here before it reaches users.
    assert report.answered_right / report.in_scope >= 0.90, misses
    assert report.answered_wrong <= report.in_scope // 100, misses
    assert report.top1_accuracy >= 0.95, misses
    assert report.top3_recall >= 0.99, misses


def test_combined_sets_meet_the_accuracy_bar(evaluated: Evaluated) -> None:
    # The out-of-scope bar is judged on all the out-of-scope questions together: in the
    # held-back ones alone a single confident answer is already 2.3%.
    report = evaluated("combined")
    assert report.top1_accuracy >= 0.95
    assert report.top3_recall >= 0.99
    assert report.out_of_scope_answer_rate <= 0.03


def test_small_talk_never_gets_an_faq_answer(evaluated: Evaluated) -> None:
    report = evaluated("combined")
    assert report.small_talk_answered == 0, report.misses
    # Most is recognised as small talk (a friendly reply); the rest is "not covered".
    assert report.small_talk_recognised >= 0.85 * report.small_talk


JAPANESE_FILES = {"tuned": DATA / "eval-ja.yaml", "held-back": DATA / "eval-ja-holdout.yaml"}


@pytest.mark.parametrize("name", sorted(JAPANESE_FILES))
def test_japanese_questions_meet_the_bilingual_bar(evaluated: Evaluated, name: str) -> None:
    report = evaluated(str(JAPANESE_FILES[name]))
    misses = [m["question"] for m in report.misses]
    # The targets of the bilingual FAQ (README, "Japanese"): confident right ≥ 90%, the right
    # entry in the top 3 ≥ 97%, out-of-scope answered ≤ 5%.
    assert report.answered_right / report.in_scope >= 0.90, misses
    assert report.top3_recall >= 0.97, misses
    assert report.out_of_scope_answer_rate <= 0.05, misses


def test_japanese_small_talk_gets_no_faq_answer_in_the_tuned_set(evaluated: Evaluated) -> None:
    report = evaluated(str(JAPANESE_FILES["tuned"]))
    assert report.small_talk_answered == 0, report.misses
    # (The held-back set's complaint about the bot, answered with the entry on how to use it,
    # is a known gap the README reports; it is not tuned away.)
    held_back = evaluated(str(JAPANESE_FILES["held-back"]))
    assert held_back.small_talk_answered <= 1, held_back.misses
