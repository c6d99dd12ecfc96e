"""``faqbot backup``: a consistent copy of the SQLite database, taken while it is written."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from support.phrase_vectors import run_vector_file

from bot.cli import build_parser
from bot.storage import Store
from bot.storage.backend import Target


def backup(database: Target, *argv: str) -> int:
    def unused() -> Path:
        raise AssertionError("backup asked for the heartbeat file")

    parser = build_parser(
        default_database=lambda: database, default_health_file=unused, vector_file=run_vector_file()
    )
    args = parser.parse_args(["backup", *argv])
    result: int = args.handler(args)
    return result


async def ask(store: Store, n: int) -> bool:
    return await store.record_question(
        question=f"q{n}", decision="none", entry_id=None, score=0.0, guild_id=None, source="chat"
    )


async def test_a_copy_taken_while_the_bot_writes_holds_every_row_written_before_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database, copy = tmp_path / "faqbot.sqlite3", tmp_path / "backup" / "copy.sqlite3"
    copy.parent.mkdir()
    store = Store(database)
    await store.open()
    assert all(await asyncio.gather(*(ask(store, n) for n in range(300))))
    assert await store.record_vote(entry_id="asean", user_id=1, helpful=True)
    # The store still has the database open, its latest pages in the WAL file.
    assert (tmp_path / "faqbot.sqlite3-wal").stat().st_size > 0
    assert await asyncio.to_thread(backup, database, str(copy)) == 0
    assert all(await asyncio.gather(*(ask(store, n) for n in range(300, 310))))
    await store.close()
    with sqlite3.connect(copy) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert connection.execute("SELECT count(*) FROM questions").fetchone() == (300,)
        assert connection.execute("SELECT count(*) FROM votes").fetchone() == (1,)
    connection.close()
    assert "300 questions, 1 votes" in capsys.readouterr().out


def test_an_existing_file_is_never_overwritten(tmp_path: Path) -> None:
    database, copy = tmp_path / "faqbot.sqlite3", tmp_path / "copy.sqlite3"
    sqlite3.connect(database).close()
    copy.write_text("precious\n")
    assert backup(database, str(copy)) == 1
    assert copy.read_text() == "precious\n"


def test_postgresql_is_pointed_at_pg_dump_without_its_password(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = "postgresql://bot:hunter2@db/faq"
    assert backup(url, str(tmp_path / "dump")) == 1
    err = capsys.readouterr().err
    assert "pg_dump --format=custom" in err
    assert "hunter2" not in err
    assert not (tmp_path / "dump").exists()
