"""What to add to the FAQ, from what members asked: ``faqbot suggest`` (options in bot/cli.py)
and the text of ``/faq-admin suggest``.

The store gives the questions that got no answer or only a "did you mean" (with the entry
picked, if any) and the not-helpful votes; knowledge/proposals.py turns the questions into
proposals. The same text serves the terminal and Discord, like bot/reporting.py's.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from bot.reporting import clip, fit
from bot.storage import EntryFeedback, StorageError, Store, utcnow
from bot.storage.backend import Target, is_postgres_url
from knowledge.cli import build_matcher
from knowledge.loader import PhrasePositions, load_knowledge_base
from knowledge.matching import Matcher
from knowledge.proposals import LoggedQuestion, Proposal, propose

EXIT_OK, EXIT_PROBLEMS = 0, 1
# Discord's limit is 2,000; the rest is room for the view's own heading.
MAX_MESSAGE_CHARS = 1900
MAX_SHOWN_CHARS = 120
# The decisions of the questions to learn from: not covered, and "did you mean" (picked or not).
LEARNING_DECISIONS = ("none", "suggest")


@dataclass(frozen=True)
class Suggestions:
    proposals: list[Proposal]
    # Entries members voted not helpful in the period, most such votes first.
    disliked: list[EntryFeedback]


async def read_suggestions(
    store: Store, matcher: Matcher, positions: PhrasePositions, *, since: datetime, limit: int
) -> Suggestions:
    rows = await store.asked(since=since, decisions=LEARNING_DECISIONS)
    logged = [LoggedQuestion(r.question, r.picked_entry_id) for r in rows]
    # Matching each group is CPU work: off the event loop.
    proposals = await asyncio.to_thread(propose, logged, matcher, positions, limit=limit)
    stats = await store.stats(since=since)
    disliked = sorted(
        (f for f in stats.feedback if f.not_helpful), key=lambda f: (-f.not_helpful, f.entry_id)
    )
    return Suggestions(proposals, disliked[:limit])


def run_suggest(
    database: Target,
    faq_dir: Path,
    *,
    days: int,
    limit: int,
    as_json: bool,
    vector_file: Path | None = None,
) -> int:
    """``faqbot suggest``: proposals for the FAQ in ``faq_dir`` from the last ``days`` days."""
    if not is_postgres_url(database) and not Path(database).is_file():
        print(f"faqbot suggest: no database at {database}", file=sys.stderr)
        return EXIT_PROBLEMS
    result = load_knowledge_base(faq_dir)
    if result.knowledge_base is None:
        print(f"faqbot suggest: the FAQ in {faq_dir} has errors; run faqbot check", file=sys.stderr)
        return EXIT_PROBLEMS
    matcher = build_matcher(result.knowledge_base, vector_file=vector_file)
    if matcher is None:  # the model cannot load; build_matcher said why in one line
        return EXIT_PROBLEMS
    since = utcnow() - timedelta(days=days)
    try:
        found = asyncio.run(_read(database, matcher, result.phrase_positions, since, limit))
    except StorageError as exc:
        print(f"faqbot suggest: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    if as_json:
        json.dump(as_object(found), sys.stdout, ensure_ascii=False)
        print()
    else:
        print(format_suggestions(found, max_chars=None, fenced=False))
    return EXIT_OK


async def _read(
    database: Target, matcher: Matcher, positions: PhrasePositions, since: datetime, limit: int
) -> Suggestions:
    store = Store(database, read_only=True)  # never changes the database of a running bot
    await store.open()
    try:
        return await read_suggestions(store, matcher, positions, since=since, limit=limit)
    finally:
        await store.close()


def as_object(found: Suggestions) -> dict[str, object]:
    return {
        "proposals": [
            {
                "entry": p.entry_id,
                "asked": p.asked,
                "picked": p.picked,
                "questions": list(p.questions),
                "new_alternates": list(p.new_alternates),
                "file": p.where.path if p.where else None,
                "after_line": p.where.line if p.where else None,
                "snippet": p.snippet,
                "closest": p.closest_entry_id,
            }
            for p in found.proposals
        ],
        "not_helpful": [
            {"entry": f.entry_id, "votes": f.not_helpful, "reasons": dict(f.reasons)}
            for f in found.disliked
        ],
    }


def format_suggestions(
    found: Suggestions,
    *,
    max_chars: int | None = MAX_MESSAGE_CHARS,
    escape: Callable[[str], str] = str,
    fenced: bool = True,
) -> str:
    """Proposals first, then answers voted not helpful; cut to fit ``max_chars``.

    ``escape`` is applied to the questions members typed where they are shown as text (in
    Discord, so that they cannot format the message); ``fenced`` puts the YAML lines in a
    code block (Discord) rather than as they are (the terminal, where they are copied).
    """
    if not found.proposals and not found.disliked:
        return "Nothing to suggest: no unanswered, unsure or not-helpful questions in this period."
    blocks = [_proposal_text(p, escape, fenced) for p in found.proposals]
    blocks += [_disliked_text(f) for f in found.disliked]
    heading = ["Proposals, most asked first:"] if found.proposals else []
    return fit(heading, blocks, max_chars, gap="\n\n")


def _proposal_text(proposal: Proposal, escape: Callable[[str], str], fenced: bool) -> str:
    asked = f"{proposal.asked}× asked"
    if proposal.picked:
        asked += f", {proposal.picked}× picked from a did-you-mean"
    examples = "\n".join(f"  · {escape(clip(q, MAX_SHOWN_CHARS))}" for q in proposal.questions[:3])
    if not proposal.covered:
        closest = f" (closest: `{proposal.closest_entry_id}`)" if proposal.closest_entry_id else ""
        return f"No entry covers this: consider a new one{closest}. {asked}:\n{examples}"
    head = f"Add as alternates of `{proposal.entry_id}` ({asked}):"
    if not proposal.snippet or proposal.where is None:
        return f"{head}\n{examples}\n  (these phrasings are in the FAQ already)"
    where = f"{proposal.where.path}, after line {proposal.where.line}:"
    if not fenced:
        return f"{head}\n{where}\n{proposal.snippet}"
    # The lines are quoted YAML; a ``` inside a question would end the code block early.
    snippet = proposal.snippet.replace("```", "`\u200b``")
    return f"{head}\n{where}\n```yaml\n{snippet}\n```"


def _disliked_text(feedback: EntryFeedback) -> str:
    why = ", ".join(f"{reason} {count}" for reason, count in feedback.reasons)
    because = f" ({why})" if why else ""
    return (
        f"Review the answer of `{feedback.entry_id}`: {feedback.not_helpful}× not helpful{because}."
    )
