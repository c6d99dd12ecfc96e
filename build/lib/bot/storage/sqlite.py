"""The SQLite backend: one connection to a file and the statements run on it.

Only the store's worker thread calls into this module. Each write is a single statement in
autocommit mode, so it has been committed by the time execute() returns: a caller told "stored"
has a row that survives the process being killed a moment later.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from bot.storage import schema, voter_key
from bot.storage.backend import (
    RECENT_QUESTIONS_SQL,
    SUGGESTION_NOT_COVERED_SQL,
    SUGGESTION_PICKED_SQL,
    TOUCH_SQL,
    Opened,
    Writer,
    describe,
    voter_hash,
)
from bot.storage.model import STATS_SQL, AskedQuestion, Stats, stats_from_rows, stats_params
from bot.storage.voter_key import VoterKeySource

# Enough for another process (the report command) to finish with the lock; short enough that
# a stuck lock shows up as a logged failure rather than a hung answer.
BUSY_TIMEOUT_SECONDS = 5.0
_BUSY = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})
T = TypeVar("T")


class SqliteSchema(schema.SchemaConnection):
    """Migrations on SQLite: the version is ``PRAGMA user_version``, the lock a write lock."""

    dialect = "sqlite"

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    def execute(self, sql: str, params: Sequence[object] = ()) -> None:
        # Not executescript(): it commits any open transaction first, which would leave a
        # file half-migrated if a later statement failed.
        self._connection.execute(sql, tuple(params))

    def fetch_value(self, sql: str, params: Sequence[object] = ()) -> object:
        row = self._connection.execute(sql, tuple(params)).fetchone()
        return None if row is None else row[0]

    def has_table(self, name: str) -> bool:
        sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
        return self.fetch_value(sql, (name,)) is not None

    def version(self) -> int:
        return int(self._connection.execute("PRAGMA user_version").fetchone()[0])

    def set_version(self, version: int) -> None:
        self._connection.execute(f"PRAGMA user_version = {version:d}")

    def begin_exclusive(self) -> None:
        self._connection.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        self._connection.execute("COMMIT")

    def rollback(self) -> None:
        if self._connection.in_transaction:
            self._connection.execute("ROLLBACK")


def open_database(path: Path, *, read_only: bool, keys: VoterKeySource | None) -> Opened:
    """Open, configure and migrate ``path``; failures become an ``Opened`` that says why."""
    try:
        if not read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
        mode = "ro" if read_only else "rwc"
        connection = sqlite3.connect(
            f"{path.absolute().as_uri()}?mode={mode}",
            uri=True,
            isolation_level=None,
            timeout=BUSY_TIMEOUT_SECONDS,
        )
    except (sqlite3.Error, OSError) as exc:
        return Opened(None, False, f"cannot open {path}: {describe(exc)}{_hint(path)}")
    try:
        if read_only:
            schema.require_current(SqliteSchema(connection))
            return Opened(SqliteDatabase(connection, b""), False, f"{path} was opened read-only")
        assert keys is not None, "a writable store needs its voter key"
        salt = retry_while_busy(lambda: _prepare(connection, keys))
    except (sqlite3.Error, OSError, schema.SchemaError, ValueError) as exc:
        problem = f"cannot use {path}: {describe(exc)}{_hint(path)}"
        if _readable(connection):
            return Opened(SqliteDatabase(connection, b""), False, problem)
        connection.close()
        return Opened(None, False, problem)
    return Opened(SqliteDatabase(connection, salt, path=path), True, "")


def _prepare(connection: sqlite3.Connection, keys: VoterKeySource) -> bytes:
    """Configure and migrate a writable connection; the voter key. Safe to run again."""
    # WAL: readers (the report command) never block the bot's writes.
    connection.execute("PRAGMA journal_mode = WAL")
    # In WAL mode NORMAL syncs at checkpoints, not at every commit. A commit still survives
    # the process being killed (SIGKILL, OOM) because it is already in the WAL file; only a
    # power cut or kernel crash can lose the last few. Process death is the failure that
    # matters here, and a question log isn't worth an fsync per question.
    connection.execute("PRAGMA synchronous = NORMAL")
    migrations = SqliteSchema(connection)
    schema.checked_version(migrations)  # a newer database is refused before any key is made
    salt = voter_key.resolve(keys, schema.legacy_salt(migrations))
    schema.migrate(migrations)
    _check_writable(connection)
    return salt


def _check_writable(connection: sqlite3.Connection) -> None:
    """Raise if writes will fail, so a read-only file is found at open, not at every write."""
    # BEGIN IMMEDIATE alone succeeds on a read-only connection; a write (rolled back) does not.
    connection.execute("BEGIN IMMEDIATE")
    try:
        connection.execute(TOUCH_SQL, ("",))
    finally:
        connection.execute("ROLLBACK")


def retry_while_busy(
    work: Callable[[], T],
    *,
    within: float = BUSY_TIMEOUT_SECONDS,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """``work()``, run again while SQLite says another connection holds the lock.

    The busy timeout makes most statements wait for a lock, but not all: switching a new file
    to WAL takes its lock without calling the busy handler, so two processes creating the same
    database at once get "database is locked" within milliseconds (the bot and `faqbot
    report`, or two shards sharing a volume). Retried for up to the busy timeout, as any other
    statement would wait.
    """
    deadline = clock() + within
    pause = 0.005
    while True:
        try:
            return work()
        except sqlite3.OperationalError as exc:
            busy = getattr(exc, "sqlite_errorcode", None) in _BUSY
            if not busy or clock() + pause > deadline:
                raise
        sleep(pause)
        pause = min(pause * 2, 0.1)


def _hint(path: Path) -> str:
    """What SQLite's "unable to open database file" leaves out, when it can be told.

    A WAL database cannot even be opened on a read-only filesystem (SQLite must create its
    shared-memory file beside it), and SQLite's message does not say so.
    """
    directory = path.parent
    while not directory.exists() and directory != directory.parent:
        directory = directory.parent
    try:
        read_only = bool(os.statvfs(directory).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):  # AttributeError: no statvfs on Windows
        return ""
    return f" (the filesystem holding {directory} is mounted read-only)" if read_only else ""


def _identity(path: Path) -> tuple[int, int]:
    status = os.stat(path)
    return status.st_dev, status.st_ino


def _readable(connection: sqlite3.Connection) -> bool:
    try:
        schema.require_current(SqliteSchema(connection))
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except (sqlite3.Error, schema.SchemaError):
        return False
    return True


class SqliteDatabase:
    """The store's statements on one SQLite connection (``backend.Database``)."""

    errors: tuple[type[Exception], ...] = (sqlite3.Error,)
    # How often the WAL is copied into the database file. SQLite does it by itself only once
    # the WAL reaches 1,000 pages (4 MB), so a quiet bot's recent rows could live in the WAL
    # alone for days, and be lost with it (a backup of the .sqlite3 file alone, a WAL file
    # removed by hand).
    checkpoint_every = 60.0

    def __init__(
        self, connection: sqlite3.Connection, salt: bytes, *, path: Path | None = None
    ) -> None:
        self._connection = connection
        self._salt = salt  # empty unless writable: nothing reads it otherwise
        # The file written to, to notice one deleted or replaced under the running bot: the
        # connection would go on writing to the old file, which nothing can read any more.
        self._path = path
        self._identity = _identity(path) if path is not None else None
        self._checkpointed = time.monotonic()

    def close(self) -> None:
        self._connection.close()

    def insert_question(self, row: tuple[object, ...]) -> bool:
        self._connection.execute(
            "INSERT INTO questions (asked_at, question, decision, entry_id, score, guild_id,"
            " source) VALUES (?, ?, ?, ?, ?, ?, ?)",
            row,
        )
        return True

    def upsert_vote(self, entry_id: str, user_id: int, helpful: bool, voted_at: float) -> bool:
        voter = voter_hash(self._salt, user_id)
        self._connection.execute(
            "INSERT INTO votes (entry_id, voter, helpful, voted_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (entry_id, voter) DO UPDATE"
            " SET helpful = excluded.helpful, voted_at = excluded.voted_at, reason = NULL",
            (entry_id, voter, int(helpful), voted_at),
        )
        return True

    def suggestion_not_covered(self, question: str, source: str, since: float) -> bool:
        rows = self._connection.execute(
            SUGGESTION_NOT_COVERED_SQL, (question, source, since)
        ).fetchall()
        return len(rows) == 1

    def suggestion_picked(self, question: str, source: str, since: float, entry_id: str) -> bool:
        rows = self._connection.execute(
            SUGGESTION_PICKED_SQL, (entry_id, question, source, since)
        ).fetchall()
        return len(rows) == 1

    def set_vote_reason(self, entry_id: str, user_id: int, reason: str) -> bool:
        cursor = self._connection.execute(
            "UPDATE votes SET reason = ? WHERE entry_id = ? AND voter = ? AND helpful = 0",
            (reason, entry_id, voter_hash(self._salt, user_id)),
        )
        return cursor.rowcount == 1

    def touch(self, at: float) -> bool:
        self._connection.execute(TOUCH_SQL, (repr(at),))
        return True

    def write_batch(self, writes: Sequence[Callable[[Writer], object]]) -> list[object]:
        self._check_file()
        db = self._connection
        retry_while_busy(lambda: db.execute("BEGIN IMMEDIATE"))
        results: list[object] = []
        try:
            for write in writes:
                db.execute("SAVEPOINT write")
                try:
                    results.append(write(self))
                except (sqlite3.Error, ValueError, OverflowError) as exc:
                    if not db.in_transaction:
                        # Some errors (a full disk, an I/O error) roll back the whole
                        # transaction: the batch's earlier rows are gone too.
                        raise
                    db.execute("ROLLBACK TO write")
                    results.append(exc)
                db.execute("RELEASE write")
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        if time.monotonic() - self._checkpointed >= self.checkpoint_every:
            # PASSIVE: copies what no reader still needs, waiting for nobody.
            db.execute("PRAGMA wal_checkpoint(PASSIVE)")
            self._checkpointed = time.monotonic()
        return results

    def _check_file(self) -> None:
        if self._path is None or self._identity is None:
            return
        try:
            now = _identity(self._path)
        except FileNotFoundError:
            raise sqlite3.OperationalError(
                f"the database file {self._path} was removed while in use; restart the bot"
                " to start a new one (or put the file back)"
            ) from None
        if now != self._identity:
            raise sqlite3.OperationalError(
                f"the database file {self._path} was replaced while in use; restart the bot"
                " to use the new one"
            )

    def purge(self, cutoff: float) -> int:
        self._check_file()
        cursor = self._connection.execute("DELETE FROM questions WHERE asked_at < ?", (cutoff,))
        return cursor.rowcount

    def stats(self, since: datetime, low_score: float) -> Stats:
        db, start = self._connection, since.timestamp()
        params = stats_params(start, low_score)
        # One read transaction, so the figures agree with each other even if another process
        # writes between the queries.
        db.execute("BEGIN")
        try:
            rows = {
                name: db.execute(sql, params[name]).fetchall() for name, sql in STATS_SQL.items()
            }
        finally:
            db.execute("COMMIT")
        return stats_from_rows(since, rows, low_score)

    def recent_questions(
        self, since: float, decisions: tuple[str, ...], limit: int
    ) -> list[AskedQuestion]:
        marks = ", ".join("?" for _ in decisions)
        rows = self._connection.execute(
            RECENT_QUESTIONS_SQL.format(marks=marks), (since, *decisions, limit)
        )
        return [AskedQuestion.from_row(row) for row in rows]

    def integrity_ok(self) -> bool:
        rows = self._connection.execute("PRAGMA integrity_check").fetchall()
        return [tuple(row) for row in rows] == [("ok",)]
