"""Folding unanswered questions into groups, so maintainers see what to add to the FAQ first.

Text similarity, like matching: the storage layer reads the questions and calls this.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from knowledge.language import has_japanese
from knowledge.text import normalise, printable, words

SIMILARITY = 85
MAX_VARIANTS = 5
# Each distinct phrasing is compared with at most this many groups. Without the cap, 5,000
# all-different questions (spam) cost 12 million comparisons, about 14 s; with it, under 1 s.
# Phrasings are taken most frequent first, so only the rarest lose the chance to start a group
# that later phrasings can join; they still join the earlier groups.
MAX_COMPARED_GROUPS = 200


@dataclass(frozen=True)
class UnansweredGroup:
    example: str
    count: int
    # Up to five other phrasings of the same question, most asked first.
    variants: list[str]
    # Every distinct phrasing in the group, the example first, then most asked first.
    phrasings: tuple[str, ...] = ()


def _compared(key: str) -> str:
    """What similarity is measured on: the text, or for Japanese, written without spaces,
    the matcher's tokens of it (Latin words and character pairs), so that
    "TSUBAMEとは何ですか" and "TSUBAMEって何？" share words to compare."""
    return " ".join(words(key)) if has_japanese(key) else key


def group_questions(questions: Iterable[str], limit: int) -> list[UnansweredGroup]:
    """Groups of similar questions, most asked first; ``questions`` most recent first."""
    # Exact duplicates after normalising ("is TSUBAME dead?" / "is tsubame dead") are merged
    # before any fuzzy matching: they are most of the volume and cost nothing to merge.
    phrasings: dict[str, Counter[str]] = {}
    for question in questions:
        # Rows logged before questions were cleaned on the way in may hold control characters.
        shown = printable(question)
        phrasings.setdefault(normalise(question), Counter())[shown] += 1
    totals = {key: sum(counter.values()) for key, counter in phrasings.items()}
    # sorted() is stable, so equally frequent phrasings stay most recent first.
    keys = sorted(phrasings, key=lambda key: -totals[key])

    groups: list[list[str]] = []
    comparable: list[str] = []
    for key in keys:
        match = process.extractOne(
            _compared(key), comparable, scorer=fuzz.token_set_ratio, score_cutoff=SIMILARITY
        )
        if match is not None:
            groups[match[2]].append(key)
            continue
        groups.append([key])
        if len(comparable) < MAX_COMPARED_GROUPS:
            comparable.append(_compared(key))

    result = [
        UnansweredGroup(
            # Each normalised form is shown as its most common raw phrasing.
            example=phrasings[members[0]].most_common(1)[0][0],
            count=sum(totals[key] for key in members),
            variants=[phrasings[key].most_common(1)[0][0] for key in members[1:]][:MAX_VARIANTS],
            phrasings=tuple(phrasings[key].most_common(1)[0][0] for key in members),
        )
        for members in groups
    ]
    result.sort(key=lambda group: -group.count)
    return result[: max(limit, 0)]
