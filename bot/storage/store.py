"""The store the bot writes to while it answers, and the admin views read from.

Every database call runs on the store's worker threads: the event loop never waits on the
disk or the network. SQLite gets one thread, which owns its connection, so the bot's writes
never contend for the file's lock; PostgreSQL gets as many as its pool has connections.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar

from bot.storage.backend import (
    Database,
    Opened,
    Target,
    Writer,
    describe,
    display,
    is_postgres_url,
    open_database,
)
from bot.storage.batching import WriteBatcher
from bot.storage.model import (
    DECISIONS,
    AskedQuestion,
    Stats,
    StorageError,
    as_utc,
    utcnow,
)
from bot.storage.voter_key import KEY_FILE_NAME, VoterKeySource
from knowledge.grouping import UnansweredGroup, group_questions
from knowledge.matching import THRESHOLDS
from knowledge.text import MAX_INPUT_CHARS, printable

T = TypeVar("T")

logger = logging.getLogger("bot.storage")

# The unanswered view reads no more than this many recent questions, bounding its cost.
MAX_UNANSWERED_ROWS = 5000
LOG_INTERVAL = timedelta(minutes=1)


class _ThrottledLog:
    """At most one line a minute, so a full disk doesn't turn every question into a log line."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self._clock = clock
        self._last: datetime | None = None
        self._suppressed = 0

    def log(self, level: int, message: str) -> None:
        now = self._clock()
        # A clock that went backwards counts as time passed, or logging would stop until it
        # caught up again.
        if self._last is not None and timedelta(0) <= now - self._last < LOG_INTERVAL:
            self._suppressed += 1
            return
        if self._suppressed:
            message += f" ({self._suppressed} more suppressed since the last such message)"
        logger.log(level, "%s", message)
        self._last, self._suppressed = now, 0


class Store:
    """The question log and feedback votes, in an SQLite file or a PostgreSQL database.

    ``target`` is a file path, or a ``postgresql://`` URL (see bot/storage/backend.py).
    Voter ids are hashed under ``voter_key``, else the key in ``voter_key_file`` (created on
    first open); an SQLite store given neither keeps that file beside the database, while a
    PostgreSQL store must be told, since every process sharing the database needs the same
    key (bot/storage/voter_key.py).

    Writes never raise: a failure is logged (at most once a minute) and reported as False or
    0, so the bot keeps answering with a broken disk. Reads raise StorageError, because the
    admin who asked for figures should see why there are none. A file that is read-only,
    corrupt or from a newer faqbot leaves the store degraded (``healthy`` is False) rather than
    failing ``open()``. ``read_only=True`` never writes to the file, as the report command
    wants; it exists for inspection, so its writes are dropped like a degraded store's.
    """

    def __init__(
        self,
        target: Target,
        *,
        retention_days: int = 90,
        clock: Callable[[], datetime] = utcnow,
        read_only: bool = False,
        voter_key: bytes | None = None,
        voter_key_file: Path | None = None,
    ) -> None:
        if retention_days < 0:
            raise ValueError("retention_days must be 0 (keep forever) or more")
        # A URL stays a string: Path() would fold its "//".
        self.target: Target = target if is_postgres_url(target) else Path(target)
        # How messages name it: never with a password.
        self.name = display(self.target)
        if voter_key is None and voter_key_file is None and isinstance(self.target, Path):
            voter_key_file = self.target.parent / KEY_FILE_NAME
        if voter_key is None and voter_key_file is None and not read_only:
            raise ValueError("a PostgreSQL store needs voter_key or voter_key_file")
        self._keys = None if read_only else VoterKeySource(key=voter_key, file=voter_key_file)
        # 0 is the usual "never expire": no retention period, so nothing is ever purged.
        self.retention = timedelta(days=retention_days) if retention_days else None
        self._clock = clock
        self._read_only = read_only
        self._executor: ThreadPoolExecutor | None = None
        self._batcher: WriteBatcher | None = None
        self._closed = False
        self._opened = Opened(None, False, "the store is not open")
        self._last_write_ok = True
        self._last_written: datetime | None = None  # when the database last accepted a write
        self._last_failure = ""
        self._errors = _ThrottledLog(clock)

    @property
    def healthy(self) -> bool:
        """True while questions and votes are being stored."""
        return not self._closed and self._opened.writable and self._last_write_ok

    def storage_health(self, within: timedelta) -> tuple[bool, str]:
        """Whether the database accepted a write ``within`` the last while, and in words.

        ``healthy`` says the last write worked; this also catches a database that is gone
        while nothing is written, given a write as often as ``within`` (``probe()``).
        """
        unavailable = self._unavailable(writing=True)
        if unavailable:
            return False, f"not recording questions or votes: {unavailable}"
        if self._last_written is None:
            return False, "no write accepted yet"
        age = (self._clock() - self._last_written).total_seconds()
        if not self._last_write_ok or age > within.total_seconds():
            why = f" (last failure: {self._last_failure})" if self._last_failure else ""
            return False, f"no write accepted for {age:.0f} s{why}"
        return True, f"last write accepted {age:.0f} s ago"

    async def probe(self) -> bool:
        """One small write (the time, in meta), so that health reflects a database at rest."""
        at = self._epoch(self._clock())
        return await self._write("storage probe", lambda db: db.touch(at), False, batched=True)

    async def open(self) -> None:
        if self._executor is not None or self._closed:
            return
        # Imported here: only a PostgreSQL store needs the driver loaded.
        if is_postgres_url(self.target):
            from bot.storage.postgres import POOL_SIZE as workers
        else:
            workers = 1
        self._executor = ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix="faqbot-storage"
        )
        target, read_only, keys = self.target, self._read_only, self._keys
        self._opened = await self._run(
            lambda: open_database(target, read_only=read_only, keys=keys)
        )
        database = self._opened.database
        if self._opened.writable and database is not None:
            run = self._run

            async def commit(writes: Sequence[Callable[[Writer], object]]) -> list[object]:
                return await run(functools.partial(database.write_batch, writes))

            self._batcher = WriteBatcher(commit)
        if not self._opened.writable:
            # A read-only store is the caller's choice; anything else needs a maintainer.
            level = logging.INFO if self._read_only else logging.WARNING
            logger.log(level, "not recording questions or votes: %s", self._opened.problem)

    async def close(self) -> None:
        """Finish the work already queued, then release the file and the thread."""
        if self._closed:
            return
        self._closed = True
        if self._executor is None:
            return
        if self._batcher is not None:
            await self._batcher.drain()  # writes already accepted are committed, not dropped
        database = self._opened.database
        failures: tuple[type[Exception], ...] = (*_errors(database), OSError)
        try:
            if database is not None:
                await self._run(database.close)
        except failures as exc:
            logger.warning("closing %s: %s", self.name, describe(exc))
        finally:
            self._executor.shutdown(wait=True)

    async def record_question(
        self,
        *,
        question: str,
        decision: str,
        entry_id: str | None,
        score: float,
        guild_id: int | None,
        source: str,
    ) -> bool:
        row = (
            self._epoch(self._clock()),
            printable(question, MAX_INPUT_CHARS),
            str(decision),
            entry_id,
            float(score),
            guild_id,
            str(source),
        )
        return await self._write(
            "question log", lambda db: db.insert_question(row), False, batched=True
        )

    async def record_vote(self, *, entry_id: str, user_id: int, helpful: bool) -> bool:
        """Store a vote, replacing this user's earlier vote on the same entry."""
        voted_at = self._epoch(self._clock())
        return await self._write(
            "feedback vote",
            lambda db: db.upsert_vote(entry_id, user_id, helpful, voted_at),
            False,
            batched=True,
        )

    async def record_suggestion_not_covered(
        self, *, question: str, source: str, within: timedelta = timedelta(days=1)
    ) -> bool:
        """The member found none of the suggestions for ``question`` fits: its "suggest" row,
        logged within ``within``, becomes a "none". False when no such row is there."""
        text = printable(question, MAX_INPUT_CHARS)  # as record_question stored it
        since = self._epoch(self._clock() - within)
        return await self._write(
            "question log",
            lambda db: db.suggestion_not_covered(text, str(source), since),
            False,
            batched=True,
        )

    async def record_pick(
        self, *, question: str, source: str, entry_id: str, within: timedelta = timedelta(days=1)
    ) -> bool:
        """The member chose ``entry_id`` from the suggestions for ``question``: its "suggest"
        row, logged within ``within``, keeps the pick. False when no such row is there."""
        text = printable(question, MAX_INPUT_CHARS)  # as record_question stored it
        since = self._epoch(self._clock() - within)
        return await self._write(
            "suggestion pick",
            lambda db: db.suggestion_picked(text, str(source), since, entry_id),
            False,
            batched=True,
        )

    async def record_vote_reason(self, *, entry_id: str, user_id: int, reason: str) -> bool:
        """Say what was wrong with the answer this member voted not helpful; False when they
        have no not-helpful vote on it (or it could not be saved)."""
        return await self._write(
            "feedback reason",
            lambda db: db.set_vote_reason(entry_id, user_id, reason),
            False,
            batched=True,
        )

    # --- auto-answer -----------------------------------------------------------------------

    async def set_auto_answer(self, *, channel_id: int, guild_id: int, on: bool) -> bool:
        """Turn auto-answer on or off in a channel; False when it already was (or failed)."""
        if on:
            params: tuple[object, ...] = (channel_id, guild_id, self._epoch(self._clock()))
        else:
            params = (channel_id,)
        statement = "channel on" if on else "channel off"
        return await self._write(
            "auto-answer channel", lambda db: db.change_auto_answer(statement, params), False
        )

    async def auto_answer_channels(self) -> list[tuple[int, int]]:
        """(channel id, guild id) of the channels auto-answer is on in."""
        return await self._read("auto-answer channels", lambda db: db.auto_answer_channels())

    async def record_auto_answer(self, *, message_id: int, entry_id: str, score: float) -> bool:
        params = (message_id, self._epoch(self._clock()), entry_id, float(score))
        return await self._write(
            "auto-answer",
            lambda db: db.change_auto_answer("answered", params),
            False,
            batched=True,
        )

    async def record_auto_answer_event(self, *, message_id: int, event: str) -> bool:
        """What became of an auto-answer: "deleted", "missed", "helpful" or "not helpful".
        False when the message is no auto-answer (or a deletion was already recorded)."""
        return await self._write(
            "auto-answer",
            lambda db: db.change_auto_answer(event, (message_id,)),
            False,
            batched=True,
        )

    async def purge_expired(self) -> int:
        """Delete questions past the retention period; votes stay, as they hold no text."""
        if self.retention is None:
            return 0
        cutoff = self._epoch(self._clock() - self.retention)
        return await self._write("retention purge", lambda db: db.purge(cutoff), 0)

    async def stats(self, *, since: datetime, low_score: float = THRESHOLDS.review_below) -> Stats:
        start = as_utc(since)
        return await self._read("statistics", lambda db: db.stats(start, low_score))

    async def unanswered(
        self, *, since: datetime, limit: int = 20, include_suggest: bool = False
    ) -> list[UnansweredGroup]:
        """Similar unanswered questions grouped, most asked first.

        ``include_suggest`` adds questions that only got "did you mean" choices: they show
        where the FAQ has the answer but not the words people use.
        """
        decisions = ("none", "suggest") if include_suggest else ("none",)
        rows = await self.asked(since=since, decisions=decisions)
        questions = [row.question for row in rows]
        # Fuzzy grouping is CPU work, not database work: it runs off the storage thread so that
        # writes queued meanwhile don't wait behind it.
        return await asyncio.to_thread(group_questions, questions, limit)

    async def asked(
        self, *, since: datetime, decisions: tuple[str, ...] = DECISIONS
    ) -> list[AskedQuestion]:
        """The most recent questions (at most ``MAX_UNANSWERED_ROWS``) with one of
        ``decisions`` since ``since``, newest first."""
        start = self._epoch(since)
        return await self._read(
            "questions",
            lambda db: db.recent_questions(start, decisions, MAX_UNANSWERED_ROWS),
        )

    async def integrity_ok(self) -> bool:
        """False also when the check cannot run: an unreadable file is not a healthy one."""
        try:
            return await self._read("integrity check", lambda db: db.integrity_ok())
        except StorageError as exc:
            self._errors.log(logging.ERROR, str(exc))
            return False

    async def _run(self, work: Callable[[], T]) -> T:
        assert self._executor is not None
        return await asyncio.get_running_loop().run_in_executor(self._executor, work)

    async def _write(
        self, what: str, work: Callable[[Database], T], failed: T, *, batched: bool = False
    ) -> T:
        """``work``'s result, or ``failed`` (logged); ``batched``: in the next group commit."""
        database = self._opened.database
        unavailable = self._unavailable(writing=True)
        if unavailable or database is None:
            self._errors.log(logging.WARNING, f"{what} not recorded: {unavailable}")
            return failed
        # ValueError and OverflowError are what sqlite3 raises for a value it cannot bind
        # (text that is not encodable as UTF-8, an integer beyond 64 bits): data problems like
        # the others, so they are logged rather than raised. psycopg raises its own errors
        # (among database.errors) for those.
        failures: tuple[type[Exception], ...] = (
            *database.errors,
            OSError,
            ValueError,
            OverflowError,
        )
        try:
            if batched and self._batcher is not None:
                result: T = await self._batcher.submit(work)
            else:
                result = await self._run(functools.partial(work, database))
        except failures as exc:
            self._last_write_ok = False
            self._last_failure = f"{what} not recorded: {describe(exc)}"
            self._errors.log(logging.ERROR, self._last_failure)
            return failed
        self._last_write_ok = True
        self._last_written = self._clock()
        return result

    async def _read(self, what: str, work: Callable[[Database], T]) -> T:
        database = self._opened.database
        unavailable = self._unavailable(writing=False)
        if unavailable or database is None:
            raise StorageError(f"cannot read {what} from {self.name}: {unavailable}")
        if self._batcher is not None:
            await self._batcher.settled()  # a process reads its own writes
        failures: tuple[type[Exception], ...] = (*database.errors, OSError)
        try:
            return await self._run(functools.partial(work, database))
        except failures as exc:
            raise StorageError(f"cannot read {what} from {self.name}: {describe(exc)}") from exc

    def _unavailable(self, *, writing: bool) -> str:
        if self._closed:
            return "the store is closed"
        if self._opened.database is None or (writing and not self._opened.writable):
            return self._opened.problem
        return ""

    @property
    def path(self) -> Path:
        """The SQLite file (the name the store's callers used before PostgreSQL)."""
        if isinstance(self.target, str):
            raise AttributeError(f"{self.name} is a PostgreSQL database, not a file")
        return self.target

    @staticmethod
    def _epoch(moment: datetime) -> float:
        return as_utc(moment).timestamp()


def _errors(database: Database | None) -> tuple[type[Exception], ...]:
    return database.errors if database is not None else ()
