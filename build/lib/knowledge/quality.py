"""FAQ checks beyond the format: phrases that lead to the wrong entry (these need the
matcher), and entries whose answer cannot show all of its sources."""

from __future__ import annotations

from knowledge.loader import PhrasePositions
from knowledge.matching import Decision, Matcher
from knowledge.model import KnowledgeBase
from knowledge.presentation import (
    SOURCE_BLOCK_CHARS,
    SOURCE_FIELDS,
    lay_out_sources,
    listable_sources,
)
from knowledge.problems import Problem, Severity


def hidden_sources(knowledge_base: KnowledgeBase, positions: PhrasePositions) -> list[Problem]:
    """Warn about entries whose sources do not all fit in the answer.

    The answer then shows "+N more" and a button that lists them all, so nothing is lost,
    but a member has to press it to see what supports the answer.
    """
    problems: list[Problem] = []
    for entry in knowledge_base.entries:
        layout = lay_out_sources(entry.sources)
        if not layout.hidden:
            continue
        path, line, column = positions.get((entry.id, 0), (f"entry {entry.id}", 1, 1))
        unlisted = len(entry.sources) - listable_sources(entry.sources)
        lost = f"; {unlisted} cannot be shown at all" if unlisted else ""
        problems.append(
            Problem(
                path,
                line,
                column,
                f"entry '{entry.id}': {layout.hidden} of its {len(entry.sources)} sources do "
                f"not fit in the answer ({SOURCE_FIELDS} fields of {SOURCE_BLOCK_CHARS} "
                f"characters) and are shown only on request{lost}; shorten titles or cite fewer",
                Severity.WARNING,
            )
        )
    return problems


def confusable_entries(matcher: Matcher, positions: PhrasePositions) -> list[Problem]:
    """Warn about an entry's own phrases that the matcher cannot attribute to it.

    A user typing exactly that phrase would get another entry, or a "did you mean" where a
    straight answer was due; the warning names both entries and the phrase.
    """
    problems: list[Problem] = []
    for entry in matcher.knowledge_base.entries:
        for index, phrase in enumerate(entry.phrases):
            result = matcher.match(phrase)
            if result.entry is not None and result.entry.id == entry.id:
                continue
            rival = next((c.entry for c in result.candidates if c.entry.id != entry.id), None)
            if rival is None:
                continue
            path, line, column = positions.get((entry.id, index), (f"entry {entry.id}", 1, 1))
            outcome = "matches" if result.decision is Decision.ANSWER else "is confused with"
            problems.append(
                Problem(
                    path,
                    line,
                    column,
                    f"entry '{entry.id}': phrase {phrase!r} {outcome} entry '{rival.id}' "
                    f"({rival.question!r}); make the two more distinct",
                    Severity.WARNING,
                )
            )
    return problems
