"""Benchmark the knowledge engine: start-up, hot reload, memory and per-question latency.

Run with `make bench` (or `.venv/bin/python bench/matching.py`). Prints Markdown tables:
cold start (model, FAQ, indexes), the reload of a one-entry edit, the RSS of `faqbot chat`,
and match latency, lexical only beside hybrid, on the shipped FAQ and on synthetic FAQs of
1,000 and 10,000 entries (5 phrases each, embedded for real), with difflib as the naive
baseline.
"""

from __future__ import annotations

import argparse
import datetime as dt
import difflib
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from knowledge.embedding import SentenceEncoder
from knowledge.evaluation import read_evaluation_set
from knowledge.loader import SHIPPED_FAQ_DIR, load_knowledge_base
from knowledge.matching import Matcher
from knowledge.model import Entry, KnowledgeBase, Source
from knowledge.semantic import PhraseEmbeddings

ROOT = Path(__file__).resolve().parents[1]
EVAL_FILE = ROOT / "tests" / "data" / "eval.yaml"
EVAL_JA_FILE = ROOT / "tests" / "data" / "eval-ja.yaml"


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


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def cold_load_and_index() -> float:
    """Model, FAQ files and both indexes from nothing, as `faqbot run` starts."""

    def build() -> None:
        knowledge_base = load_knowledge_base(SHIPPED_FAQ_DIR).knowledge_base
        assert knowledge_base is not None
        Matcher(knowledge_base, embeddings=PhraseEmbeddings(SentenceEncoder()))

    return timed(build)


def one_entry_reload(embeddings: PhraseEmbeddings, round_: int) -> float:
    """A copy of the FAQ with one alternate edited, loaded and indexed as a hot reload is."""
    with tempfile.TemporaryDirectory() as tmp:
        faq = Path(tmp) / "faq"
        shutil.copytree(SHIPPED_FAQ_DIR, faq)
        path = faq / "asean-japan.yaml"
        text = path.read_text(encoding="utf-8")
        path.write_text(
            text.replace(
                "alternates:\n", f"alternates:\n      - tsubame sensor edit {round_}\n", 1
            ),
            encoding="utf-8",
        )

        def reload() -> None:
            knowledge_base = load_knowledge_base(faq).knowledge_base
            assert knowledge_base is not None
            Matcher(knowledge_base, embeddings=embeddings)

        return timed(reload)


def chat_rss_mb(questions: Sequence[str]) -> float:
    """Resident memory of a real `faqbot chat` process after it answered ``questions``."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "chat"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdin is not None
    process.stdin.write("".join(f"{q}\n" for q in questions))
    process.stdin.flush()
    time.sleep(1.0)
    deadline = time.monotonic() + 120
    rss = 0.0
    while time.monotonic() < deadline:
        status = Path(f"/proc/{process.pid}/status").read_text()
        rss = int(next(line for line in status.splitlines() if line.startswith("VmRSS")).split()[1])
        cpu = Path(f"/proc/{process.pid}/stat").read_text().split()[2]
        if cpu == "S":  # waiting for the next question: all asked ones are answered
            break
        time.sleep(0.2)
    process.stdin.write("quit\n")
    process.stdin.close()
    process.wait(timeout=60)
    return rss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3, help="passes over the questions")
    parser.add_argument("--difflib-questions", type=int, default=15, help="difflib is slow")
    parser.add_argument(
        "--sizes", type=int, nargs="*", default=[1_000, 10_000], help="synthetic FAQ sizes"
    )
    args = parser.parse_args()

    evaluation = read_evaluation_set(EVAL_FILE)
    questions = [q for q, _ in evaluation.in_scope] + list(evaluation.out_of_scope)
    knowledge_base = load_knowledge_base(SHIPPED_FAQ_DIR).knowledge_base
    assert knowledge_base is not None

    cold = [cold_load_and_index() for _ in range(3)]
    embeddings = PhraseEmbeddings(SentenceEncoder())
    shipped = Matcher(knowledge_base, embeddings=embeddings)
    reloads = [one_entry_reload(embeddings, i) for i in range(5)]
    rss = chat_rss_mb(questions[:50])

    japanese = read_evaluation_set(EVAL_JA_FILE)
    japanese_questions = [q for q, _ in japanese.in_scope] + list(japanese.out_of_scope)
    faqs: list[tuple[str, KnowledgeBase, list[str]]] = [
        (f"shipped FAQ ({len(knowledge_base.entries)} entries)", knowledge_base, questions),
        ("shipped FAQ, Japanese questions (eval-ja.yaml)", knowledge_base, japanese_questions),
    ]
    for size in args.sizes:
        synthetic = synthetic_knowledge_base(size)
        faqs.append(
            (
                f"synthetic {size:,} entries",
                synthetic,
                synthetic_questions(synthetic, len(questions)),
            )
        )
        if size == max(args.sizes):
            # Worst case for the lexical stage: only the FAQ's most common words are known.
            faqs.append((f"synthetic {size:,} entries, off-topic questions", synthetic, questions))

    rows = []
    indexed: dict[int, tuple[Matcher, Matcher, float]] = {}
    for name, base, asked in faqs:
        if id(base) not in indexed:
            start = time.perf_counter()
            hybrid = shipped if base is knowledge_base else Matcher(base, embeddings=embeddings)
            indexed[id(base)] = (Matcher(base), hybrid, time.perf_counter() - start)
        lexical, hybrid, index_seconds = indexed[id(base)]
        lexical_times = time_each(lexical.match, asked, args.rounds)
        hybrid_times = time_each(hybrid.match, asked, args.rounds)
        naive = time_each(difflib_baseline(base), asked[: args.difflib_questions], 1)
        rows.append(
            (
                name,
                percentile(lexical_times, 50) * 1e3,
                percentile(lexical_times, 99) * 1e3,
                percentile(hybrid_times, 50) * 1e3,
                percentile(hybrid_times, 99) * 1e3,
                statistics.mean(naive) * 1e3,
                index_seconds,
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
    print("| start-up and reload (shipped FAQ) | seconds |")
    print("| --- | ---: |")
    print(f"| cold: model + FAQ + both indexes, median of 3 | {statistics.median(cold):.2f} |")
    print(f"| hot reload of a one-entry edit, median of 5 | {statistics.median(reloads):.3f} |")
    print(f"\nRSS of `faqbot chat` after 50 questions: {rss:.0f} MB\n")
    print(
        "| FAQ | lexical p50 (ms) | lexical p99 (ms) | hybrid p50 (ms) | hybrid p99 (ms) "
        "| difflib mean (ms) | hybrid index build (s) |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, lp50, lp99, hp50, hp99, naive_mean, index_seconds in rows:
        print(
            f"| {name} | {lp50:.3f} | {lp99:.3f} | {hp50:.2f} | {hp99:.2f} | {naive_mean:.1f} "
            f"| {index_seconds:.1f} |"
        )


if __name__ == "__main__":
    main()
