"""Does the matcher generalise beyond the FAQ it was tuned on?

Run with `.venv/bin/python bench/generalisation.py`. Given a FAQ from another domain (a
question and five alternates per entry, no vocabulary file, `tests/data/other-domain/`), it
compares the engine, with the code and thresholds tuned on this project's FAQ and nothing
changed, against a stock all-MiniLM-L6-v2 nearest-phrase matcher whose threshold is chosen
on half of that set's questions (its validation split) to answer the most at ≤ 5% of
out-of-scope questions. Both are measured on the other half. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from knowledge.embedding import SentenceEncoder
from knowledge.evaluation import EvaluationSet, evaluate, read_evaluation_set
from knowledge.loader import load_knowledge_base
from knowledge.matching import Matcher
from knowledge.model import KnowledgeBase
from knowledge.semantic import PhraseEmbeddings, SemanticIndex

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "other-domain"
MAX_OUT_OF_SCOPE = 0.05


def split(evaluation: EvaluationSet) -> tuple[EvaluationSet, EvaluationSet]:
    """Every other question: validation (even positions) and test (odd positions)."""
    return (
        EvaluationSet(evaluation.in_scope[::2], evaluation.out_of_scope[::2]),
        EvaluationSet(evaluation.in_scope[1::2], evaluation.out_of_scope[1::2]),
    )


class NearestPhrase:
    """The baseline: the entry of the phrase closest in meaning, if closer than a threshold."""

    def __init__(self, knowledge_base: KnowledgeBase, embeddings: PhraseEmbeddings) -> None:
        phrases = [(i, p) for i, e in enumerate(knowledge_base.entries) for p in e.phrases]
        vectors = embeddings.vectors([p for _, p in phrases])
        self._index = SemanticIndex(vectors, [i for i, _ in phrases], len(knowledge_base.entries))
        self._ids = [e.id for e in knowledge_base.entries]
        self._embeddings = embeddings
        self._best: dict[str, tuple[str, float]] = {}

    def best(self, question: str) -> tuple[str, float]:
        if question not in self._best:
            scores = self._index.best_by_owner(self._embeddings.query(question))
            index = int(scores.argmax())
            self._best[question] = (self._ids[index], float(scores[index]))
        return self._best[question]


def baseline_figures(
    matcher: NearestPhrase, evaluation: EvaluationSet, threshold: float
) -> tuple[float, float, float]:
    """(confident right, ranked first, out-of-scope answered) at ``threshold``."""
    inside = [(matcher.best(q), expected) for q, expected in evaluation.in_scope]
    right = sum(score >= threshold and got == expected for (got, score), expected in inside)
    first = sum(got == expected for (got, _), expected in inside)
    outside = sum(matcher.best(q)[1] >= threshold for q in evaluation.out_of_scope)
    return (
        right / len(inside),
        first / len(inside),
        outside / max(len(evaluation.out_of_scope), 1),
    )


def choose_threshold(matcher: NearestPhrase, validation: EvaluationSet) -> float:
    candidates: Sequence[float] = np.arange(0.30, 0.95, 0.01).round(2).tolist()
    best = max(
        (t for t in candidates if baseline_figures(matcher, validation, t)[2] <= MAX_OUT_OF_SCOPE),
        key=lambda t: (baseline_figures(matcher, validation, t)[0], t),
    )
    return float(best)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faq-dir", type=Path, default=DATA / "faq")
    parser.add_argument("--questions", type=Path, default=DATA / "eval.yaml")
    args = parser.parse_args()
    knowledge_base = load_knowledge_base(args.faq_dir).knowledge_base
    assert knowledge_base is not None, f"{args.faq_dir} does not load: run faqbot check on it"
    validation, test = split(read_evaluation_set(args.questions))
    embeddings = PhraseEmbeddings(SentenceEncoder())
    nearest = NearestPhrase(knowledge_base, embeddings)
    threshold = choose_threshold(nearest, validation)

    print(f"Test split: {len(test.in_scope)} in-scope, {len(test.out_of_scope)} out-of-scope.\n")
    print("| matcher | confident right | ranked first | out-of-scope answered |")
    print("| --- | ---: | ---: | ---: |")
    right, first, outside = baseline_figures(nearest, test, threshold)
    print(
        f"| MiniLM nearest phrase, threshold {threshold:.2f} from validation "
        f"| {right:.1%} | {first:.1%} | {outside:.1%} |"
    )
    for name, matcher in (
        ("engine, lexical only", Matcher(knowledge_base)),
        ("engine, hybrid (as shipped)", Matcher(knowledge_base, embeddings=embeddings)),
    ):
        report = evaluate(matcher, test)
        print(
            f"| {name} | {report.answered_right / report.in_scope:.1%} "
            f"| {report.top1_accuracy:.1%} | {report.out_of_scope_answer_rate:.1%} |"
        )


if __name__ == "__main__":
    main()
