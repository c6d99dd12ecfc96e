"""``faqbot migrate-store``: an SQLite history copied into PostgreSQL, once however often run."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from support.phrase_vectors import run_vector_file

from bot.cli import build_parser
from bot.storage import Store
from bot.storage.backend import Target
from bot.storage.voter_key import parse_key

USER = 987654321098765432


def faqbot(*argv: str) -> int:
    def unused() -> Path:
        raise AssertionError("the command asked for a setting it was given")

    parser = build_parser(
        default_database=unused, default_health_file=unused, vector_file=run_vector_file()
    )
    args = parser.parse_args(list(argv))
    result: int = args.handler(args)
    return result


async def fill(database: Path) -> None:
    moment = datetime.now(UTC) - timedelta(days=1)
    store = Store(database, clock=lambda: moment)
    await store.open()
    for n in range(40):
        decision, entry = ("answer", f"entry-{n % 3}") if n % 2 else ("none", None)
        await store.record_question(
            question=f"question {n % 30}",  # some asked twice, at different times
            decision=decision,
            entry_id=entry,
            score=0.5,
            guild_id=None if n % 4 else 42,
            source="slash",
        )
        moment += timedelta(seconds=1)
    for user in range(5):
        await store.record_vote(entry_id="entry-1", user_id=USER + user, helpful=user % 2 == 0)
    await store.close()


def report(database: Target, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    assert faqbot("report", "--json", "--database", str(database)) == 0
    figures: dict[str, object] = json.loads(capsys.readouterr().out)
    return {key: value for key, value in figures.items() if key != "since"}


def test_a_history_is_copied_once_and_reports_the_same_on_postgresql(
    tmp_path: Path, postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "faqbot.sqlite3"
    asyncio.run(fill(database))
    before = report(database, capsys)

    assert faqbot("migrate-store", "--from", str(database), "--to", postgres_url) == 0
    first = capsys.readouterr().out
    assert "copied 40 of 40 questions and 5 of 5 votes" in first
    assert f"FAQBOT_VOTER_KEY_FILE={tmp_path / 'voter.key'}" in first
    assert faqbot("migrate-store", "--from", str(database), "--to", postgres_url) == 0
    assert "copied 0 of 40 questions and 0 of 5 votes" in capsys.readouterr().out

    assert report(postgres_url, capsys) == before
    # With the file's voter key, a member's vote on PostgreSQL replaces the copied one.
    key = parse_key((tmp_path / "voter.key").read_text())

    async def vote_again() -> None:
        store = Store(postgres_url, voter_key=key)
        await store.open()
        assert await store.record_vote(entry_id="entry-1", user_id=USER, helpful=False)
        await store.close()

    asyncio.run(vote_again())
    with psycopg.connect(postgres_url) as db:
        # Five voters still (three helpful before, member 0 now not): replaced, not added.
        assert db.execute("SELECT count(*), sum(helpful) FROM votes").fetchone() == (5, 2)


def test_only_sqlite_to_postgresql_is_offered(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = "postgresql://bot@db/faq"
    assert faqbot("migrate-store", "--from", url, "--to", str(tmp_path / "x.sqlite3")) == 1
    assert "--from must be an SQLite file and --to a postgresql:// URL" in capsys.readouterr().err
    assert faqbot("migrate-store", "--from", str(tmp_path / "missing.sqlite3"), "--to", url) == 1
    assert "no database at" in capsys.readouterr().err
