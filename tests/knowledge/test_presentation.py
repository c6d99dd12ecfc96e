"""How an entry is laid out to read well on a phone: a short lead, and every source."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.loader import load_knowledge_base
from knowledge.model import Source
from knowledge.presentation import (
    LEAD_CHARS,
    MORE_LINE_CHARS,
    SOURCE_BLOCK_CHARS,
    SOURCE_FIELDS,
    SOURCE_LIST_CHARS,
    lay_out_sources,
    listable_sources,
    sentences,
    source_line,
    split_lead,
)

SHIPPED_FAQ = Path(__file__).parents[2] / "knowledge" / "faq"


def test_sentences_end_at_a_full_stop_before_a_capital_but_not_after_an_abbreviation() -> None:
    text = (
        'The source (undated, c. 2019) says so. It names e.g. Japan. "A quote." '
        "**Bold** starts one. 2.16 million is a number. U.K. stays whole."
    )
    assert sentences(text) == [
        "The source (undated, c. 2019) says so.",
        "It names e.g. Japan.",
        '"A quote."',
        "**Bold** starts one.",
        "2.16 million is a number.",
        "U.K. stays whole.",
    ]


def test_the_lead_takes_whole_sentences_up_to_the_limit() -> None:
    first = "Yes."
    second = "A" * 150 + "."
    third = "B" * 100 + "."
    assert split_lead(f"{first} {second} {third}") == (f"{first} {second}", third)
    assert split_lead(f"{first} {second}") == (f"{first} {second}", "")
    assert split_lead("One sentence only.") == ("One sentence only.", "")


def test_a_long_first_sentence_is_the_lead_uncut() -> None:
    long_first = "W " * 150 + "end."
    lead, rest = split_lead(f"{long_first} Then more.")
    assert lead == long_first
    assert rest == "Then more."


def test_every_shipped_answer_is_its_lead_and_rest_word_for_word() -> None:
    knowledge_base = load_knowledge_base(SHIPPED_FAQ).knowledge_base
    assert knowledge_base is not None
    for entry in knowledge_base.entries:
        lead, rest = split_lead(entry.answer)
        assert " ".join(p for p in (lead, rest) if p) == " ".join(entry.answer.split())
        # A lead over the limit is a single sentence, never two glued together.
        assert len(lead) <= LEAD_CHARS or len(sentences(lead)) == 1, entry.id


def source(n: int, length: int = 120) -> Source:
    return Source(title=f"Source {n} " + "t" * length, url=f"https://example.org/{n}")


def test_sources_that_fit_in_one_field_use_one() -> None:
    layout = lay_out_sources([source(1), source(2)])
    assert len(layout.blocks) == 1
    assert layout.hidden == 0


def test_sources_overflowing_one_field_continue_in_a_second() -> None:
    sources = [source(n) for n in range(12)]
    layout = lay_out_sources(sources)
    assert len(layout.blocks) == 2
    assert layout.hidden == 0
    assert all(len(block) <= SOURCE_BLOCK_CHARS for block in layout.blocks)
    assert "\n".join(layout.blocks) == "\n".join(source_line(s) for s in sources)


def test_sources_beyond_two_fields_are_counted_with_room_left_to_say_so() -> None:
    sources = [source(n) for n in range(40)]
    layout = lay_out_sources(sources)
    assert len(layout.blocks) == SOURCE_FIELDS
    shown = sum(len(block.split("\n")) for block in layout.blocks)
    assert shown + layout.hidden == 40
    assert layout.hidden > 0
    assert len(layout.blocks[-1]) + 1 + MORE_LINE_CHARS <= SOURCE_BLOCK_CHARS


def test_the_full_list_holds_the_sources_that_fit_in_one_description() -> None:
    few = [source(n) for n in range(12)]
    assert listable_sources(few) == 12
    many = [source(n, length=190) for n in range(40)]
    listed = listable_sources(many)
    assert 0 < listed < 40
    assert len("\n".join(source_line(s) for s in many[:listed])) <= SOURCE_LIST_CHARS
    assert len("\n".join(source_line(s) for s in many[: listed + 1])) > SOURCE_LIST_CHARS


@pytest.mark.parametrize("title", ["a [b] c", "*bold* _it_ `code` ~x~ |y|", "back\\slash"])
def test_a_source_title_cannot_break_its_link(title: str) -> None:
    line = source_line(Source(title=title, url="https://example.org/a_(b)"))
    text = line.removeprefix("• [").split("](")[0]
    assert "[" not in text
    assert "]" not in text
    # No markup is left unescaped, and a ")" in the URL cannot end the link early.
    assert all(text[i - 1] == "\\" for i, c in enumerate(text) if c in "*_`~|")
    assert line.endswith("](https://example.org/a_(b%29)")
