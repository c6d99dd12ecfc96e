"""``faqbot suggest`` and the text of /faq-admin suggest, over a real database and the real
matcher on the mini FAQ."""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

import pytest
from support.phrase_vectors import run_vector_file

from bot.cli import build_parser
from bot.storage import EntryFeedback
from bot.storage.backend import Target
from bot.storage.store import Store
from bot.suggestions import MAX_MESSAGE_CHARS, Suggestions, format_suggestions
from knowledge.proposals import Insertion, Proposal

MINI_FAQ = Path(__file__).parents[1] / "data" / "mini-faq"
UNSURE = "swallow winter speed"  # the mini FAQ offers both swallow entries for this


def parser_for(default: Target) -> argparse.ArgumentParser:
    def unused() -> Path:
        raise AssertionError("the suggest command asked for the heartbeat file")

    return build_parser(
        default_database=lambda: default, default_health_file=unused, vector_file=run_vector_file()
    )


async def fill(target: Target) -> None:
    store = Store(target, voter_key=bytes(32))
    await store.open()

    async def ask(question: str, decision: str) -> None:
        await store.record_question(
            question=question, decision=decision, entry_id=None, score=0.5, guild_id=None,
            source="slash",
        )  # fmt: skip

    await ask(UNSURE, "suggest")
    await store.record_pick(question=UNSURE, source="slash", entry_id="swallow-speed")
    for _ in range(3):
        await ask("bake sourdough bread", "none")
    await ask("hello", "none")  # logged before small talk was recognised
    await store.record_vote(entry_id="owl-night-vision", user_id=7, helpful=False)
    await store.record_vote_reason(entry_id="owl-night-vision", user_id=7, reason="unclear")
    await store.close()


def suggest(target: Target, *argv: str) -> int:
    parser = parser_for(target)
    args = parser.parse_args(["--faq-dir", str(MINI_FAQ), "suggest", *argv])
    result: int = args.handler(args)
    return result


def test_suggest_prints_proposals_and_answers_voted_not_helpful_as_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "faqbot.sqlite3"
    asyncio.run(fill(database))
    assert suggest(database, "--json") == 0
    found = json.loads(capsys.readouterr().out)
    by_entry = {p["entry"]: p for p in found["proposals"]}
    # Most asked first; "hello" is small talk, so it is no proposal at all.
    assert [p["entry"] for p in found["proposals"]] == [None, "swallow-speed"]
    assert by_entry[None]["questions"] == ["bake sourdough bread"]
    assert by_entry[None]["asked"] == 3
    picked = by_entry["swallow-speed"]
    assert (picked["asked"], picked["picked"]) == (1, 1)
    # Named as typed on the command line: here, relative to the working directory.
    assert Path(picked["file"]).resolve() == (MINI_FAQ / "birds.yaml").resolve()
    assert picked["snippet"] == f'      - "{UNSURE}"'
    assert found["not_helpful"] == [
        {"entry": "owl-night-vision", "votes": 1, "reasons": {"unclear": 1}}
    ]


def test_suggest_says_so_when_there_is_no_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert suggest(tmp_path / "missing.sqlite3") == 1
    assert "no database at" in capsys.readouterr().err


def test_the_text_fits_a_discord_message_and_escapes_what_members_typed() -> None:
    typed = "**bold** `code` ```fence"
    proposals = [
        Proposal(
            "swallow-speed",
            (typed,),
            asked=n + 1,
            snippet=f'      - "{typed} {n}"',
            where=Insertion("birds.yaml", 12),
            new_alternates=(typed,),
        )
        for n in range(40)
    ]
    proposals.insert(0, Proposal(None, (typed,), asked=99))
    disliked = [EntryFeedback("owl-night-vision", 0, 2, (("unclear", 2),))]
    text = format_suggestions(Suggestions(proposals, disliked), escape=lambda s: f"<{s}>")
    assert len(text) <= MAX_MESSAGE_CHARS
    assert text.endswith("more")
    assert f"· <{typed}>" in text
    # Inside the YAML block a member's ``` cannot close it early.
    block = text.split("```yaml\n", 1)[1]
    assert "```fence" not in block.split("\n```", 1)[0]


def test_nothing_to_suggest_is_said_in_words() -> None:
    assert format_suggestions(Suggestions([], [])).startswith("Nothing to suggest")
