"""Usage figures for maintainers: what ``faqbot report`` does (its options are in bot/cli.py),
and the text that the Discord ``/faq-admin stats|unanswered`` views send.

The same formatting serves both, so the terminal shows what Discord shows; the functions keep
within a Discord message unless told otherwise.
"""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

from bot.storage import EntryFeedback, Stats, StorageError, Store, UnansweredGroup, utcnow
from bot.storage.backend import Target, is_postgres_url
from knowledge.cli import build_matcher
from knowledge.loader import load_knowledge_base
from knowledge.proposals import without_small_talk

EXIT_OK = 0
EXIT_PROBLEMS = 1
# Discord's limit is 2,000; the rest is room for the view's own heading.
MAX_MESSAGE_CHARS = 1900
# Questions are kept up to 500 characters; a list of them is unreadable at that width.
MAX_PHRASE_CHARS = 120
MAX_ENTRY_ID_CHARS = 80
CSV_HEADER = ("section", "name", "value", "detail")

REPORT_EPILOG = """\
With --csv the report is one CSV table on stdout, header "section,name,value,detail",
so a spreadsheet or a script can read it whole and filter on the first column:
  stats       name: since, days, questions, answered, suggested, unanswered,
              answer_rate, suggest_rate or none_rate; value: the figure
  top_entry   name: entry id; value: times it was the confident answer
  feedback    name: entry id; value: helpful votes; detail: not-helpful votes
  complaint   name: entry id; value: not-helpful votes giving this reason; detail: the
              reason (wrong answer, out of date, unclear, missing source)
  auto_answer name: given, deleted, missed, helpful or not_helpful; value: answers given
              unasked in auto-answer channels, removed with 🗑, removed as "not what I
              asked", and the votes on them
  low_score   name: entry id; value: times it was the answer with a score below detail
              (answers given with little to spare: check they fit the questions)
  unanswered  name: example question; value: times asked, similar questions included;
              detail: other phrasings, separated by " | "
Questions in the CSV are complete; the text report shortens long ones.

With --json the report is one JSON object on stdout:
  since, days; questions, answered, suggested, not_covered (numbers of questions);
  answer_rate, suggest_rate, not_covered_rate (shares of questions, 0 to 1);
  votes_up, votes_down (helpful and not-helpful votes cast in the period, all entries);
  top_entries: [{"id", "count"}], the ten entries most often the confident answer;
  feedback: [{"id", "helpful", "not_helpful", "reasons"}], entries with the most votes
  first; reasons maps what not-helpful voters said was wrong to how many said it;
  low_score_below: the score under which an answer counts as low-score;
  low_score_answers: [{"id", "count"}], the ten entries most often answered that way;
  auto_answers: {"given", "deleted", "missed", "helpful", "not_helpful"}, answers given
  unasked in auto-answer channels and what members did with them;
  unanswered: [{"question", "count", "variants"}], groups of similar unanswered questions,
  most asked first (at most --limit of them).
"""


def run_report(
    database: Target,
    *,
    days: int,
    limit: int,
    as_csv: bool,
    as_json: bool = False,
    faq_dir: Path | None = None,
    vector_file: Path | None = None,
) -> int:
    """``faqbot report``: the figures of the last ``days`` days, as text, CSV or JSON.

    Given the FAQ, unanswered questions that its small talk recognises are left out (rows
    logged before small talk was recognised hold greetings, which are no gap in the FAQ).
    """
    # A store would create a missing file; a report on an empty new database would only hide
    # a mistyped path.
    if not is_postgres_url(database) and not Path(database).is_file():
        print(f"faqbot report: no database at {database}", file=sys.stderr)
        return EXIT_PROBLEMS
    since = utcnow() - timedelta(days=days)
    try:
        stats, groups = asyncio.run(_read(database, since, limit))
    except StorageError as exc:
        print(f"faqbot report: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    if faq_dir is not None and groups:
        groups = _without_small_talk(groups, faq_dir, vector_file)
    if as_json:
        json.dump(as_report_object(stats, groups, days=days), sys.stdout, ensure_ascii=False)
        print()
    elif as_csv:
        write_csv(sys.stdout, stats, groups, days=days)
    else:
        print(format_stats(stats, max_chars=None))
        print()
        print(format_unanswered(groups, max_chars=None))
    return EXIT_OK


def _without_small_talk(
    groups: list[UnansweredGroup], faq_dir: Path, vector_file: Path | None
) -> list[UnansweredGroup]:
    result = load_knowledge_base(faq_dir)
    if result.knowledge_base is None:
        print(
            f"faqbot report: the FAQ in {faq_dir} has errors, so small talk is not left out "
            "of the unanswered questions; run faqbot check",
            file=sys.stderr,
        )
        return groups
    matcher = build_matcher(
        result.knowledge_base, vector_file=vector_file
    )  # or None, having said why in one line
    return groups if matcher is None else without_small_talk(groups, matcher)


async def _read(
    database: Target, since: datetime, limit: int
) -> tuple[Stats, list[UnansweredGroup]]:
    # Read-only: a report never changes the database of a bot that may be running.
    store = Store(database, read_only=True)
    await store.open()
    try:
        return await store.stats(since=since), await store.unanswered(since=since, limit=limit)
    finally:
        await store.close()


def as_report_object(
    stats: Stats, groups: list[UnansweredGroup], *, days: int
) -> dict[str, object]:
    """The figures as ``faqbot report --json`` prints them (keys in REPORT_EPILOG)."""
    return {
        "since": stats.since.isoformat(),
        "days": days,
        "questions": stats.questions,
        "answered": stats.answered,
        "suggested": stats.suggested,
        "not_covered": stats.unanswered,
        "answer_rate": stats.answer_rate,
        "suggest_rate": stats.suggest_rate,
        "not_covered_rate": stats.none_rate,
        "votes_up": sum(f.helpful for f in stats.feedback),
        "votes_down": sum(f.not_helpful for f in stats.feedback),
        "top_entries": [{"id": entry, "count": count} for entry, count in stats.top_entries],
        "feedback": [
            {
                "id": f.entry_id,
                "helpful": f.helpful,
                "not_helpful": f.not_helpful,
                "reasons": dict(f.reasons),
            }
            for f in stats.feedback
        ],
        "auto_answers": dataclasses.asdict(stats.auto_answers),
        "low_score_below": stats.low_score,
        "low_score_answers": [
            {"id": entry, "count": count} for entry, count in stats.low_score_entries
        ],
        "unanswered": [
            {"question": g.example, "count": g.count, "variants": list(g.variants)} for g in groups
        ],
    }


def write_csv(out: TextIO, stats: Stats, groups: list[UnansweredGroup], *, days: int) -> None:
    # "\n" rather than csv's "\r\n": text-mode stdout already writes the platform's newline.
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    figures: list[tuple[str, object]] = [
        ("since", stats.since.isoformat()),
        ("days", days),
        ("questions", stats.questions),
        ("answered", stats.answered),
        ("suggested", stats.suggested),
        ("unanswered", stats.unanswered),
        ("answer_rate", f"{stats.answer_rate:.4f}"),
        ("suggest_rate", f"{stats.suggest_rate:.4f}"),
        ("none_rate", f"{stats.none_rate:.4f}"),
    ]
    writer.writerows(("stats", name, value, "") for name, value in figures)
    writer.writerows(("top_entry", entry, count, "") for entry, count in stats.top_entries)
    writer.writerows(("feedback", f.entry_id, f.helpful, f.not_helpful) for f in stats.feedback)
    writer.writerows(
        ("complaint", f.entry_id, count, reason)
        for f in stats.feedback
        for reason, count in f.reasons
    )
    writer.writerows(
        ("low_score", entry, count, stats.low_score) for entry, count in stats.low_score_entries
    )
    writer.writerows(
        ("auto_answer", name, value, "")
        for name, value in dataclasses.asdict(stats.auto_answers).items()
    )
    writer.writerows(("unanswered", g.example, g.count, " | ".join(g.variants)) for g in groups)


def format_stats(stats: Stats, *, max_chars: int | None = MAX_MESSAGE_CHARS) -> str:
    since = stats.since.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"Questions since {since}: {stats.questions}",
        f"  answered   {stats.answered:>6}  {stats.answer_rate:>6.1%}",
        f"  suggested  {stats.suggested:>6}  {stats.suggest_rate:>6.1%}",
        f"  unanswered {stats.unanswered:>6}  {stats.none_rate:>6.1%}",
        "",
        "Most answered entries:",
    ]
    # At most ten, ids clipped: a fixed size, so only the feedback list needs cutting to fit.
    lines += [f"  {n:>6}  {clip(e, MAX_ENTRY_ID_CHARS)}" for e, n in stats.top_entries]
    lines += ["  (none)"] if not stats.top_entries else []
    if stats.low_score_entries:
        lines += ["", f"Answered with a low score (under {stats.low_score:.2f}):"]
        lines += [f"  {n:>6}  {clip(e, MAX_ENTRY_ID_CHARS)}" for e, n in stats.low_score_entries]
    auto = stats.auto_answers
    if auto.given:
        lines += [
            "",
            f"Auto-answers: {auto.given} given, {auto.helpful} helpful / {auto.not_helpful} "
            f"not helpful, {auto.deleted} deleted, {auto.missed} not what was asked",
        ]
    lines += ["", "Feedback (helpful / not helpful):"]
    if not stats.feedback:
        return "\n".join([*lines, "  (no votes)"])
    votes = [
        f"  {f.helpful:>5} / {f.not_helpful:<5} {clip(f.entry_id, MAX_ENTRY_ID_CHARS)}"
        + (f"\n                why: {_reasons(f)}" if f.reasons else "")
        for f in stats.feedback
    ]
    return fit(lines, votes, max_chars)


def _reasons(feedback: EntryFeedback) -> str:
    return ", ".join(f"{reason} {count}" for reason, count in feedback.reasons)


def format_unanswered(
    groups: list[UnansweredGroup], *, max_chars: int | None = MAX_MESSAGE_CHARS
) -> str:
    if not groups:
        return "No unanswered questions in this period."
    items = [
        "\n".join(
            [
                f"  {g.count:>5}× {clip(g.example, MAX_PHRASE_CHARS)}",
                *(f"         also: {clip(v, MAX_PHRASE_CHARS)}" for v in g.variants),
            ]
        )
        for g in groups
    ]
    return fit(["Unanswered questions, most asked first:"], items, max_chars)


def fit(lines: list[str], items: list[str], max_chars: int | None, *, gap: str = "\n") -> str:
    """``lines`` then as many ``items`` as fit in ``max_chars``, then how many were left out;
    ``gap`` goes between the items (and before the first, after any ``lines``)."""
    text = "\n".join(lines)
    for shown, item in enumerate(items):
        longer = f"{text}{gap}{item}" if text else item
        left = len(items) - shown - 1
        # Keep room for the "… and N more" line that follows if this isn't the last item.
        tail = f"{gap}… and {left} more" if left else ""
        if max_chars is not None and len(longer) + len(tail) > max_chars:
            return f"{text}{gap}… and {len(items) - shown} more"
        text = longer
    return text


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
