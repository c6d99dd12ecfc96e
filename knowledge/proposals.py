"""What to add to the FAQ, learnt from the questions it could not answer well.

The question log holds what members asked that got no answer or only a "did you mean", and
which entry a member picked from those choices. Here similar questions are grouped, small
talk and questions the FAQ now answers are left out, and each group becomes a proposal:
"add these as alternates of <entry>", as YAML lines to paste after the entry's last
alternate, or "no entry covers this". A pick outweighs the matcher's guess: it is a member
saying which entry answers the question. Groups that lead to the same entry are one
proposal, which is how an English and a Japanese question about it come together.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from knowledge.entry_schema import MAX_ALTERNATE_CHARS
from knowledge.grouping import UnansweredGroup, group_questions
from knowledge.language import has_japanese
from knowledge.loader import PhrasePositions
from knowledge.matching import Decision, Matcher
from knowledge.model import Entry
from knowledge.text import normalise

# New alternates proposed per entry: a handful is what a maintainer reviews, and an entry
# with dozens of near-identical alternates is harder to keep.
MAX_NEW_ALTERNATES = 5
# Groups looked at, most asked first: each costs one match (a few milliseconds).
MAX_GROUPS = 200


@dataclass(frozen=True)
class LoggedQuestion:
    text: str
    # The entry the asker chose from the "did you mean" choices for it, if any.
    picked_entry_id: str | None = None


@dataclass(frozen=True)
class Insertion:
    """Where the proposed lines go: after ``line`` of ``path`` (the last alternate)."""

    path: str
    line: int


@dataclass(frozen=True)
class Proposal:
    # The entry to add alternates to; None when no entry covers the questions.
    entry_id: str | None
    # The phrasings asked, most asked first, and how often they were asked in all.
    questions: tuple[str, ...]
    asked: int
    # How many of those askings picked ``entry_id`` from a "did you mean".
    picked: int = 0
    # For a new entry: the entry the matcher found closest, for a hint of where it belongs.
    closest_entry_id: str | None = None
    # The YAML lines to paste (empty when every phrasing is in the FAQ already).
    snippet: str = ""
    where: Insertion | None = None
    new_alternates: tuple[str, ...] = field(default=())

    @property
    def covered(self) -> bool:
        return self.entry_id is not None


def propose(
    questions: Iterable[LoggedQuestion],
    matcher: Matcher,
    positions: PhrasePositions,
    *,
    limit: int = 10,
) -> list[Proposal]:
    """Proposals for the FAQ from ``questions`` (most recent first), most asked first."""
    questions = list(questions)
    picks: dict[str, Counter[str]] = {}
    for question in questions:
        if question.picked_entry_id:
            picks.setdefault(normalise(question.text), Counter())[question.picked_entry_id] += 1
    groups = group_questions((q.text for q in questions), MAX_GROUPS)
    knowledge_base = matcher.knowledge_base
    by_entry: dict[str, _Gathered] = {}
    uncovered: list[Proposal] = []
    for group in groups:
        result = matcher.match(group.example)
        if result.small_talk is not None or result.decision is Decision.SMALL_TALK:
            continue
        chosen: Counter[str] = Counter()
        for phrasing in group.phrasings:
            chosen.update(picks.get(normalise(phrasing), Counter()))
        picked = next((e for e, _ in chosen.most_common() if knowledge_base.get(e)), None)
        if picked is None and result.decision is Decision.ANSWER:
            continue  # the FAQ answers it now: an edit since it was asked
        if picked is not None and result.entry is not None and result.entry.id == picked:
            continue  # ...and with the entry the member chose
        target = picked
        if target is None and result.decision is Decision.SUGGEST and result.candidates:
            target = result.candidates[0].entry.id
        if target is None:
            closest = result.candidates[0].entry.id if result.candidates else None
            uncovered.append(Proposal(None, group.phrasings, group.count, 0, closest))
            continue
        gathered = by_entry.setdefault(target, _Gathered())
        gathered.add(group, chosen[target])
    proposals = [
        proposal
        for entry_id, gathered in by_entry.items()
        if (entry := knowledge_base.get(entry_id)) is not None
        for proposal in _alternates_proposals(entry, gathered, matcher, positions)
    ]
    proposals += uncovered
    proposals.sort(key=lambda p: (-p.asked, -p.picked, p.entry_id or ""))
    return proposals[: max(limit, 0)]


@dataclass
class _Gathered:
    questions: list[str] = field(default_factory=list)
    asked: int = 0
    picked: int = 0

    def add(self, group: UnansweredGroup, picked: int) -> None:
        self.questions += group.phrasings
        self.asked += group.count
        self.picked += picked


def _alternates_proposals(
    entry: Entry, gathered: _Gathered, matcher: Matcher, positions: PhrasePositions
) -> list[Proposal]:
    """One proposal for the entry's English alternates, and, when it has a Japanese block
    and some questions are in Japanese, one for that block's alternates."""
    new = _new_alternates(entry, gathered.questions, matcher)
    japanese = tuple(t for t in new if has_japanese(t)) if entry.ja is not None else ()
    english = tuple(t for t in new if t not in japanese)
    english_last = len(entry.alternates)  # the index in entry.phrases of its last English one
    lists = [(english, english_last, bool(entry.alternates))]
    if japanese and entry.ja is not None:
        lists.append((japanese, len(entry.phrases) - 1, bool(entry.ja.alternates)))
    # Each list with something to add; with nothing new at all, one proposal that says so.
    lists = [item for item in lists if item[0]] or lists[:1]
    proposals = []
    for texts, last_index, has_alternates in lists:
        where, snippet = None, ""
        last = positions.get((entry.id, last_index))
        if texts and last is not None:
            path, line, column = last
            where = Insertion(path, line)
            snippet = _alternate_lines(texts, column, has_alternates=has_alternates)
        proposals.append(
            Proposal(
                entry.id,
                tuple(gathered.questions),
                gathered.asked,
                gathered.picked,
                snippet=snippet,
                where=where,
                new_alternates=texts,
            )
        )
    return proposals


def _new_alternates(entry: Entry, asked: Sequence[str], matcher: Matcher) -> tuple[str, ...]:
    """The phrasings worth adding: not in the FAQ already (any entry's, after normalising,
    which the loader would refuse as a duplicate), and within an alternate's length."""
    known = {normalise(p) for e in matcher.knowledge_base.entries for p in e.phrases}
    new: list[str] = []
    for text in asked:
        key = normalise(text)
        if not key or key in known or len(text) > MAX_ALTERNATE_CHARS:
            continue
        known.add(key)
        new.append(text.strip())
        if len(new) == MAX_NEW_ALTERNATES:
            break
    return tuple(new)


def _alternate_lines(alternates: Sequence[str], column: int, *, has_alternates: bool) -> str:
    """YAML list items in the entry's own indentation. ``column`` (1-based) is where the
    last alternate's text starts, after its "- "; an entry with none yet gets the key too,
    indented as its question key is."""
    if has_alternates:
        dash = " " * max(column - 3, 0)
        header: list[str] = []
    else:
        key = " " * max(column - 1 - len("question: "), 0)
        dash = key + "  "
        header = [f"{key}alternates:"]
    # JSON's double-quoted strings are YAML's too: quoting every item means no text a member
    # typed ("yes: but", "#1", "- x") can change the YAML's structure.
    items = [f"{dash}- {json.dumps(text, ensure_ascii=False)}" for text in alternates]
    return "\n".join([*header, *items])


def without_small_talk(
    groups: Iterable[UnansweredGroup], matcher: Matcher
) -> list[UnansweredGroup]:
    """Groups whose question is not small talk (rows logged before small talk was known)."""
    kept = []
    for group in groups:
        result = matcher.match(group.example)
        if result.small_talk is None and result.decision is not Decision.SMALL_TALK:
            kept.append(group)
    return kept
