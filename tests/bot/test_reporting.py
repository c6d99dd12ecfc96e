"""The report command and the text the admin views show, over real databases."""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from support.phrase_vectors import run_vector_file

from bot.cli import build_parser
from bot.reporting import (
    CSV_HEADER,
    MAX_MESSAGE_CHARS,
    format_stats,
    format_unanswered,
)
from bot.storage import EntryFeedback, Stats, Store, UnansweredGroup
from bot.storage.backend import Target
from knowledge.matching import THRESHOLDS


def parser_for(default: Target) -> argparse.ArgumentParser:
    """The faqbot parser, with ``default`` as the database the settings would name."""

    def unused() -> Path:
        raise AssertionError("the report command asked for the heartbeat file")

    return build_parser(
        default_database=lambda: default, default_health_file=unused, vector_file=run_vector_file()
    )


def run(parser: argparse.ArgumentParser, *argv: str) -> int:
    args = parser.parse_args(["report", *argv])
    result: int = args.handler(args)
    return result


async def fill(path: Target) -> None:
    """Recent questions a day ago, and one 40 days ago that only a longer period includes."""
    now = datetime.now(UTC)
    moment = now - timedelta(days=1)
    store = Store(path, clock=lambda: moment, voter_key=bytes(32))
    await store.open()

    async def ask(
        question: str, decision: str = "none", entry: str | None = None, score: float = 0.5
    ) -> None:
        await store.record_question(
            question=question,
            decision=decision,
            entry_id=entry,
            score=score,
            guild_id=None,
            source="chat",
        )

    # jpcert's answer scored under the low-score line (0.65), the asean ones over it.
    for entry, score in (("asean", 0.9), ("asean", 0.8), ("jpcert", 0.6)):
        await ask(f"about {entry}", "answer", entry, score)
    await ask("something close", "suggest")
    for question in ("is tsubame dead", "is TSUBAME dead?", "tsubame dead??"):
        await ask(question)
    await ask('a question, with "quotes"')
    await store.record_vote(entry_id="asean", user_id=1, helpful=True)
    await store.record_vote(entry_id="asean", user_id=2, helpful=False)
    await store.record_vote_reason(entry_id="asean", user_id=2, reason="out of date")
    moment = now - timedelta(days=40)
    await ask("an old unanswered question")
    await store.close()


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "faqbot.db"
    asyncio.run(fill(path))
    return path


def test_text_report(database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(parser_for(database)) == 0
    out = capsys.readouterr().out
    assert "Questions since" in out
    assert "answered        3   37.5%" in out
    assert "unanswered      4   50.0%" in out
    assert "     2  asean" in out
    assert "    1 / 1     asean" in out
    assert "why: out of date 1" in out
    assert "Answered with a low score (under 0.65):\n       1  jpcert" in out
    assert "    3× is " in out
    assert "also: tsubame dead??" in out
    assert "old unanswered" not in out


def test_days_and_database_options(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    parser = parser_for(tmp_path / "not-this-one.db")
    assert run(parser, "--database", str(database), "--days", "60", "--limit", "1") == 0
    out = capsys.readouterr().out
    assert "unanswered      5" in out
    assert "3× is " in out
    assert "old unanswered" not in out  # --limit 1 keeps only the biggest group


def test_csv_report(database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(parser_for(database), "--csv") == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert tuple(rows[0]) == CSV_HEADER
    stats = {name: value for section, name, value, _ in rows[1:] if section == "stats"}
    assert stats["days"] == "30"
    assert (stats["questions"], stats["answered"], stats["unanswered"]) == ("8", "3", "4")
    assert stats["answer_rate"] == "0.3750"
    assert ["top_entry", "asean", "2", ""] in rows
    assert ["feedback", "asean", "1", "1"] in rows
    assert ["complaint", "asean", "1", "out of date"] in rows
    assert ["low_score", "jpcert", "1", "0.65"] in rows
    unanswered = [row for row in rows if row[0] == "unanswered"]
    assert unanswered[0][2:] == ["3", "tsubame dead??"]
    assert ["unanswered", 'a question, with "quotes"', "1", ""] in rows


def test_json_report_is_one_object_with_the_documented_figures(
    new_target: Callable[[], Target], capsys: pytest.CaptureFixture[str]
) -> None:
    target = new_target()
    asyncio.run(fill(target))
    assert run(parser_for(target), "--json", "--days", "30") == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    report = json.loads(out)
    assert {key: report[key] for key in ("days", "questions", "answered", "suggested")} == {
        "days": 30,
        "questions": 8,
        "answered": 3,
        "suggested": 1,
    }
    assert (report["not_covered"], report["not_covered_rate"]) == (4, 0.5)
    assert (report["votes_up"], report["votes_down"]) == (1, 1)
    assert report["top_entries"] == [{"id": "asean", "count": 2}, {"id": "jpcert", "count": 1}]
    assert report["low_score_answers"] == [{"id": "jpcert", "count": 1}]
    assert report["low_score_below"] == THRESHOLDS.review_below
    assert report["auto_answers"] == {
        "given": 0, "deleted": 0, "missed": 0, "helpful": 0, "not_helpful": 0
    }  # fmt: skip
    assert report["feedback"] == [
        {"id": "asean", "helpful": 1, "not_helpful": 1, "reasons": {"out of date": 1}}
    ]
    tsubame, quotes = report["unanswered"]
    assert (tsubame["count"], tsubame["variants"]) == (3, ["tsubame dead??"])
    assert quotes == {"question": 'a question, with "quotes"', "count": 1, "variants": []}
    # The documented keys are all there, and only those (README, faqbot report --help).
    assert set(report) == {
        "since", "days", "questions", "answered", "suggested", "not_covered", "answer_rate",
        "suggest_rate", "not_covered_rate", "votes_up", "votes_down", "top_entries",
        "feedback", "auto_answers", "low_score_below", "low_score_answers", "unanswered",
    }  # fmt: skip


def test_help_documents_every_json_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parser_for(tmp_path / "x.db").parse_args(["report", "--help"])
    help_text = capsys.readouterr().out
    keys = ("not_covered", "votes_up", "votes_down", "top_entries", "low_score_answers")
    for key in (*keys, "unanswered"):
        assert key in help_text.split("--json the report", 1)[1]


def test_csv_and_json_together_are_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as raised:
        parser_for(tmp_path / "x.db").parse_args(["report", "--csv", "--json"])
    assert raised.value.code == 2


def test_missing_database_exits_1_without_creating_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.db"
    assert run(parser_for(missing)) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "no database at" in err
    assert not missing.exists()


def test_unreadable_database_exits_1_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(b"not a database at all\n" * 100)
    assert run(parser_for(corrupt)) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert "faqbot report: cannot read" in captured.err


def test_report_leaves_the_database_unchanged(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with sqlite3.connect(database) as connection:
        connection.execute("PRAGMA user_version = 1")
    connection.close()
    assert run(parser_for(database)) == 1
    assert "cannot be upgraded" in capsys.readouterr().err
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA user_version").fetchone() == (1,)
    connection.close()


def test_days_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        parser_for(tmp_path / "x.db").parse_args(["report", "--days", "0"])


def test_help_documents_the_csv_layout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parser_for(tmp_path / "x.db").parse_args(["report", "--help"])
    assert "section,name,value,detail" in capsys.readouterr().out


def test_empty_period_reads_plainly() -> None:
    stats = Stats(datetime(2025, 1, 1, tzinfo=UTC), 0, 0, 0, 0, [], [])
    text = format_stats(stats)
    assert "Questions since 2025-01-01 00:00 UTC: 0" in text
    assert "0.0%" in text
    assert "(none)" in text
    assert "(no votes)" in text
    assert format_unanswered([]) == "No unanswered questions in this period."


def test_long_lists_fit_a_discord_message() -> None:
    feedback = [EntryFeedback(f"entry-{n:03d}-" + "x" * 60, n, 1) for n in range(300)]
    top = [(f"entry-{n}-" + "y" * 200, 10) for n in range(10)]
    text = format_stats(Stats(datetime(2025, 1, 1, tzinfo=UTC), 9, 9, 0, 0, top, feedback))
    assert len(text) <= MAX_MESSAGE_CHARS
    shown = sum(" / " in line and "entry-" in line for line in text.splitlines())
    assert text.endswith(f"… and {300 - shown} more")

    groups = [UnansweredGroup("q" * 500, 100 - n, ["v" * 500] * 5) for n in range(50)]
    text = format_unanswered(groups)
    assert len(text) <= MAX_MESSAGE_CHARS
    shown = text.count("× ")
    assert shown >= 1
    assert text.endswith(f"… and {50 - shown} more")


def test_everything_is_shown_when_there_is_room() -> None:
    groups = [UnansweredGroup(f"question {n}", 1, []) for n in range(3)]
    assert "more" not in format_unanswered(groups)
    many = [UnansweredGroup("q" * 100, 1, []) for _ in range(100)]
    assert "more" not in format_unanswered(many, max_chars=None)


def test_small_talk_logged_as_unanswered_is_left_out_of_the_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async def log_old_rows(path: Path) -> None:
        # Rows like those of a bot from before small talk was recognised.
        store = Store(path, voter_key=bytes(32))
        await store.open()
        for question in ("hello", "hi", "thanks!", "is tsubame dead"):
            await store.record_question(
                question=question, decision="none", entry_id=None, score=0.0, guild_id=None,
                source="slash",
            )  # fmt: skip
        await store.close()

    path = tmp_path / "faqbot.db"
    asyncio.run(log_old_rows(path))
    assert run(parser_for(path), "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert [g["question"] for g in report["unanswered"]] == ["is tsubame dead"]
    assert report["not_covered"] == 4  # the figures still count every row
