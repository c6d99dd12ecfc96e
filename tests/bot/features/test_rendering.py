"""How an entry looks in Discord: within Discord's embed limits, whatever the FAQ holds."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from bot.features.rendering import (
    all_sources_embed,
    answer_embed,
    checked_on,
    shorten,
)
from bot.i18n import ENGLISH
from knowledge.entry_schema import (
    MAX_ANSWER_CHARS,
    MAX_FAQ_QUESTION_CHARS,
    MAX_SOURCE_TITLE_CHARS,
    MAX_URL_CHARS,
)
from knowledge.model import Entry, Source

# Discord's limits for an embed.
TITLE, DESCRIPTION, FIELD_VALUE, FIELDS, TOTAL = 256, 4096, 1024, 25, 6000


def entry(sources: int, *, title_chars: int = 60, answer: str = "An answer.") -> Entry:
    return Entry(
        id="an-entry",
        topic="a-topic",
        question="Q" * MAX_FAQ_QUESTION_CHARS,
        alternates=(),
        answer=answer,
        sources=tuple(
            Source(title=f"{n} " + "t" * title_chars, url=f"https://example.org/{n}")
            for n in range(sources)
        ),
        tags=(),
        related=(),
        updated=dt.date(2026, 11, 26),
    )


def embed_length(data: dict[str, object]) -> int:
    """What Discord counts towards an embed's 6,000 characters."""
    fields = data.get("fields") or []
    footer = data.get("footer") or {}
    return (
        len(str(data.get("title", "")))
        + len(str(data.get("description", "")))
        + sum(len(f["name"]) + len(f["value"]) for f in fields)  # type: ignore[index, union-attr]
        + len(str(footer.get("text", "")))  # type: ignore[union-attr]
    )


@pytest.mark.parametrize("sources", [1, 8, 14, 40])
def test_an_answer_fits_discords_limits_with_any_number_of_sources(sources: int) -> None:
    answer = ("Sentence. " * MAX_ANSWER_CHARS)[: MAX_ANSWER_CHARS - 1] + "."
    longest = entry(sources, title_chars=MAX_SOURCE_TITLE_CHARS - 4, answer=answer)
    data = answer_embed(longest, ENGLISH).to_dict()
    assert len(data["title"]) <= TITLE
    assert len(data["description"]) <= DESCRIPTION
    assert len(data["fields"]) <= FIELDS
    assert all(len(f["value"]) <= FIELD_VALUE for f in data["fields"])
    assert embed_length(data) <= TOTAL  # type: ignore[arg-type]


def test_every_source_is_either_shown_or_counted_in_the_more_line() -> None:
    many = entry(20, title_chars=100)  # about 2,500 characters of sources: two fields and more
    data = answer_embed(many, ENGLISH).to_dict()
    shown = sum(f["value"].count("https://") for f in data["fields"])
    assert 0 < shown < 20
    last = data["fields"][-1]["value"].splitlines()[-1]
    assert last == f"+{20 - shown} more: press **All sources**"
    listed = all_sources_embed(many, ENGLISH).to_dict()
    assert listed["description"].count("https://") == 20


def test_all_sources_at_their_longest_stay_within_a_description() -> None:
    base = entry(40, title_chars=MAX_SOURCE_TITLE_CHARS - 4)
    long_urls = tuple(
        Source(title=s.title, url=s.url + "/" + "u" * (MAX_URL_CHARS - 30)) for s in base.sources
    )
    data = all_sources_embed(dataclasses.replace(base, sources=long_urls), ENGLISH).to_dict()
    assert len(data["description"]) <= DESCRIPTION
    assert data["description"].endswith("more")  # says that some did not fit


def test_the_footer_says_when_the_entry_was_last_checked() -> None:
    assert checked_on(ENGLISH, dt.date(2026, 11, 26)) == "Last checked 26 Nov 2026"
    assert checked_on(ENGLISH, dt.date(2026, 1, 5)) == "Last checked 5 Jan 2026"
    assert answer_embed(entry(1), ENGLISH).to_dict()["footer"]["text"] == "Last checked 26 Nov 2026"


@pytest.mark.parametrize(
    ("text", "limit", "shown"),
    [
        ("Is TSUBAME still running?", 45, "Is TSUBAME still running?"),
        (
            "Why is Japan seen as the UK's best partner in Asia for cyber?",
            45,
            "Why is Japan seen as the UK's best partner…",
        ),
        (
            "What are the ASEAN, Japan and UK doing together on cyber norms?",
            30,
            "What are the ASEAN, Japan…",
        ),
        ("Supercalifragilisticexpialidocious", 10, "Supercali…"),
    ],
)
def test_labels_are_shortened_at_a_word(text: str, limit: int, shown: str) -> None:
    assert shorten(text, limit) == shown
    assert len(shorten(text, limit)) <= limit
