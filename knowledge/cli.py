"""What the knowledge engine's commands do: ask, chat, check, eval.

``bot.cli`` builds the one ``faqbot`` parser, these commands' options included, and calls
these functions with plain values taken from what it parsed: nothing here knows argparse,
and this module never imports discord.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from knowledge.embedding import ModelError
from knowledge.evaluation import (
    EvaluationReport,
    EvaluationSetError,
    evaluate,
    read_evaluation_set,
)
from knowledge.language import Language, answer_language
from knowledge.loader import LoadResult, load_knowledge_base
from knowledge.matching import Decision, Explanation, Matcher, MatchResult, Thresholds
from knowledge.model import Entry, KnowledgeBase
from knowledge.quality import confusable_entries, hidden_sources, untranslated_entries
from knowledge.semantic import shared_phrase_embeddings

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2
# The repository's tuning set, found from this file rather than the working directory, so
# `faqbot eval` works from anywhere in a checkout (an installed bot has no tests/ folder).
DEFAULT_EVAL_FILES = (Path(__file__).resolve().parents[1] / "tests" / "data" / "eval.yaml",)

HELP_TEXT = (
    "Ask a question about Japan–UK–ASEAN cyber cooperation in your own words, for example "
    "'what is the TSUBAME project?'. A number picks a suggestion; 'quit' ends."
)


@dataclass(frozen=True)
class Gates:
    """The figures an evaluation run must reach (None: not gated)."""

    min_top1: float | None = None
    min_answered: float | None = None
    max_oos: float | None = None

    def failures(self, report: EvaluationReport) -> list[str]:
        """The gates a report misses, and small talk answered as an FAQ question, which
        always fails a gated run."""
        gated = any(g is not None for g in (self.min_top1, self.min_answered, self.max_oos))
        answered = report.answered_right / report.in_scope if report.in_scope else 0.0
        failures = []
        if self.min_top1 is not None and report.top1_accuracy < self.min_top1:
            failures.append(f"top-1 accuracy {report.top1_accuracy:.1%} < {self.min_top1:.1%}")
        if self.min_answered is not None and answered < self.min_answered:
            failures.append(f"answered right {answered:.1%} < {self.min_answered:.1%}")
        if self.max_oos is not None and report.out_of_scope_answer_rate > self.max_oos:
            failures.append(
                f"out-of-scope answered {report.out_of_scope_answer_rate:.1%} > {self.max_oos:.1%}"
            )
        if gated and report.small_talk_answered:
            failures.append(f"{report.small_talk_answered} small-talk message(s) got an FAQ answer")
        return failures


def load_or_report(
    faq_dir: Path,
    out: TextIO | None = None,
    *,
    lexical_only: bool = False,
    vector_file: Path | None = None,
) -> Matcher | None:
    """The matcher over the FAQ, or None after printing (to ``out``, by default the standard
    error stream of the moment) why the FAQ or the model cannot load."""
    result = load_knowledge_base(faq_dir)
    if result.knowledge_base is None:
        print_problems(result, out or sys.stderr)
        return None
    return build_matcher(
        result.knowledge_base, out, lexical_only=lexical_only, vector_file=vector_file
    )


def build_matcher(
    knowledge_base: KnowledgeBase,
    out: TextIO | None = None,
    *,
    lexical_only: bool = False,
    vector_file: Path | None = None,
) -> Matcher | None:
    """The hybrid matcher, or None after printing in one line why the model cannot load.

    ``vector_file`` keeps the phrase vectors between runs, as the bot's does (a command
    then embeds only the phrases no earlier run has).
    """
    if lexical_only:
        return Matcher(knowledge_base)
    try:
        # One per process: a process that builds several matchers (report, then suggest)
        # embeds each phrase once.
        embeddings = shared_phrase_embeddings(vector_file)
    except ModelError as exc:
        print(f"error: {exc}", file=out or sys.stderr)
        return None
    return Matcher(knowledge_base, embeddings=embeddings)


def print_problems(result: LoadResult, out: TextIO) -> None:
    for problem in result.problems:
        print(problem, file=out)
    errors, warnings = len(result.errors), len(result.warnings)
    print(f"{errors} error(s), {warnings} warning(s)", file=out)


def ask(
    faq_dir: Path,
    question: str,
    *,
    as_json: bool,
    explain: bool,
    locale: Language | None = None,
    vector_file: Path | None = None,
) -> int:
    """Answer ``question``, or one question per line of stdin when it is ``-``; in Japanese
    when it is written in Japanese or ``locale`` is "ja"."""
    matcher = load_or_report(faq_dir, vector_file=vector_file)
    if matcher is None:
        return EXIT_PROBLEMS
    questions = sys.stdin if question == "-" else [question]
    # Every input line gets exactly one output line (JSON) or block, blank lines included,
    # so output read beside input always lines up.
    for line in questions:
        text = line.rstrip("\n")
        if explain:
            explanation = matcher.explain(text)
            if as_json:
                print(json.dumps(explanation_as_json(explanation), ensure_ascii=False), flush=True)
            else:
                print(render_explanation(explanation, matcher.thresholds))
            continue
        result = matcher.match(text)
        language = answer_language(text, locale)
        if as_json:
            print(json.dumps(result_as_json(result, language), ensure_ascii=False), flush=True)
        else:
            print(render_result(result, matcher, language))
    return EXIT_OK


def result_as_json(result: MatchResult, language: Language = "en") -> dict[str, object]:
    """``locale`` is the language of the answer returned: English for an entry that has no
    Japanese answer, even to a Japanese question."""
    entry = result.entry
    if entry is not None and entry.answer_in(language) is None:
        language = "en"
    return {
        "question": result.question,
        "decision": result.decision.value,
        "id": result.entry.id if result.entry else None,
        "score": result.score,
        "candidates": [{"id": c.entry.id, "score": c.score} for c in result.candidates],
        "small_talk": result.small_talk.id if result.small_talk else None,
        "locale": language,
    }


def explanation_as_json(explanation: Explanation) -> dict[str, object]:
    talk = explanation.small_talk
    return {
        **result_as_json(explanation.result),
        "reason": explanation.reason,
        "words": list(explanation.words),
        "corrections": explanation.corrections,
        "evidence": list(explanation.evidence),
        "small_talk_score": talk.score if talk else None,
        "ranked": [
            {"id": c.entry.id, "score": c.score, "lexical": c.lexical, "semantic": c.semantic}
            for c in explanation.ranked
        ],
    }


def render_explanation(explanation: Explanation, thresholds: Thresholds) -> str:
    result = explanation.result
    t = thresholds.for_question(result.question)
    lines = [f"question: {result.question!r}", f"words:    {' '.join(explanation.words) or '-'}"]
    if explanation.corrections:
        fixed = ", ".join(f"{typed} -> {word}" for typed, word in explanation.corrections.items())
        lines.append(f"typos:    {fixed}")
    talk = explanation.small_talk
    if talk is not None:
        lines.append(f"small talk: '{talk.kind.id}' {talk.score:.2f} (threshold {t.small_talk})")
    lines.append(
        f"fused = {t.lexical_weight} × lexical + {t.semantic_weight} × semantic; "
        f"answer ≥ {t.answer} with a lead ≥ {t.margin}, suggest ≥ {t.suggest}"
    )
    lines.append(f"  {'entry':34} {'fused':>6} {'lexical':>8} {'semantic':>9}")
    for c in explanation.ranked[:5]:
        lines.append(f"  {c.entry.id:34} {c.score:6.3f} {c.lexical:8.3f} {c.semantic:9.3f}")
    if explanation.ranked:
        lines.append(
            f"evidence: {' '.join(explanation.evidence) or 'no entry word typed as written'}"
        )
    shown = result.entry.id if result.entry else ", ".join(c.entry.id for c in result.candidates)
    lines.append(f"decision: {result.decision.value} {shown}".rstrip())
    lines.append(f"because:  {explanation.reason}")
    return "\n".join(lines)


# The Markdown a FAQ answer may use (Discord renders it); a terminal shows the words only.
_MARKDOWN_LINK = re.compile(r"\[([^\]]+)\]\((<?)([^)>\s]+)>?\)")
# Underscores mark emphasis only at word edges, as in Discord: "snake_case" stays as it is.
_MARKDOWN_EMPHASIS = re.compile(
    r"(\*\*|\*|~~|`)(?=\S)(.+?)(?<=\S)\1|(?<!\w)(__|_)(?=\S)(.+?)(?<=\S)\3(?!\w)"
)


def terminal_text(markdown: str) -> str:
    """``markdown`` as plain text: emphasis marks dropped, links as "text (url)"."""
    text = _MARKDOWN_LINK.sub(r"\1 (\3)", markdown)
    previous = None
    while previous != text:  # nested emphasis ("**_x_**") unwraps one layer per pass
        previous, text = text, _MARKDOWN_EMPHASIS.sub(lambda m: m[2] or m[4], text)
    return text


# Above an English answer to a Japanese question, when the entry has no Japanese yet.
NOT_TRANSLATED_JA = "（この回答はまだ日本語になっていないため、英語で表示しています）"


def render_entry(entry: Entry, language: Language = "en") -> str:
    sources = "\n".join(f"  - {s.title} <{s.url}>" for s in entry.sources)
    answer = entry.answer_in(language)
    note = ""
    if answer is None:
        answer, note = entry.answer, f"{NOT_TRANSLATED_JA}\n"
    question = entry.question_in(language)
    heading = "出典" if language == "ja" and not note else "Sources"
    return (
        f"{note}{question}\n\n{terminal_text(answer)}\n\n{heading}:\n{sources}\n"
        f"(entry {entry.id}, checked {entry.updated.isoformat()})"
    )


def render_result(result: MatchResult, matcher: Matcher, language: Language = "en") -> str:
    if result.entry is not None:
        return render_entry(result.entry, language)
    if result.small_talk is not None:
        return result.small_talk.reply_in(language) or HELP_TEXT
    japanese = language == "ja"
    if result.decision is Decision.SUGGEST:
        lines = ["もしかして:" if japanese else "Did you mean:"]
        lines += [
            f"  {i}. {c.entry.question_in(language)}" for i, c in enumerate(result.candidates, 1)
        ]
        return "\n".join(lines)
    knowledge_base = matcher.knowledge_base
    topics = ", ".join(knowledge_base.title_of(t, language) for t in knowledge_base.topics)
    if japanese:
        return f"すみません、このFAQではその質問を扱っていません。扱っている分野: {topics}"
    return f"Sorry, this FAQ doesn't cover that. It covers: {topics}."


def chat(faq_dir: Path, *, vector_file: Path | None = None) -> int:
    matcher = load_or_report(faq_dir, vector_file=vector_file)
    if matcher is None:
        return EXIT_PROBLEMS
    return chat_loop(matcher, sys.stdin, sys.stdout)


def chat_loop(matcher: Matcher, stdin: TextIO, stdout: TextIO) -> int:
    entries = len(matcher.knowledge_base.entries)
    print(
        f"Local chat over {entries} FAQ entries. Ask a question; a number picks a suggestion; "
        "'quit' or Ctrl-D ends.",
        file=stdout,
    )
    choices: tuple[Entry, ...] = ()
    language: Language = "en"
    while True:
        print("you> ", end="", file=stdout, flush=True)
        line = stdin.readline()
        if not line or line.strip().lower() in {"quit", "exit"}:
            print(file=stdout)
            return EXIT_OK
        text = line.strip()
        if not text:
            continue
        if text.isdigit() and 1 <= int(text) <= len(choices):
            print(render_entry(choices[int(text) - 1], language), file=stdout)
            choices = ()
            continue
        if text.isdigit():
            # A number is a pick, never a question ("4" would otherwise match an entry
            # that mentions four of something).
            pending = f"1 to {len(choices)}" if choices else "none now: ask in words"
            print(f"A number picks a suggestion ({pending}).", file=stdout)
            continue
        result = matcher.match(text)
        # A Japanese question is answered in Japanese; a pick keeps its question's language.
        language = answer_language(text)
        print(render_result(result, matcher, language), file=stdout)
        # The decision and score, as a maintainer trying the FAQ wants to see them.
        print(f"[{result.decision.value} {result.score:.2f}]", file=stdout)
        choices = (
            tuple(c.entry for c in result.candidates) if result.decision is Decision.SUGGEST else ()
        )


def check(faq_dir: Path, *, strict: bool, vector_file: Path | None = None) -> int:
    result = load_knowledge_base(faq_dir)
    problems = list(result.problems)
    if result.knowledge_base is not None:
        problems += hidden_sources(result.knowledge_base, result.phrase_positions)
        problems += untranslated_entries(result.knowledge_base, result.phrase_positions)
        matcher = build_matcher(result.knowledge_base, sys.stdout, vector_file=vector_file)
        if matcher is None:
            return EXIT_PROBLEMS
        problems += confusable_entries(matcher, result.phrase_positions)
    for problem in problems:
        print(problem)
    errors = sum(p.is_error for p in problems)
    warnings = len(problems) - errors
    if result.knowledge_base is not None:
        entries = len(result.knowledge_base.entries)
        print(f"OK: {entries} entries, {errors} error(s), {warnings} warning(s)")
    else:
        print(f"FAILED: {errors} error(s), {warnings} warning(s); the FAQ cannot be loaded")
    if errors or (strict and warnings):
        return EXIT_PROBLEMS
    return EXIT_OK


def evaluate_sets(
    faq_dir: Path,
    files: Sequence[Path],
    *,
    gates: Gates = Gates(),
    as_json: bool = False,
    lexical_only: bool = False,
    vector_file: Path | None = None,
) -> int:
    """Measure matching on each evaluation file (the default set when none is given)."""
    matcher = load_or_report(faq_dir, lexical_only=lexical_only, vector_file=vector_file)
    if matcher is None:
        return EXIT_PROBLEMS
    if not files:
        files = [path for path in DEFAULT_EVAL_FILES if path.is_file()]
        if not files:
            print(
                f"no evaluation file given, and the default {DEFAULT_EVAL_FILES[0]} is not "
                "there (it comes with the source repository); name one",
                file=sys.stderr,
            )
            return EXIT_USAGE
    try:
        sets = [(path, read_evaluation_set(path)) for path in files]
        reports = [(path, evaluate(matcher, evaluation)) for path, evaluation in sets]
    except EvaluationSetError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    failures = [f"{path}: {gate}" for path, report in reports for gate in gates.failures(report)]
    if as_json:
        print(
            json.dumps(
                {str(p): {**r.summary(), "misses": r.misses} for p, r in reports},
                ensure_ascii=False,
                indent=2,
            )
        )
        for failure in failures:
            print(f"FAILED {failure}", file=sys.stderr)
        return EXIT_PROBLEMS if failures else EXIT_OK
    for path, report in reports:
        s = report.summary()
        print(f"{path}")
        print(f"  in-scope questions       {s['in_scope']}")
        print(f"  top-1 accuracy           {s['top1_accuracy']:.1%}")
        print(f"  top-3 recall             {s['top3_recall']:.1%}")
        print(
            f"  confident answers        {s['answered_right']} right, {s['answered_wrong']} wrong"
            f", {s['suggested_or_none']} suggested or not answered"
        )
        print(f"  out-of-scope questions   {s['out_of_scope']}")
        print(f"  out-of-scope answered    {s['out_of_scope_answer_rate']:.1%}")
        if s["small_talk"]:
            print(f"  small talk               {s['small_talk']}")
            print(
                f"  small talk answered      {s['small_talk_answered']} "
                f"(recognised as small talk: {s['small_talk_recognised']})"
            )
        for miss in report.misses:
            got = ", ".join(f"{i} {sc:.2f}" for i, sc in miss["got"]) or "nothing"
            print(
                f"  miss: {miss['question']!r} expected {miss['expected'] or 'no answer'}; "
                f"{miss['decision']}: {got}"
            )
    for failure in failures:
        print(f"FAILED {failure}")
    return EXIT_PROBLEMS if failures else EXIT_OK
