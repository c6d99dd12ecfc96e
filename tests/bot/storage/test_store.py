"""The store against a real SQLite file and a real PostgreSQL server: what it keeps, what it
forgets, and how it fails. Every test that is not about one backend's own machinery (SQLite's
file, its lock, its pragmas) runs on both, through the ``target`` fixture."""

# ruff: noqa: ASYNC240 -- tests prepare and inspect files directly; blocking their loop is harmless

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from bot.storage import SCHEMA_VERSION, AutoAnswerFigures, EntryFeedback, StorageError, Store
from bot.storage.backend import Target
from bot.storage.postgres import PURGE_LOCK
from bot.storage.sqlite import retry_while_busy

ROOT = Path(__file__).resolve().parents[3]
START = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
USER = 987654321098765432
# The voter key as FAQBOT_VOTER_KEY gives it; a PostgreSQL store must be given one.
KEY = bytes(range(32))
OTHER_USER = 123456789012345678


class Clock:
    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """For the tests of SQLite's own machinery: its file, its lock, its pragmas."""
    return tmp_path / "state" / "nested" / "faqbot.db"


@pytest.fixture
async def sqlite_store(db_path: Path, clock: Clock) -> AsyncIterator[Store]:
    store = Store(db_path, clock=clock)
    await store.open()
    yield store
    await store.close()


@pytest.fixture
def target(new_target: Callable[[], Target]) -> Target:
    return new_target()


@pytest.fixture
async def store(target: Target, clock: Clock) -> AsyncIterator[Store]:
    store = Store(target, voter_key=KEY, clock=clock)
    await store.open()
    yield store
    await store.close()


async def ask(
    store: Store,
    question: str,
    decision: str = "none",
    entry_id: str | None = None,
    *,
    source: str = "slash",
) -> bool:
    return await store.record_question(
        question=question,
        decision=decision,
        entry_id=entry_id,
        score=0.5,
        guild_id=42,
        source=source,
    )


def query(target: Target, sql: str) -> list[tuple[object, ...]]:
    """Rows of ``sql``, read straight from the database, not through the store."""
    if isinstance(target, str):
        with psycopg.connect(target) as server:
            return [tuple(row) for row in server.execute(sql).fetchall()]
    with sqlite3.connect(target) as connection:
        rows: list[tuple[object, ...]] = connection.execute(sql).fetchall()
    connection.close()
    return rows


def execute_many(target: Target, sql: str, rows: Sequence[tuple[object, ...]]) -> None:
    """``sql`` (with ``?`` placeholders) for each row, in one transaction, behind the store."""
    if isinstance(target, str):
        with psycopg.connect(target) as server:
            server.cursor().executemany(sql.replace("?", "%s"), rows)
        return
    with sqlite3.connect(target) as connection:
        connection.executemany(sql, rows)
    connection.close()


def schema_version(target: Target) -> int:
    if isinstance(target, str):
        [(version,)] = query(target, "SELECT version FROM schema_version")
    else:
        [(version,)] = query(target, "PRAGMA user_version")
    assert isinstance(version, int)
    return version


def set_schema_version(target: Target, version: int) -> None:
    """Mark a new database as written by a faqbot of schema ``version``."""
    if isinstance(target, str):
        with psycopg.connect(target) as server:
            server.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
            server.execute("INSERT INTO schema_version VALUES (%s)", (version,))
        return
    target.parent.mkdir(parents=True)
    with sqlite3.connect(target) as connection:
        connection.execute(f"PRAGMA user_version = {version:d}")
    connection.close()


def everything_stored(target: Target) -> bytes:
    """All that the database holds, as bytes: the SQLite files, or every row as text."""
    if isinstance(target, Path):
        return b"".join(p.read_bytes() for p in target.parent.iterdir() if p.is_file())
    tables = [
        t for (t,) in query(target, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    ]
    assert {"meta", "questions", "votes"} <= set(tables)
    return b"".join(
        str(row).encode() for table in tables for row in query(target, f"SELECT * FROM {table}")
    )


def storage_records(caplog: pytest.LogCaptureFixture, text: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "bot.storage" and text in r.getMessage()]


# Creation and migration


async def test_a_new_database_is_created_at_the_current_version(
    store: Store, target: Target
) -> None:
    assert store.healthy
    assert await store.integrity_ok()
    await store.close()
    assert schema_version(target) == SCHEMA_VERSION
    assert query(target, "SELECT count(*) FROM questions") == [(0,)]
    assert query(target, "SELECT count(*) FROM votes") == [(0,)]
    # The voter key is kept outside the database (test_voter_key.py).
    assert query(target, "SELECT count(*) FROM meta WHERE key = 'voter_salt'") == [(0,)]


async def test_a_new_file_is_created_with_its_parents_in_wal_mode(
    sqlite_store: Store, db_path: Path
) -> None:
    assert sqlite_store.healthy
    await sqlite_store.close()
    assert db_path.is_file()
    assert query(db_path, "PRAGMA journal_mode") == [("wal",)]


async def test_version_1_file_is_upgraded_and_keeps_its_questions(
    db_path: Path, clock: Clock
) -> None:
    # Written out here rather than taken from the migrations: this is what version 1 shipped.
    db_path.parent.mkdir(parents=True)
    with sqlite3.connect(db_path) as connection:
        connection.executescript(
            """
            CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE questions (
                id INTEGER PRIMARY KEY,
                asked_at REAL NOT NULL,
                question TEXT NOT NULL,
                decision TEXT NOT NULL CHECK (decision IN ('answer', 'suggest', 'none')),
                entry_id TEXT,
                score REAL NOT NULL,
                guild_id INTEGER,
                source TEXT NOT NULL CHECK (source IN ('slash', 'mention', 'chat'))
            );
            CREATE INDEX questions_by_time ON questions (asked_at);
            PRAGMA user_version = 1;
            """
        )
        connection.execute(
            "INSERT INTO questions (asked_at, question, decision, entry_id, score, guild_id,"
            " source) VALUES (?, 'what is jpcert', 'answer', 'jpcert', 0.9, NULL, 'chat')",
            (START.timestamp(),),
        )
    connection.close()

    store = Store(db_path, clock=clock)
    await store.open()
    assert store.healthy
    stats = await store.stats(since=START - timedelta(days=1))
    assert (stats.questions, stats.top_entries) == (1, [("jpcert", 1)])
    assert await store.record_vote(entry_id="jpcert", user_id=USER, helpful=True)
    await store.close()
    assert query(db_path, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    assert query(db_path, "SELECT count(*) FROM votes") == [(1,)]


async def test_a_database_from_a_newer_faqbot_is_left_untouched(
    target: Target, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    set_schema_version(target, SCHEMA_VERSION + 1)

    store = Store(target, voter_key=KEY, clock=clock)
    await store.open()
    assert not store.healthy
    assert not await ask(store, "anything")
    with pytest.raises(StorageError, match="newer than this faqbot supports"):
        await store.stats(since=START)
    await store.close()
    assert schema_version(target) == SCHEMA_VERSION + 1
    [refused] = storage_records(caplog, "not recording questions or votes")
    assert f"schema version {SCHEMA_VERSION + 1} is newer" in refused.getMessage()
    assert "\n" not in refused.getMessage()


# The question log


async def test_stats_count_decisions_and_rates_within_the_period(
    store: Store, clock: Clock
) -> None:
    await ask(store, "an old answered question", "answer", "old-entry")
    clock.advance(days=10)
    since = clock()
    for entry in ("asean", "asean", "jpcert"):
        assert await ask(store, f"about {entry}", "answer", entry, source="mention")
    assert await ask(store, "maybe this", "suggest")
    assert await ask(store, "no idea", "none", source="chat")
    assert await ask(store, "still no idea", "none")

    stats = await store.stats(since=since)
    assert stats.since == since
    assert (stats.questions, stats.answered, stats.suggested, stats.unanswered) == (6, 3, 1, 2)
    assert (stats.answer_rate, stats.suggest_rate, stats.none_rate) == (3 / 6, 1 / 6, 2 / 6)
    assert stats.top_entries == [("asean", 2), ("jpcert", 1)]


async def test_rates_are_zero_with_no_questions(store: Store) -> None:
    stats = await store.stats(since=START)
    assert (stats.questions, stats.answer_rate, stats.suggest_rate, stats.none_rate) == (0, 0, 0, 0)
    assert stats.top_entries == stats.feedback == []


async def test_top_entries_are_the_ten_most_answered(store: Store) -> None:
    for n in range(12):
        for _ in range(n + 1):
            await ask(store, "q", "answer", f"entry-{n:02d}")
    stats = await store.stats(since=START)
    assert stats.top_entries == [(f"entry-{n:02d}", n + 1) for n in range(11, 1, -1)]


async def test_question_text_is_capped_at_500_characters(store: Store, target: Target) -> None:
    assert await ask(store, "x" * 10_000)
    await store.close()
    assert query(target, "SELECT length(question) FROM questions") == [(500,)]


async def test_concurrent_writes_are_all_stored(store: Store) -> None:
    results = await asyncio.gather(*(ask(store, f"question {n}") for n in range(200)))
    assert all(results)
    assert (await store.stats(since=START)).unanswered == 200


async def test_retention_purge_deletes_only_expired_questions_and_keeps_votes(
    target: Target, clock: Clock
) -> None:
    store = Store(target, voter_key=KEY, retention_days=90, clock=clock)
    await store.open()
    await ask(store, "asked on day 0")
    await store.record_vote(entry_id="asean", user_id=USER, helpful=True)
    clock.advance(days=60)
    await ask(store, "asked on day 60")
    clock.advance(days=31)

    assert await store.purge_expired() == 1
    assert await store.purge_expired() == 0
    stats = await store.stats(since=START - timedelta(days=1))
    assert stats.questions == 1
    assert stats.feedback == [EntryFeedback("asean", 1, 0)]
    [group] = await store.unanswered(since=START - timedelta(days=1))
    assert group.example == "asked on day 60"
    await store.close()


async def test_a_retention_of_zero_days_keeps_every_question(target: Target, clock: Clock) -> None:
    store = Store(target, voter_key=KEY, retention_days=0, clock=clock)
    await store.open()
    await ask(store, "asked on day 0")
    clock.advance(days=10 * 365)

    assert await store.purge_expired() == 0
    assert query(target, "SELECT question FROM questions") == [("asked on day 0",)]
    await store.close()


async def suggested(store: Store, clock: Clock, *questions: str) -> None:
    """Log each question as one that got "did you mean" choices, a second apart."""
    for question in questions:
        assert await store.record_question(
            question=question, decision="suggest", entry_id=None, score=0.5, guild_id=1,
            source="slash",
        )  # fmt: skip
        clock.advance(seconds=1)


async def test_a_declined_suggestion_turns_its_own_row_into_not_covered(
    store: Store, clock: Clock
) -> None:
    await suggested(store, clock, "tsubame status", "tsubame status", "other")
    assert await store.record_suggestion_not_covered(question="tsubame status", source="slash")
    stats = await store.stats(since=START)
    assert (stats.questions, stats.suggested, stats.unanswered) == (3, 2, 1)
    # Only suggestions of that question, from that way of asking, and only recent ones.
    assert not await store.record_suggestion_not_covered(question="never asked", source="slash")
    assert not await store.record_suggestion_not_covered(question="other", source="mention")
    clock.advance(days=2)
    assert not await store.record_suggestion_not_covered(question="other", source="slash")


async def test_a_pick_is_kept_on_its_suggestions_row_once(store: Store, clock: Clock) -> None:
    await suggested(store, clock, "tsubame status", "tsubame status", "other")
    assert await store.record_pick(question="tsubame status", source="slash", entry_id="a")
    # The second asking of it is a second suggestion, picked on its own; then none is left.
    assert await store.record_pick(question="tsubame status", source="slash", entry_id="b")
    assert not await store.record_pick(question="tsubame status", source="slash", entry_id="c")
    assert not await store.record_pick(question="other", source="mention", entry_id="a")
    rows = await store.asked(since=START)
    assert [(r.question, r.decision, r.picked_entry_id) for r in rows] == [
        ("other", "suggest", None),
        ("tsubame status", "suggest", "a"),
        ("tsubame status", "suggest", "b"),
    ]
    stats = await store.stats(since=START)
    assert (stats.questions, stats.suggested) == (3, 3)
    clock.advance(days=2)
    assert not await store.record_pick(question="other", source="slash", entry_id="a")


# Feedback votes


async def test_one_vote_per_user_per_entry_and_no_user_id_in_clear(
    store: Store, target: Target
) -> None:
    assert await store.record_vote(entry_id="asean", user_id=USER, helpful=True)
    assert await store.record_vote(entry_id="asean", user_id=USER, helpful=False)
    assert await store.record_vote(entry_id="asean", user_id=OTHER_USER, helpful=True)
    assert await store.record_vote(entry_id="jpcert", user_id=USER, helpful=True)

    stats = await store.stats(since=START)
    assert stats.feedback == [EntryFeedback("asean", 1, 1), EntryFeedback("jpcert", 1, 0)]

    await store.close()
    assert query(target, "SELECT count(*) FROM votes") == [(3,)]
    stored = everything_stored(target)
    assert str(USER).encode() not in stored
    assert str(OTHER_USER).encode() not in stored


async def test_a_not_helpful_vote_keeps_what_was_wrong_until_the_member_votes_again(
    store: Store,
) -> None:
    assert await store.record_vote(entry_id="asean", user_id=USER, helpful=False)
    assert await store.record_vote(entry_id="asean", user_id=OTHER_USER, helpful=False)
    assert await store.record_vote_reason(entry_id="asean", user_id=USER, reason="out of date")
    assert await store.record_vote_reason(
        entry_id="asean", user_id=OTHER_USER, reason="out of date"
    )
    stats = await store.stats(since=START)
    assert stats.feedback == [EntryFeedback("asean", 0, 2, (("out of date", 2),))]

    # A new vote replaces the old one and what was said about it.
    assert await store.record_vote(entry_id="asean", user_id=USER, helpful=False)
    stats = await store.stats(since=START)
    assert stats.feedback == [EntryFeedback("asean", 0, 2, (("out of date", 1),))]


async def test_a_reason_needs_the_members_own_not_helpful_vote(store: Store) -> None:
    assert await store.record_vote(entry_id="asean", user_id=USER, helpful=True)
    assert not await store.record_vote_reason(entry_id="asean", user_id=USER, reason="unclear")
    assert not await store.record_vote_reason(
        entry_id="asean", user_id=OTHER_USER, reason="unclear"
    )
    assert not await store.record_vote_reason(entry_id="jpcert", user_id=USER, reason="unclear")
    stats = await store.stats(since=START)
    assert stats.feedback == [EntryFeedback("asean", 1, 0)]


async def test_the_same_user_hashes_differently_under_two_generated_keys(
    new_target: Callable[[], Target], clock: Clock, tmp_path: Path
) -> None:
    voters = []
    for n, target in enumerate((new_target(), new_target())):
        store = Store(target, clock=clock, voter_key_file=tmp_path / f"keys-{n}" / "voter.key")
        await store.open()
        await store.record_vote(entry_id="asean", user_id=USER, helpful=True)
        await store.close()
        voters += query(target, "SELECT voter FROM votes")
    assert len(voters) == 2
    assert voters[0] != voters[1]


# Unanswered questions


async def test_near_duplicate_questions_are_one_group(store: Store) -> None:
    for question in ("is tsubame dead", "is TSUBAME dead?", "tsubame dead??"):
        await ask(store, question)
    for _ in range(2):
        await ask(store, "who runs the ASEAN-Japan cybersecurity capacity building centre")
    await ask(store, "is tsubame dead", "answer", "tsubame")  # answered, so not listed

    groups = await store.unanswered(since=START)
    assert [g.count for g in groups] == [3, 2]
    tsubame = groups[0]
    assert tsubame.example in {"is tsubame dead", "is TSUBAME dead?"}
    assert tsubame.variants == ["tsubame dead??"]
    assert groups[1].variants == []


async def test_unanswered_period_limit_and_suggestions(store: Store, clock: Clock) -> None:
    await ask(store, "an old question about cyber week")
    clock.advance(days=5)
    since = clock()
    await ask(store, "what is the cyber week")
    await ask(store, "cyber week dates")
    await ask(store, "did you mean this", "suggest")

    assert len(await store.unanswered(since=since)) == 2
    assert len(await store.unanswered(since=since, limit=1)) == 1
    with_suggest = await store.unanswered(since=since, include_suggest=True)
    assert "did you mean this" in {g.example for g in with_suggest}
    everything = await store.unanswered(since=since - timedelta(days=30))
    assert sum(g.count for g in everything) == 3


async def test_unanswered_reads_at_most_the_5000_most_recent(
    store: Store, target: Target, clock: Clock
) -> None:
    await ask(store, "the oldest question")
    await store.close()
    execute_many(
        target,
        "INSERT INTO questions (asked_at, question, decision, score, source)"
        " VALUES (?, 'is tsubame dead', 'none', 0, 'chat')",
        [((START + timedelta(seconds=n + 1)).timestamp(),) for n in range(5000)],
    )

    reopened = Store(target, voter_key=KEY, clock=clock)
    await reopened.open()
    groups = await reopened.unanswered(since=START)
    await reopened.close()
    assert [(g.example, g.count) for g in groups] == [("is tsubame dead", 5000)]


# Failures


async def test_read_only_database_drops_writes_and_logs_once_a_minute(
    target: Target, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    # Opening with SQLite's mode=ro (a read-only session in PostgreSQL) stands in for an
    # unwritable database, which chmod cannot produce when the tests run as root.
    writable = Store(target, voter_key=KEY, clock=clock)
    await writable.open()
    await ask(writable, "stored before")
    await writable.close()

    caplog.set_level(logging.INFO, logger="bot.storage")
    store = Store(target, clock=clock, read_only=True)
    await store.open()
    assert not store.healthy
    assert [await ask(store, f"dropped {n}") for n in range(3)] == [False] * 3
    assert not await store.record_vote(entry_id="asean", user_id=USER, helpful=True)
    assert await store.purge_expired() == 0
    assert len(storage_records(caplog, "not recorded")) == 1

    clock.advance(seconds=61)
    assert not await ask(store, "dropped later")
    dropped = storage_records(caplog, "not recorded")
    assert len(dropped) == 2
    assert "4 more suppressed" in dropped[1].getMessage()

    assert (await store.stats(since=START)).questions == 1
    await store.close()
    assert query(target, "SELECT count(*) FROM questions") == [(1,)]


@pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0,
    reason="root ignores file permissions; the mode=ro test covers the read-only path",
)
async def test_unwritable_file_degrades_instead_of_raising(db_path: Path, clock: Clock) -> None:
    first = Store(db_path, clock=clock)
    await first.open()
    await first.close()
    db_path.chmod(0o444)
    db_path.parent.chmod(0o555)
    try:
        store = Store(db_path, clock=clock)
        await store.open()
        assert not store.healthy
        assert not await ask(store, "dropped")
        await store.close()
    finally:
        db_path.parent.chmod(0o755)
        db_path.chmod(0o644)


async def test_corrupt_file_degrades_instead_of_raising(db_path: Path, clock: Clock) -> None:
    db_path.parent.mkdir(parents=True)
    garbage = b"this is not an SQLite database\n" * 200
    db_path.write_bytes(garbage)

    store = Store(db_path, clock=clock)
    await store.open()
    assert not store.healthy
    assert not await ask(store, "dropped")
    assert not await store.integrity_ok()
    with pytest.raises(StorageError, match="not a database"):
        await store.stats(since=START)
    await store.close()
    assert db_path.read_bytes() == garbage


async def test_failed_write_returns_false_and_the_next_good_one_recovers(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    assert not await ask(store, "a question", decision="maybe")
    assert not store.healthy
    [failed] = storage_records(caplog, "question log not recorded")
    # SQLite says "CHECK constraint failed", PostgreSQL "violates check constraint".
    assert "check constraint" in failed.getMessage().lower()
    assert await ask(store, "a question")
    assert store.healthy


async def test_calls_after_close_do_not_raise(store: Store) -> None:
    await ask(store, "before close")
    await store.close()
    await store.close()
    assert not store.healthy
    assert not await ask(store, "after close")
    assert not await store.record_vote(entry_id="asean", user_id=USER, helpful=True)
    assert await store.purge_expired() == 0
    assert not await store.integrity_ok()
    # Reads say why there is nothing to show, as they do for a degraded store.
    with pytest.raises(StorageError, match="closed"):
        await store.stats(since=START)


async def test_calls_before_open_do_not_raise(target: Target) -> None:
    store = Store(target, voter_key=KEY)
    assert not store.healthy
    assert not await ask(store, "too early")
    await store.close()
    if isinstance(target, Path):
        assert not target.exists()
    else:
        assert query(target, "SELECT to_regclass('questions')") == [(None,)]


def test_acknowledged_writes_survive_sigkill(target: Target) -> None:
    script = textwrap.dedent(
        """
        import asyncio, os, signal, sys
        from pathlib import Path
        from bot.storage import Store

        async def main() -> None:
            store = Store(sys.argv[1], voter_key=bytes(32))
            await store.open()
            for n in range(50):
                assert await store.record_question(
                    question=f"q{n}", decision="none", entry_id=None, score=0.0,
                    guild_id=None, source="chat",
                )
            assert await store.record_vote(entry_id="asean", user_id=1, helpful=True)
            os.kill(os.getpid(), signal.SIGKILL)

        asyncio.run(main())
        """
    )
    run = subprocess.run(
        [sys.executable, "-c", script, str(target)], cwd=ROOT, capture_output=True, check=False
    )
    assert run.returncode == -signal.SIGKILL, run.stderr.decode()
    assert query(target, "SELECT count(*) FROM questions") == [(50,)]
    assert query(target, "SELECT count(*) FROM votes") == [(1,)]


def _open_after(barrier: Any, target: Target, results: Any) -> None:
    """In a child process: open a store on ``target`` with the others, then write to it."""

    async def main() -> tuple[bool, bool]:
        store = Store(target, voter_key=KEY)
        barrier.wait()
        await store.open()
        try:
            recorded = await ask(store, "opened at the same moment")
            return store.healthy, recorded
        finally:
            await store.close()

    results.put(asyncio.run(main()))


@pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="needs fork to be quick"
)
def test_two_processes_creating_a_new_database_at_once_both_store(
    new_target: Callable[[], Target],
) -> None:
    # Switching a new file to WAL takes a lock without waiting on the busy timeout, so one of
    # two processes opening a fresh file at the same moment used to find it "locked" (in about
    # one trial in ten) and run without storage for its whole life. In PostgreSQL the two
    # migrate under one advisory lock: the second finds the tables made by the first.
    context = multiprocessing.get_context("fork")
    # The SQLite race struck about one trial in ten, so 50 trials miss it once in 190 runs.
    # PostgreSQL's migrations wait on a lock, not luck: fewer trials show that it holds.
    trials = 50 if isinstance(new_target(), Path) else 15
    processes = 2
    outcomes: list[tuple[bool, bool]] = []
    for _trial in range(trials):
        path = new_target()
        barrier, results = context.Barrier(processes), context.Queue()
        children = [
            context.Process(target=_open_after, args=(barrier, path, results))
            for _ in range(processes)
        ]
        for child in children:
            child.start()
        outcomes += [results.get(timeout=30) for _ in children]
        for child in children:
            child.join(timeout=30)
            assert child.exitcode == 0
        assert query(path, "SELECT count(*) FROM questions") == [(processes,)]
    degraded = [o for o in outcomes if o != (True, True)]
    assert degraded == [], f"{len(degraded)} of {len(outcomes)} opens ran without storage"


def test_a_lock_is_waited_for_up_to_the_busy_timeout_and_other_errors_are_not(
    tmp_path: Path,
) -> None:
    now = [0.0]
    attempts: list[float] = []
    holder = sqlite3.connect(tmp_path / "locked.sqlite3", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    waiter = sqlite3.connect(tmp_path / "locked.sqlite3", isolation_level=None, timeout=0)

    def locked() -> None:
        attempts.append(now[0])
        waiter.execute("SELECT count(*) FROM sqlite_master")

    def sleep(seconds: float) -> None:
        now[0] += seconds

    with pytest.raises(sqlite3.OperationalError, match="locked"):
        retry_while_busy(locked, within=1.0, clock=lambda: now[0], sleep=sleep)
    assert len(attempts) > 5
    assert attempts[-1] <= 1.0
    holder.close()

    def broken() -> None:
        attempts.append(now[0])
        waiter.execute("SELECT * FROM questions")

    attempts.clear()
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        retry_while_busy(broken, within=1.0, clock=lambda: now[0], sleep=sleep)
    assert len(attempts) == 1
    waiter.close()


# Many processes on one database


def _write_as_shard(barrier: Any, target: Target, shard: int, results: Any) -> None:
    """In a child process: a shard's store writing questions and votes all at once."""

    async def main() -> tuple[int, int]:
        store = Store(target, voter_key=KEY)
        await store.open()
        barrier.wait()
        try:
            questions = await asyncio.gather(
                *(ask(store, f"shard {shard} question {n}") for n in range(150))
            )
            voters = range(shard * 1000, shard * 1000 + 60)
            votes = await asyncio.gather(
                *(store.record_vote(entry_id="asean", user_id=v, helpful=True) for v in voters)
            )
            return sum(questions), sum(votes)
        finally:
            await store.close()

    results.put((shard, asyncio.run(main())))


@pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="needs fork to be quick"
)
def test_two_shard_processes_writing_at_once_keep_every_acknowledged_row(
    target: Target,
) -> None:
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(2), context.Queue()
    children = [
        context.Process(target=_write_as_shard, args=(barrier, target, shard, results))
        for shard in (0, 1)
    ]
    for child in children:
        child.start()
    acknowledged = dict(results.get(timeout=60) for _ in children)
    for child in children:
        child.join(timeout=30)
        assert child.exitcode == 0
    assert acknowledged == {0: (150, 60), 1: (150, 60)}
    for shard in (0, 1):
        [(count,)] = query(
            target, f"SELECT count(*) FROM questions WHERE question LIKE 'shard {shard} %'"
        )
        assert count == 150
    assert query(target, "SELECT count(*) FROM votes") == [(120,)]


async def test_the_postgresql_retention_purge_runs_in_one_process_at_a_time(
    postgres_url: str, clock: Clock
) -> None:
    target = postgres_url
    store = Store(target, voter_key=KEY, retention_days=1, clock=clock)
    await store.open()
    await ask(store, "expired by the time of the purge")
    clock.advance(days=2)
    # Another shard, somewhere, is purging: it holds the purge lock in its transaction.
    with psycopg.connect(target) as other, other.transaction():
        other.execute("SELECT pg_advisory_xact_lock(%s)", (PURGE_LOCK,))
        assert await store.purge_expired() == 0
        assert store.healthy
    assert await store.purge_expired() == 1
    await store.close()


# Batched writes (bot/storage/batching.py)


async def test_concurrent_writes_share_transactions_on_postgresql(
    postgres_url: str, clock: Clock
) -> None:
    store = Store(postgres_url, voter_key=KEY, clock=clock)
    await store.open()
    assert all(await asyncio.gather(*(ask(store, f"question {n}") for n in range(300))))
    await store.close()
    # xmin is the transaction that wrote each row: far fewer transactions than rows.
    [(transactions,)] = query(postgres_url, "SELECT count(DISTINCT xmin::text) FROM questions")
    assert isinstance(transactions, int)
    assert transactions <= 300 // 10


async def test_a_bad_row_in_a_batch_fails_alone(store: Store, target: Target) -> None:
    outcomes = await asyncio.gather(
        *(ask(store, f"good {n}") for n in range(10)),
        ask(store, "bad", decision="maybe"),
        *(ask(store, f"good {n}") for n in range(10, 20)),
    )
    assert outcomes == [True] * 10 + [False] + [True] * 10
    assert query(target, "SELECT count(*) FROM questions") == [(20,)]


async def test_a_write_is_acknowledged_only_once_its_transaction_has_committed(
    store: Store, target: Target
) -> None:
    if isinstance(target, str):
        blocker: Any = psycopg.connect(target)
        blocker.execute("LOCK TABLE questions IN EXCLUSIVE MODE")
    else:
        blocker = sqlite3.connect(target, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
    try:
        pending = asyncio.ensure_future(asyncio.gather(*(ask(store, f"q{n}") for n in range(5))))
        await asyncio.sleep(0.5)
        assert not pending.done(), "acknowledged while the database could not have committed"
    finally:
        blocker.rollback() if isinstance(target, str) else blocker.execute("ROLLBACK")
        blocker.close()
    assert await pending == [True] * 5
    assert query(target, "SELECT count(*) FROM questions") == [(5,)]


async def test_close_commits_the_writes_already_accepted(store: Store, target: Target) -> None:
    writes = [asyncio.ensure_future(ask(store, f"q{n}")) for n in range(50)]
    await asyncio.sleep(0)  # each write has been submitted
    await store.close()
    assert all([await write for write in writes])
    assert query(target, "SELECT count(*) FROM questions") == [(50,)]


# Health


async def test_storage_is_healthy_only_while_a_write_was_accepted_lately(
    store: Store, clock: Clock
) -> None:
    within = timedelta(seconds=30)
    assert store.storage_health(within) == (False, "no write accepted yet")
    assert await store.probe()
    assert store.storage_health(within) == (True, "last write accepted 0 s ago")
    clock.advance(seconds=31)
    assert store.storage_health(within) == (False, "no write accepted for 31 s")
    assert await ask(store, "a question is a write too")
    assert store.storage_health(within)[0]
    await store.close()
    ok, why = store.storage_health(within)
    assert (ok, why) == (False, "not recording questions or votes: the store is closed")


async def test_a_read_sees_the_writes_submitted_before_it(store: Store) -> None:
    writing = asyncio.ensure_future(ask(store, "just asked"))
    await asyncio.sleep(0)  # submitted, waiting in the batch's window
    assert (await store.stats(since=START)).questions == 1
    assert await writing


# Operator accidents on an SQLite file


@pytest.mark.parametrize("accident", ["removed", "replaced"])
async def test_a_file_removed_or_replaced_under_the_store_stops_acknowledging(
    sqlite_store: Store, db_path: Path, caplog: pytest.LogCaptureFixture, accident: str
) -> None:
    assert await ask(sqlite_store, "before the accident")
    if accident == "removed":
        db_path.unlink()
    else:
        other = db_path.with_name("other.db")
        sqlite3.connect(other).close()
        other.replace(db_path)
    assert [await ask(sqlite_store, f"after {n}") for n in range(5)] == [False] * 5
    assert not await sqlite_store.record_vote(entry_id="asean", user_id=USER, helpful=True)
    assert not sqlite_store.healthy
    [logged] = storage_records(caplog, "not recorded")
    assert f"the database file {db_path} was {accident} while in use" in logged.getMessage()


async def test_the_wal_is_checkpointed_so_the_file_alone_holds_acknowledged_rows(
    db_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from bot.storage import sqlite as sqlite_backend

    monkeypatch.setattr(sqlite_backend.SqliteDatabase, "checkpoint_every", 0.0)
    store = Store(db_path, clock=clock)
    await store.open()
    assert all(await asyncio.gather(*(ask(store, f"q{n}") for n in range(50))))
    # The main file alone, as a copy without its -wal would be, while the store still runs.
    alone = tmp_path / "alone.db"
    alone.write_bytes(db_path.read_bytes())
    assert query(alone, "SELECT count(*) FROM questions") == [(50,)]
    await store.close()


async def test_auto_answer_channels_and_answers_are_kept_and_counted(store: Store) -> None:
    assert await store.set_auto_answer(channel_id=11, guild_id=1, on=True)
    assert not await store.set_auto_answer(channel_id=11, guild_id=1, on=True)  # already on
    assert await store.set_auto_answer(channel_id=12, guild_id=1, on=True)
    assert await store.set_auto_answer(channel_id=12, guild_id=1, on=False)
    assert await store.auto_answer_channels() == [(11, 1)]
    for message_id in (101, 102, 103):
        assert await store.record_auto_answer(message_id=message_id, entry_id="a", score=0.9)
    assert await store.record_auto_answer_event(message_id=101, event="helpful")
    assert await store.record_auto_answer_event(message_id=101, event="not helpful")
    assert await store.record_auto_answer_event(message_id=102, event="missed")
    # The first removal stands; a message that is no auto-answer changes nothing.
    assert not await store.record_auto_answer_event(message_id=102, event="deleted")
    assert await store.record_auto_answer_event(message_id=103, event="deleted")
    assert not await store.record_auto_answer_event(message_id=999, event="helpful")
    auto = (await store.stats(since=START)).auto_answers
    assert auto == AutoAnswerFigures(given=3, deleted=1, missed=1, helpful=1, not_helpful=1)
