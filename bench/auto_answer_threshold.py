"""How sure must the bot be to answer a message nobody addressed to it?

Run with `.venv/bin/python -m bench.auto_answer_threshold`. For each candidate of
``Thresholds.auto_answer``, on the shipped FAQ with the bot's matcher: how many in-scope
questions of each evaluation set would get an answer unasked (and were right), and how many
wrong, out-of-scope or small-talk messages would. The shipped value is the lowest candidate
with none of those on `tests/data/eval.yaml`; the holdout and the Japanese sets are printed,
not used to choose.
"""

from __future__ import annotations

from pathlib import Path

from knowledge.evaluation import read_evaluation_set
from knowledge.loader import SHIPPED_FAQ_DIR, load_knowledge_base
from knowledge.matching import Matcher
from knowledge.semantic import shared_phrase_embeddings

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
SETS = tuple(
    DATA / name
    for name in ("eval.yaml", "eval-holdout.yaml", "eval-ja.yaml", "eval-ja-holdout.yaml")
)
CANDIDATES = (0.60, 0.65, 0.70, 0.72, 0.75, 0.78, 0.80, 0.85)


def main() -> None:
    knowledge_base = load_knowledge_base(SHIPPED_FAQ_DIR).knowledge_base
    assert knowledge_base is not None, "the shipped FAQ does not load; run faqbot check"
    matcher = Matcher(knowledge_base, embeddings=shared_phrase_embeddings())
    print("| set | threshold | answered unasked, right | wrong, out-of-scope or small talk |")
    print("| --- | ---: | ---: | ---: |")
    for path in SETS:
        evaluation = read_evaluation_set(path)
        scored = []  # (score, right) of each message the matcher answers outright
        for question, expected in evaluation.in_scope:
            result = matcher.match(question)
            if result.entry is not None and result.small_talk is None:
                scored.append((result.score, result.entry.id == expected))
        for message in (*evaluation.out_of_scope, *evaluation.small_talk):
            result = matcher.match(message)
            if result.entry is not None and result.small_talk is None:
                scored.append((result.score, False))
        total = len(evaluation.in_scope)
        for threshold in CANDIDATES:
            right = sum(1 for score, ok in scored if ok and score >= threshold)
            wrong = sum(1 for score, ok in scored if not ok and score >= threshold)
            marker = " (shipped)" if threshold == matcher.thresholds.auto_answer else ""
            print(
                f"| {path.name} | {threshold:.2f}{marker} | {right} of {total} "
                f"({right / total:.1%}) | {wrong} |"
            )


if __name__ == "__main__":
    main()
