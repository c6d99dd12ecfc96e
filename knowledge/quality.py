"""FAQ checks that need the matcher: phrases that lead to the wrong entry."""

from __future__ import annotations

from knowledge.loader import PhrasePositions
from knowledge.matching import Decision, Matcher
from knowledge.problems import Problem, Severity


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
