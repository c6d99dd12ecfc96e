"""The database layout and how a database of any earlier version is brought up to date.

One history for both backends: migration N takes a database from version N-1 to N, in SQLite
and in PostgreSQL alike, each step written in the words of each dialect where they differ
(an SQLite rowid is a PostgreSQL identity column, a BLOB a BYTEA). New databases run the same
migrations as old ones, so there is one definition of each table and the upgrade path is
exercised every time a database is created. Where the version is kept is the backend's
business (``SchemaConnection``): SQLite's ``PRAGMA user_version``, a one-row table in
PostgreSQL.
"""

from __future__ import annotations

import secrets
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Literal

Dialect = Literal["sqlite", "postgresql"]

SALT_KEY = "voter_salt"


class SchemaError(Exception):
    """The database is one this code must not use or change."""


class SchemaConnection(ABC):
    """What a migration needs from a connection, whichever the backend."""

    dialect: Dialect

    @abstractmethod
    def execute(self, sql: str, params: Sequence[object] = ()) -> None:
        """Run one statement; placeholders are ``?`` in either dialect."""

    @abstractmethod
    def fetch_value(self, sql: str, params: Sequence[object] = ()) -> object:
        """The first column of the first row of ``sql``; None when there is no row."""

    @abstractmethod
    def has_table(self, name: str) -> bool: ...

    @abstractmethod
    def version(self) -> int:
        """The version the database is at; 0 for a new, empty one."""

    @abstractmethod
    def set_version(self, version: int) -> None: ...

    @abstractmethod
    def begin_exclusive(self) -> None:
        """Start the migration's transaction, holding off every other migrating process."""

    @abstractmethod
    def commit(self) -> None: ...

    @abstractmethod
    def rollback(self) -> None: ...

    def choose(self, *, sqlite: str, postgresql: str) -> str:
        return sqlite if self.dialect == "sqlite" else postgresql


Migration = Callable[[SchemaConnection], None]


def _question_log(db: SchemaConnection) -> None:
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    # asked_at is unix seconds (UTC): range queries compare numbers, not formatted strings.
    # SQLite's REAL is an 8-byte float; PostgreSQL's REAL is 4 bytes, too coarse for seconds.
    db.execute(
        db.choose(
            sqlite="""CREATE TABLE questions (
                id INTEGER PRIMARY KEY,
                asked_at REAL NOT NULL,
                question TEXT NOT NULL,
                decision TEXT NOT NULL CHECK (decision IN ('answer', 'suggest', 'none')),
                entry_id TEXT,
                score REAL NOT NULL,
                guild_id INTEGER,
                source TEXT NOT NULL CHECK (source IN ('slash', 'mention', 'chat'))
            )""",
            postgresql="""CREATE TABLE questions (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                asked_at DOUBLE PRECISION NOT NULL,
                question TEXT NOT NULL,
                decision TEXT NOT NULL CHECK (decision IN ('answer', 'suggest', 'none')),
                entry_id TEXT,
                score DOUBLE PRECISION NOT NULL,
                guild_id BIGINT,
                source TEXT NOT NULL CHECK (source IN ('slash', 'mention', 'chat'))
            )""",
        )
    )
    db.execute("CREATE INDEX questions_by_time ON questions (asked_at)")


def _feedback_votes(db: SchemaConnection) -> None:
    # voter is HMAC-SHA256(salt, user id): one vote per user per entry without keeping the id.
    # The primary key is what makes a second vote replace the first.
    db.execute(
        db.choose(
            sqlite="""CREATE TABLE votes (
                entry_id TEXT NOT NULL,
                voter BLOB NOT NULL,
                helpful INTEGER NOT NULL CHECK (helpful IN (0, 1)),
                voted_at REAL NOT NULL,
                PRIMARY KEY (entry_id, voter)
            ) WITHOUT ROWID""",
            postgresql="""CREATE TABLE votes (
                entry_id TEXT NOT NULL,
                voter BYTEA NOT NULL,
                helpful INTEGER NOT NULL CHECK (helpful IN (0, 1)),
                voted_at DOUBLE PRECISION NOT NULL,
                PRIMARY KEY (entry_id, voter)
            )""",
        )
    )
    db.execute("CREATE INDEX votes_by_time ON votes (voted_at)")
    # A salt per database: a leaked database's hashes can't be matched against another one's,
    # and Discord ids (about 2^60 of them, time-ordered) can't be hashed in bulk to reverse
    # them without this database's secret. (Moved out of the database by migration 3.)
    db.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (SALT_KEY, secrets.token_hex(32)))


def _voter_key_out(db: SchemaConnection) -> None:
    # The key beside the hashes let a copy of the database name every voter (hash each
    # candidate id); it now lives outside (bot/storage/voter_key.py), which reads it from
    # here before this runs, so that earlier votes keep their voters.
    db.execute("DELETE FROM meta WHERE key = ?", (SALT_KEY,))


def _vote_reasons(db: SchemaConnection) -> None:
    # What a member said was wrong with an answer they voted not helpful; NULL for a helpful
    # vote or none given. It belongs to the vote: a new vote by the same member clears it,
    # and it goes when the vote does.
    db.execute("ALTER TABLE votes ADD COLUMN reason TEXT")


def _suggestion_picks(db: SchemaConnection) -> None:
    # The entry a member chose from a "did you mean" for this question: the words the FAQ
    # lacked for it, which `faqbot suggest` proposes as an alternate. NULL when none was
    # picked. Part of the question's row, so retention removes it with the text.
    db.execute("ALTER TABLE questions ADD COLUMN picked_entry_id TEXT")


# Append only: a released migration never changes, or databases already past it would differ
# from new ones.
MIGRATIONS: Sequence[Migration] = (
    _question_log,
    _feedback_votes,
    _voter_key_out,
    _vote_reasons,
    _suggestion_picks,
)
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(db: SchemaConnection) -> None:
    """Bring the database to SCHEMA_VERSION in one transaction: all missing migrations or none."""
    if checked_version(db) == SCHEMA_VERSION:
        return
    db.begin_exclusive()
    try:
        # Read again under the lock: another process may have upgraded it meanwhile.
        version = checked_version(db)
        for migration in MIGRATIONS[version:]:
            migration(db)
        db.set_version(SCHEMA_VERSION)
        db.commit()
    except BaseException:
        db.rollback()
        raise


def checked_version(db: SchemaConnection) -> int:
    version = db.version()
    if version > SCHEMA_VERSION:
        raise SchemaError(
            f"schema version {version} is newer than this faqbot supports ({SCHEMA_VERSION})"
        )
    return version


def require_current(db: SchemaConnection) -> None:
    """For read-only use, where an older database cannot be upgraded in place."""
    version = checked_version(db)
    if version != SCHEMA_VERSION:
        raise SchemaError(
            f"schema version {version} is older than this faqbot's ({SCHEMA_VERSION}) and "
            "a read-only database cannot be upgraded; open it once with the bot"
        )


def legacy_salt(db: SchemaConnection) -> bytes | None:
    """The voter key a database from before migration 3 holds, to be moved out; else None.

    A database that a newer faqbot wrote has none to give (and is refused by migrate()).
    """
    if not db.has_table("meta"):
        return None
    value = db.fetch_value("SELECT value FROM meta WHERE key = ?", (SALT_KEY,))
    return None if value is None else bytes.fromhex(str(value))
