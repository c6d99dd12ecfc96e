"""How an entry is laid out for reading on a small screen, with no Discord in it.

The bot's answer embed (bot/features/rendering.py) and ``faqbot check`` (knowledge/quality.py)
both use these rules, so what the check promises is what members see:

- the answer leads with a short paragraph: its first sentences, up to ``LEAD_CHARS``;
- the sources go in up to ``SOURCE_FIELDS`` blocks of at most ``SOURCE_BLOCK_CHARS`` each
  (Discord's embed field limit); those that do not fit are counted, to be listed on request.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from knowledge.model import Source

# About two lines on a phone: the answer itself, before the detail.
LEAD_CHARS = 200
SOURCE_FIELDS = 2
SOURCE_BLOCK_CHARS = 1024
# The line that says how many sources are not shown, e.g. "+12 more: press “All sources”".
MORE_LINE_CHARS = 40
# The full list shown on request is one embed description (Discord: 4,096 characters), with
# room for a last line saying how many did not fit even there.
SOURCE_LIST_CHARS = 4096 - MORE_LINE_CHARS

# A sentence ends at . ! or ? (perhaps closed by a quote or bracket) followed by space and
# a capital, a digit, an opening quote or bracket, or bold text.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”')\]]?\s+(?=[A-Z0-9“\"(*])")
# A full stop that ends one of these does not end the sentence ("e.g. Japan", "c. 2019").
_ABBREVIATION = re.compile(
    r"(?:\b(?:e\.g|i\.e|etc|vs|cf|c|ca|approx|Mr|Mrs|Ms|Dr|St|No|Inc|Ltd|Co|al)"
    r"|\b[A-Z](?:\.[A-Z])*)\.$"
)
# Markdown that would change how a source title reads inside its link.
_MARKDOWN = re.compile(r"([\\*_~`|])")


def sentences(text: str) -> list[str]:
    found: list[str] = []
    start = 0
    for boundary in _SENTENCE_END.finditer(text):
        candidate = text[start : boundary.start() + len(boundary.group().rstrip())]
        if _ABBREVIATION.search(candidate.rstrip("\"”')]")):
            continue
        found.append(candidate.strip())
        start = boundary.end()
    found.append(text[start:].strip())
    return [s for s in found if s]


def split_lead(answer: str, limit: int = LEAD_CHARS) -> tuple[str, str]:
    """(lead, rest): the answer's first sentence, and the ones after it while the lead stays
    within ``limit`` characters; the rest is "" when the lead is the whole answer.

    A first sentence longer than ``limit`` is the lead as it is: cutting it would change
    what the entry says.
    """
    parts = sentences(answer)
    if len(parts) <= 1:
        return answer.strip(), ""
    lead, taken = parts[0], 1
    while taken < len(parts) and len(lead) + 1 + len(parts[taken]) <= limit:
        lead, taken = f"{lead} {parts[taken]}", taken + 1
    return lead, " ".join(parts[taken:])


def source_line(source: Source) -> str:
    """One source as a Markdown link that its title cannot break."""
    title = _MARKDOWN.sub(r"\\\1", source.title).replace("[", "(").replace("]", ")")
    # A ")" inside the URL would end the link early.
    return f"• [{title}]({source.url.replace(')', '%29')})"


@dataclass(frozen=True)
class SourceLayout:
    # Each block is the text of one embed field.
    blocks: tuple[str, ...]
    # How many sources did not fit (listed in full on request).
    hidden: int


def lay_out_sources(sources: Sequence[Source]) -> SourceLayout:
    """Sources in order, filling up to ``SOURCE_FIELDS`` blocks.

    When they do not all fit, room is kept in the last block for the "+N more" line.
    """
    lines = [source_line(s) for s in sources]
    blocks = _fill(lines, reserve=0)
    if sum(len(b) for b in blocks) < len(lines):
        blocks = _fill(lines, reserve=MORE_LINE_CHARS + 1)
    shown = sum(len(b) for b in blocks)
    return SourceLayout(tuple("\n".join(b) for b in blocks if b), len(lines) - shown)


def listable_sources(sources: Sequence[Source]) -> int:
    """How many sources, from the first, the full list on request can hold."""
    length = -1
    for count, source in enumerate(sources):
        length += len(source_line(source)) + 1
        if length > SOURCE_LIST_CHARS:
            return count
    return len(sources)


def _fill(lines: list[str], *, reserve: int) -> list[list[str]]:
    """As many lines as fit, in order; ``reserve`` characters are kept free in the last block."""
    blocks: list[list[str]] = [[]]
    for line in lines:
        if not _fits(blocks[-1], line, reserve if len(blocks) == SOURCE_FIELDS else 0):
            if len(blocks) == SOURCE_FIELDS or not blocks[-1]:
                break
            blocks.append([])
            if not _fits(blocks[-1], line, reserve if len(blocks) == SOURCE_FIELDS else 0):
                break
        blocks[-1].append(line)
    return blocks


def _fits(block: list[str], line: str, reserve: int) -> bool:
    return len("\n".join([*block, line])) + reserve <= SOURCE_BLOCK_CHARS
