"""The PostgreSQL backend: a psycopg connection pool and the store's statements on it.

Any number of bot processes, on any number of hosts, share one database. psycopg_pool keeps
the connections: it checks one before handing it out and replaces those the server dropped,
so a restarted server is used again without the store doing anything. Statements run in
autocommit mode unless they need a transaction, so a write has been committed by the time
it returns, as with SQLite.

Jobs that must run once across all processes take an advisory lock, which PostgreSQL
releases by itself when the transaction (or the connection of a killed process) ends.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from bot.storage import schema, voter_key
from bot.storage.backend import (
    AUTO_ANSWER_CHANNELS_SQL,
    AUTO_ANSWER_SQL,
    RECENT_QUESTIONS_SQL,
    SUGGESTION_NOT_COVERED_SQL,
    SUGGESTION_PICKED_SQL,
    TOUCH_SQL,
    Opened,
    Writer,
    describe,
    display,
    voter_hash,
)
from bot.storage.model import STATS_SQL, AskedQuestion, Stats, stats_from_rows, stats_params
from bot.storage.voter_key import VoterKeySource

# How long to wait for the server at start and for a pooled connection later: enough to ride
# out a server restart, short enough that a dead server shows as a logged failure rather than
# a hung answer.
CONNECT_TIMEOUT_SECONDS = 5
# The store's worker threads each hold at most one connection at a time.
POOL_SIZE = 4
# Advisory lock keys (any 64-bit numbers, the same in every faqbot process).
MIGRATION_LOCK = 0x66_61_71_62_6F_74_00_01
PURGE_LOCK = 0x66_61_71_62_6F_74_00_02
Row = tuple[Any, ...]


def _sql(statement: str) -> str:
    """The store's statements use ``?`` for both backends; psycopg's placeholder is ``%s``."""
    return statement.replace("?", "%s")


class PostgresSchema(schema.SchemaConnection):
    """Migrations on PostgreSQL: the version in a one-row table, the lock an advisory one."""

    dialect = "postgresql"

    def __init__(self, connection: psycopg.Connection[Row]) -> None:
        self._connection = connection

    def execute(self, sql: str, params: Sequence[object] = ()) -> None:
        self._connection.execute(_sql(sql), tuple(params) if params else None)

    def fetch_value(self, sql: str, params: Sequence[object] = ()) -> object:
        row = self._connection.execute(_sql(sql), tuple(params) if params else None).fetchone()
        return None if row is None else row[0]

    def has_table(self, name: str) -> bool:
        # to_regclass: the table as the connection's search_path finds it, else NULL.
        return self.fetch_value("SELECT to_regclass(?)", (name,)) is not None

    def version(self) -> int:
        if not self.has_table("schema_version"):
            return 0
        found = self._connection.execute("SELECT max(version) FROM schema_version").fetchone()
        return int(found[0]) if found is not None and found[0] is not None else 0

    def set_version(self, version: int) -> None:
        self._connection.execute("DELETE FROM schema_version")
        self._connection.execute("INSERT INTO schema_version (version) VALUES (%s)", (version,))

    def begin_exclusive(self) -> None:
        # DDL is transactional in PostgreSQL, so the whole migration commits or none of it;
        # the advisory lock makes a second process starting at the same moment wait, then
        # find the work done when it reads the version again.
        self._connection.execute("BEGIN")
        self._connection.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        self._connection.execute(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"
        )

    def commit(self) -> None:
        self._connection.execute("COMMIT")

    def rollback(self) -> None:
        if self._connection.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            self._connection.execute("ROLLBACK")


def open_database(url: str, *, read_only: bool, keys: VoterKeySource | None) -> Opened:
    """Connect, migrate (unless read-only) and find the voter key; then open the pool."""
    name = display(url)
    try:
        with psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_SECONDS) as db:
            salt = _prepare(db, keys=None if read_only else keys)
    except (psycopg.Error, schema.SchemaError, ValueError, OSError) as exc:
        # ValueError: a voter key that is not one; OSError: its file cannot be written.
        return Opened(None, False, f"cannot use {name}: {describe(exc)}")
    pool: ConnectionPool[psycopg.Connection[Row]] = ConnectionPool(
        url,
        kwargs={"autocommit": True, "connect_timeout": CONNECT_TIMEOUT_SECONDS},
        min_size=1,
        max_size=POOL_SIZE,
        open=False,
        configure=_read_only_session if read_only else None,
        check=ConnectionPool.check_connection,
        timeout=CONNECT_TIMEOUT_SECONDS,
        name="faqbot-storage",
    )
    try:
        pool.open(wait=True, timeout=CONNECT_TIMEOUT_SECONDS)
    except psycopg.Error as exc:
        pool.close()
        return Opened(None, False, f"cannot connect to {name}: {describe(exc)}")
    database = PostgresDatabase(pool, salt)
    if read_only:
        return Opened(database, False, f"{name} was opened read-only")
    return Opened(database, True, "")


def _prepare(db: psycopg.Connection[Row], *, keys: VoterKeySource | None) -> bytes:
    """Migrate and check a connection; the voter key (empty when read-only: ``keys`` None)."""
    migrations = PostgresSchema(db)
    if keys is None:
        schema.require_current(migrations)
        return b""
    schema.checked_version(migrations)  # a newer database is refused before any key is made
    salt = voter_key.resolve(keys, schema.legacy_salt(migrations))
    schema.migrate(migrations)
    # Raise now if writes will fail (a read-only role, a standby), not at every write.
    with db.transaction(force_rollback=True):
        db.execute(_sql(TOUCH_SQL), ("",))
    return salt


class _Writer:
    """The writes, on one connection (in a batch's transaction, or autocommitted alone)."""

    def __init__(self, db: psycopg.Connection[Row], salt: bytes) -> None:
        self._db = db
        self._salt = salt

    def insert_question(self, row: tuple[object, ...]) -> bool:
        self._db.execute(
            "INSERT INTO questions (asked_at, question, decision, entry_id, score, guild_id,"
            " source) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            row,
        )
        return True

    def upsert_vote(self, entry_id: str, user_id: int, helpful: bool, voted_at: float) -> bool:
        self._db.execute(
            "INSERT INTO votes (entry_id, voter, helpful, voted_at) VALUES (%s, %s, %s, %s)"
            " ON CONFLICT (entry_id, voter) DO UPDATE"
            " SET helpful = excluded.helpful, voted_at = excluded.voted_at, reason = NULL",
            (entry_id, voter_hash(self._salt, user_id), int(helpful), voted_at),
        )
        return True

    def suggestion_not_covered(self, question: str, source: str, since: float) -> bool:
        cursor = self._db.execute(_sql(SUGGESTION_NOT_COVERED_SQL), (question, source, since))
        return cursor.fetchone() is not None

    def suggestion_picked(self, question: str, source: str, since: float, entry_id: str) -> bool:
        cursor = self._db.execute(_sql(SUGGESTION_PICKED_SQL), (entry_id, question, source, since))
        return cursor.fetchone() is not None

    def set_vote_reason(self, entry_id: str, user_id: int, reason: str) -> bool:
        # RETURNING and a fetch, not rowcount: in a pipelined batch a statement's row count is
        # known only once its result is fetched, and fetching is what waits for it.
        cursor = self._db.execute(
            "UPDATE votes SET reason = %s WHERE entry_id = %s AND voter = %s AND helpful = 0"
            " RETURNING entry_id",
            (reason, entry_id, voter_hash(self._salt, user_id)),
        )
        return cursor.fetchone() is not None

    def touch(self, at: float) -> bool:
        self._db.execute(_sql(TOUCH_SQL), (repr(at),))
        return True

    def change_auto_answer(self, statement: str, params: Sequence[object]) -> bool:
        cursor = self._db.execute(_sql(AUTO_ANSWER_SQL[statement]), tuple(params))
        return cursor.fetchone() is not None


def _read_only_session(connection: psycopg.Connection[Row]) -> None:
    connection.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")


class PostgresDatabase:
    """The store's statements on a PostgreSQL pool (``backend.Database``)."""

    errors: tuple[type[Exception], ...] = (psycopg.Error,)

    def __init__(self, pool: ConnectionPool[psycopg.Connection[Row]], salt: bytes) -> None:
        self._pool = pool
        self._salt = salt  # empty unless writable: nothing reads it otherwise

    def close(self) -> None:
        self._pool.close()

    def insert_question(self, row: tuple[object, ...]) -> bool:
        with self._pool.connection() as db:
            return _Writer(db, self._salt).insert_question(row)

    def upsert_vote(self, entry_id: str, user_id: int, helpful: bool, voted_at: float) -> bool:
        with self._pool.connection() as db:
            return _Writer(db, self._salt).upsert_vote(entry_id, user_id, helpful, voted_at)

    def suggestion_not_covered(self, question: str, source: str, since: float) -> bool:
        with self._pool.connection() as db:
            return _Writer(db, self._salt).suggestion_not_covered(question, source, since)

    def suggestion_picked(self, question: str, source: str, since: float, entry_id: str) -> bool:
        with self._pool.connection() as db:
            return _Writer(db, self._salt).suggestion_picked(question, source, since, entry_id)

    def set_vote_reason(self, entry_id: str, user_id: int, reason: str) -> bool:
        with self._pool.connection() as db:
            return _Writer(db, self._salt).set_vote_reason(entry_id, user_id, reason)

    def touch(self, at: float) -> bool:
        with self._pool.connection() as db:
            return _Writer(db, self._salt).touch(at)

    def change_auto_answer(self, statement: str, params: Sequence[object]) -> bool:
        with self._pool.connection() as db:
            return _Writer(db, self._salt).change_auto_answer(statement, params)

    def auto_answer_channels(self) -> list[tuple[int, int]]:
        with self._pool.connection() as db:
            rows = db.execute(AUTO_ANSWER_CHANNELS_SQL).fetchall()
        return [(int(channel), int(guild)) for channel, guild in rows]

    def write_batch(self, writes: Sequence[Callable[[Writer], object]]) -> list[object]:
        """One transaction for the batch; a failed batch has kept nothing, and then:

        a connection the server dropped is retried once, on a connection the pool has checked;
        a bad row (a failed check) makes each write run again in its own transaction, so that
        it fails alone (a savepoint per write would cost a round trip each); no server at all
        fails the batch. (A connection lost during COMMIT itself leaves it unknown whether the
        batch was kept; its questions may then be logged twice. Votes replace themselves.)
        """
        try:
            return self._write_together(writes)
        except PoolTimeout:
            raise  # no server to be had: nothing to retry on
        except psycopg.OperationalError:
            return self._write_together(writes)  # the connection dropped: once more
        except psycopg.Error:
            return [self._write_alone(write) for write in writes]  # a bad row among them

    def _write_together(self, writes: Sequence[Callable[[Writer], object]]) -> list[object]:
        # Pipeline mode: the batch's statements go to the server without waiting for each
        # one's reply, so a batch costs about one round trip and the commit, not one per row.
        with self._pool.connection() as db, db.pipeline(), db.transaction():
            writer = _Writer(db, self._salt)
            return [write(writer) for write in writes]

    def _write_alone(self, write: Callable[[Writer], object]) -> object:
        try:
            with self._pool.connection() as db:
                return write(_Writer(db, self._salt))
        except psycopg.Error as exc:
            return exc

    def purge(self, cutoff: float) -> int:
        """Delete expired questions, unless another process is doing it right now (then 0)."""
        with self._pool.connection() as db, db.transaction():
            row = db.execute("SELECT pg_try_advisory_xact_lock(%s)", (PURGE_LOCK,)).fetchone()
            if row is None or not row[0]:
                return 0
            return db.execute("DELETE FROM questions WHERE asked_at < %s", (cutoff,)).rowcount

    def stats(self, since: datetime, low_score: float) -> Stats:
        params = stats_params(since.timestamp(), low_score)
        # One snapshot, so the figures agree with each other while other processes write.
        with self._pool.connection() as db, db.transaction():
            db.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            rows = {
                name: db.execute(_sql(sql), params[name]).fetchall()
                for name, sql in STATS_SQL.items()
            }
        return stats_from_rows(since, rows, low_score)

    def recent_questions(
        self, since: float, decisions: tuple[str, ...], limit: int
    ) -> list[AskedQuestion]:
        marks = ", ".join("?" for _ in decisions)
        with self._pool.connection() as db:
            rows = db.execute(
                _sql(RECENT_QUESTIONS_SQL.format(marks=marks)), (since, *decisions, limit)
            ).fetchall()
        return [AskedQuestion.from_row(row) for row in rows]

    def integrity_ok(self) -> bool:
        """The server checks its own pages; here: every table answers a query."""
        with self._pool.connection() as db:
            for table in ("meta", "questions", "votes"):
                db.execute(f"SELECT count(*) FROM {table}").fetchone()
        return True
