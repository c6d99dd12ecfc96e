"""The maintainers' command line over the knowledge engine: ask, chat, check, eval.

``bot.cli`` adds the Discord commands (run, sync, report) to the same parser, so there is
one ``faqbot`` command; this module never imports discord.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from knowledge.evaluation import EvaluationSetError, evaluate, read_evaluation_set
from knowledge.loader import SHIPPED_FAQ_DIR, LoadResult, load_knowledge_base
from knowledge.matching import Decision, Matcher, MatchResult
from knowledge.model import Entry
from knowledge.quality import confusable_entries

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2
DEFAULT_EVAL_FILES = (Path("tests/data/eval.yaml"),)

Handler = Callable[[argparse.Namespace], int]


def build_parser(
    default_faq_dir: Path = SHIPPED_FAQ_DIR,
) -> tuple[argparse.ArgumentParser, argparse._SubParsersAction[argparse.ArgumentParser]]:
    parser = argparse.ArgumentParser(
        prog="faqbot",
        description="Answer questions from the Japan–UK–ASEAN cyber cooperation FAQ.",
    )
    parser.add_argument(
        "--faq-dir",
        type=Path,
        default=default_faq_dir,
        help="FAQ directory (default: %(default)s)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    ask = commands.add_parser("ask", help="answer one question, or one per line from stdin")
    ask.add_argument("question", help="the question, or - to read one question per line")
    ask.add_argument("--json", action="store_true", help="print one JSON object per question")
    ask.set_defaults(handler=command_ask)

    chat = commands.add_parser("chat", help="ask questions interactively in the terminal")
    chat.set_defaults(handler=command_chat)

    check = commands.add_parser("check", help="validate a FAQ directory")
    check.add_argument("path", nargs="?", type=Path, help="FAQ directory (default: --faq-dir)")
    check.add_argument("--strict", action="store_true", help="treat warnings as errors")
    check.set_defaults(handler=command_check)

    ev = commands.add_parser("eval", help="measure matching on an evaluation set")
    ev.add_argument("files", nargs="*", type=Path, help="evaluation YAML files")
    ev.add_argument("--json", action="store_true", help="print the figures as JSON")
    ev.set_defaults(handler=command_eval)
    return parser, commands


def main(argv: Sequence[str] | None = None) -> int:
    parser, _ = build_parser()
    return run_parsed(parser, argv)


def run_parsed(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> int:
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        return handler(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK


def faq_dir(args: argparse.Namespace) -> Path:
    return args.faq_dir if args.faq_dir is not None else SHIPPED_FAQ_DIR


def load_or_report(args: argparse.Namespace, out: TextIO = sys.stderr) -> Matcher | None:
    """The matcher over the FAQ, or None after printing why the FAQ cannot load."""
    result = load_knowledge_base(faq_dir(args))
    if result.knowledge_base is None:
        print_problems(result, out)
        return None
    return Matcher(result.knowledge_base)


def print_problems(result: LoadResult, out: TextIO) -> None:
    for problem in result.problems:
        print(problem, file=out)
    errors, warnings = len(result.errors), len(result.warnings)
    print(f"{errors} error(s), {warnings} warning(s)", file=out)


def command_ask(args: argparse.Namespace) -> int:
    matcher = load_or_report(args)
    if matcher is None:
        return EXIT_PROBLEMS
    questions = sys.stdin if args.question == "-" else [args.question]
    for line in questions:
        question = line.rstrip("\n")
        if args.question == "-" and not question.strip():
            continue
        result = matcher.match(question)
        if args.json:
            print(json.dumps(result_as_json(result), ensure_ascii=False), flush=True)
        else:
            print(render_result(result, matcher))
    return EXIT_OK


def result_as_json(result: MatchResult) -> dict[str, object]:
    return {
        "question": result.question,
        "decision": result.decision.value,
        "id": result.entry.id if result.entry else None,
        "score": result.score,
        "candidates": [{"id": c.entry.id, "score": c.score} for c in result.candidates],
    }


def render_entry(entry: Entry) -> str:
    sources = "\n".join(f"  - {s.title} <{s.url}>" for s in entry.sources)
    return (
        f"{entry.question}\n\n{entry.answer}\n\nSources:\n{sources}\n"
        f"(entry {entry.id}, checked {entry.updated.isoformat()})"
    )


def render_result(result: MatchResult, matcher: Matcher) -> str:
    if result.entry is not None:
        return render_entry(result.entry)
    if result.decision is Decision.SUGGEST:
        lines = ["Did you mean:"]
        lines += [f"  {i}. {c.entry.question}" for i, c in enumerate(result.candidates, 1)]
        return "\n".join(lines)
    topics = ", ".join(matcher.knowledge_base.topics)
    return f"Sorry, this FAQ doesn't cover that. It covers: {topics}."


def command_chat(args: argparse.Namespace) -> int:
    matcher = load_or_report(args)
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
            print(render_entry(choices[int(text) - 1]), file=stdout)
            choices = ()
            continue
        result = matcher.match(text)
        print(render_result(result, matcher), file=stdout)
        choices = (
            tuple(c.entry for c in result.candidates) if result.decision is Decision.SUGGEST else ()
        )


def command_check(args: argparse.Namespace) -> int:
    directory = args.path or faq_dir(args)
    result = load_knowledge_base(directory)
    problems = list(result.problems)
    if result.knowledge_base is not None:
        problems += confusable_entries(Matcher(result.knowledge_base), result.phrase_positions)
    for problem in problems:
        print(problem)
    errors = sum(p.is_error for p in problems)
    warnings = len(problems) - errors
    if result.knowledge_base is not None:
        entries = len(result.knowledge_base.entries)
        print(f"OK: {entries} entries, {errors} error(s), {warnings} warning(s)")
    else:
        print(f"FAILED: {errors} error(s), {warnings} warning(s); the FAQ cannot be loaded")
    if errors or (args.strict and warnings):
        return EXIT_PROBLEMS
    return EXIT_OK


def command_eval(args: argparse.Namespace) -> int:
    matcher = load_or_report(args)
    if matcher is None:
        return EXIT_PROBLEMS
    files = args.files or list(DEFAULT_EVAL_FILES)
    try:
        sets = [(path, read_evaluation_set(path)) for path in files]
        reports = [(path, evaluate(matcher, evaluation)) for path, evaluation in sets]
    except EvaluationSetError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        print(
            json.dumps(
                {str(p): {**r.summary(), "misses": r.misses} for p, r in reports},
                ensure_ascii=False,
                indent=2,
            )
        )
        return EXIT_OK
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
        for miss in report.misses:
            got = ", ".join(f"{i} {sc:.2f}" for i, sc in miss["got"]) or "nothing"
            print(
                f"  miss: {miss['question']!r} expected {miss['expected'] or 'no answer'}; "
                f"{miss['decision']}: {got}"
            )
    return EXIT_OK
