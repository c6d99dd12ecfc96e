"""Benchmark the knowledge engine: load+index time and per-question match latency.

Run with `make bench` (or `.venv/bin/python bench/matching.py`). Prints a Markdown table:
the shipped FAQ, synthetic FAQs of 1,000 and 10,000 entries (5 phrases each), and the same
questions through difflib.get_close_matches as the naive baseline.
"""

from __future__ import annotations

import argparse
import datetime as dt
import difflib
import os
import platform
import random
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from knowledge.evaluation import read_evaluation_set
from knowledge.loader import SHIPPED_FAQ_DIR, load_knowledge_base
from knowledge.matching import Matcher
from knowledge.model import Entry, KnowledgeBase, Source

ROOT = Path(__file__).resolve().parents[1]
EVAL_FILE = ROOT / "tests" / "data" / "eval.yaml"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def percentile(samples: Sequence[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def time_each(fn: Callable[[str], object], questions: Sequence[str], rounds: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        for q in questions:
            start = time.perf_counter()
            fn(q)
            samples.append(time.perf_counter() - start)
    return samples


def synthetic_knowledge_base(entries: int, seed: int = 7) -> KnowledgeBase:
    """Entries with 5 phrases each over a vocabulary that grows with the FAQ, like real ones."""
    rng = random.Random(seed)
    syllables = ["ka", "to", "ri", "su", "ba", "me", "ne", "po", "chi", "lan", "ser", "vo"]
    vocabulary = sorted(
        {"".join(rng.choices(syllables, k=rng.randint(2, 4))) for _ in range(entries * 3)}
    )
    common = "what is the how does who when where why did japan uk asean cyber".split()
    made = []
    for i in range(entries):
        topic_words = rng.sample(vocabulary, 4)
        phrases = [
            " ".join(rng.sample(common, 2) + rng.sample(topic_words, rng.randint(1, 3)))
            for _ in range(5)
        ]
        made.append(
            Entry(
                id=f"entry-{i}",
                topic=f"topic-{i % 20}",
                question=phrases[0],
                alternates=tuple(dict.fromkeys(phrases[1:])),
                answer="An answer.",
                sources=(Source("Example", "https://example.org"),),
                tags=(),
                related=(),
                updated=dt.date(2026, 1, 1),
            )
        )
    return KnowledgeBase(entries=tuple(made))


def synthetic_questions(knowledge_base: KnowledgeBase, count: int, seed: int = 11) -> list[str]:
    """Questions about a synthetic FAQ the way users ask: a few of an entry's words, common
    words around them, and sometimes a typo (a dropped letter)."""
    rng = random.Random(seed)
    questions = []
    for _ in range(count):
        entry = rng.choice(knowledge_base.entries)
        words = rng.choice(entry.phrases).split()
        picked = rng.sample(words, min(len(words), rng.randint(2, 4)))
        if rng.random() < 0.2:
            word = rng.randrange(len(picked))
            cut = rng.randrange(len(picked[word]))
            picked[word] = picked[word][:cut] + picked[word][cut + 1 :]
        questions.append(" ".join(["how", "about", *picked]))
    return questions


def difflib_baseline(knowledge_base: KnowledgeBase) -> Callable[[str], object]:
    phrases = [p.lower() for e in knowledge_base.entries for p in e.phrases]
    return lambda q: difflib.get_close_matches(q.lower(), phrases, n=3, cutoff=0.4)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3, help="passes over the questions")
    parser.add_argument("--difflib-questions", type=int, default=15, help="difflib is slow")
    args = parser.parse_args()

    evaluation = read_evaluation_set(EVAL_FILE)
    questions = [q for q, _ in evaluation.in_scope] + list(evaluation.out_of_scope)

    load_times = []
    for _ in range(10):
        start = time.perf_counter()
        result = load_knowledge_base(SHIPPED_FAQ_DIR)
        assert result.knowledge_base is not None
        shipped = Matcher(result.knowledge_base)
        load_times.append(time.perf_counter() - start)

    rows = []
    synthetic_1k = Matcher(synthetic_knowledge_base(1_000))
    synthetic_10k = Matcher(synthetic_knowledge_base(10_000))
    for name, matcher, asked in [
        (f"shipped FAQ ({len(shipped.knowledge_base.entries)} entries)", shipped, questions),
        (
            "synthetic 1,000 entries",
            synthetic_1k,
            synthetic_questions(synthetic_1k.knowledge_base, len(questions)),
        ),
        (
            "synthetic 10,000 entries",
            synthetic_10k,
            synthetic_questions(synthetic_10k.knowledge_base, len(questions)),
        ),
        # Worst case: questions whose only known words are the FAQ's most common ones.
        ("synthetic 10,000 entries, off-topic questions", synthetic_10k, questions),
    ]:
        ours = time_each(matcher.match, asked, args.rounds)
        naive = time_each(
            difflib_baseline(matcher.knowledge_base), asked[: args.difflib_questions], 1
        )
        rows.append(
            (
                name,
                percentile(ours, 50) * 1e3,
                percentile(ours, 99) * 1e3,
                statistics.mean(naive) * 1e3,
                statistics.mean(naive) / statistics.mean(ours),
            )
        )

    print(
        f"Machine: {cpu_model()}, {os.cpu_count()} cores, {platform.system()}, "
        f"Python {platform.python_version()}"
    )
    print(
        f"Questions: {len(questions)} per FAQ ({EVAL_FILE.name} for the shipped FAQ, generated "
        f"for the synthetic ones), {args.rounds} rounds; difflib on the first "
        f"{args.difflib_questions}\n"
    )
    print(
        f"load + index of the shipped FAQ: median {statistics.median(load_times) * 1e3:.1f} ms, "
        f"max {max(load_times) * 1e3:.1f} ms (10 runs)\n"
    )
    print("| FAQ | match p50 (ms) | match p99 (ms) | difflib mean (ms) | speed-up vs difflib |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, p50, p99, naive_mean, ratio in rows:
        print(f"| {name} | {p50:.3f} | {p99:.3f} | {naive_mean:.1f} | {ratio:,.0f}x |")


if __name__ == "__main__":
    main()
