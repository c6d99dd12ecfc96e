"""The database layout and how a file of any earlier version is brought up to date.

A file's version is its ``PRAGMA user_version``; migration N takes a file from version N-1 to
N. New files run the same migrations as old ones, so there is one definition of each table
and the upgrade path is exercised every time a database is created.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Callable, Sequence

Migration = Callable[[sqlite3.Connection], None]

SALT_KEY = "voter_salt"


class SchemaError(Exception):
    """The file is an SQLite database this code must not use or change."""


def _statements(*sql: str) -> Migration:
    # Not executescript(): it commits any open transaction first, which would leave a file
    # half-migrated if a later statement failed.
    def run(connection: sqlite3.Connection) -> None:
        for statement in sql:
            connection.execute(statement)

    return run


_question_log = _statements(
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    # asked_at is unix seconds (UTC): range queries compare numbers, not formatted strings.
    """CREATE TABLE questions (
        id INTEGER PRIMARY KEY,
        asked_at REAL NOT NULL,
        question TEXT NOT NULL,
        decision TEXT NOT NULL CHECK (decision IN ('answer', 'suggest', 'none')),
        entry_id TEXT,
        score REAL NOT NULL,
        guild_id INTEGER,
        source TEXT NOT NULL CHECK (source IN ('slash', 'mention', 'chat'))
    )""",
    "CREATE INDEX questions_by_time ON questions (asked_at)",
)


def _feedback_votes(connection: sqlite3.Connection) -> None:
    _statements(
        # voter is HMAC-SHA256(salt, user id): one vote per user per entry without keeping
        # the id. The primary key is what makes a second vote replace the first.
        """CREATE TABLE votes (
            entry_id TEXT NOT NULL,
            voter BLOB NOT NULL,
            helpful INTEGER NOT NULL CHECK (helpful IN (0, 1)),
            voted_at REAL NOT NULL,
            PRIMARY KEY (entry_id, voter)
        ) WITHOUT ROWID""",
        "CREATE INDEX votes_by_time ON votes (voted_at)",
    )(connection)
    # A salt per file: a leaked file's hashes can't be matched against another file's, and
    # Discord ids (about 2^60 of them, time-ordered) can't be hashed in bulk to reverse them
    # without this file's secret.
    connection.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?)", (SALT_KEY, secrets.token_hex(32))
    )


# Append only: a released migration never changes, or files already past it would differ
# from new ones.
MIGRATIONS: Sequence[Migration] = (_question_log, _feedback_votes)
SCHEMA_VERSION = len(MIGRATIONS)


def user_version(connection: sqlite3.Connection) -> int:
    return int(connection.execute("PRAGMA user_version").fetchone()[0])


def migrate(connection: sqlite3.Connection) -> None:
    """Bring the file to SCHEMA_VERSION in one transaction: all missing migrations or none."""
    if _checked_version(connection) == SCHEMA_VERSION:
        return
    connection.execute("BEGIN IMMEDIATE")
    try:
        # Read again under the write lock: another process may have upgraded it meanwhile.
        version = _checked_version(connection)
        for migration in MIGRATIONS[version:]:
            migration(connection)
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION:d}")
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise


def _checked_version(connection: sqlite3.Connection) -> int:
    version = user_version(connection)
    if version > SCHEMA_VERSION:
        raise SchemaError(
            f"schema version {version} is newer than this faqbot supports ({SCHEMA_VERSION})"
        )
    return version


def require_current(connection: sqlite3.Connection) -> None:
    """For read-only use, where an older file cannot be upgraded in place."""
    version = _checked_version(connection)
    if version != SCHEMA_VERSION:
        raise SchemaError(
            f"schema version {version} is older than this faqbot's ({SCHEMA_VERSION}) and "
            "a read-only database cannot be upgraded; open it once with the bot"
        )


def voter_salt(connection: sqlite3.Connection) -> bytes:
    row = connection.execute("SELECT value FROM meta WHERE key = ?", (SALT_KEY,)).fetchone()
    if row is None:
        # Making a new one would let every earlier voter vote again under a new hash.
        raise SchemaError("the voter salt is missing from the meta table")
    return bytes.fromhex(str(row[0]))


def check_writable(connection: sqlite3.Connection) -> None:
    """Raise if writes will fail, so a read-only file is found at open, not at every write."""
    # BEGIN IMMEDIATE alone succeeds on a read-only connection; a no-op UPDATE does not.
    connection.execute("BEGIN IMMEDIATE")
    try:
        connection.execute("UPDATE meta SET value = value WHERE key = ?", (SALT_KEY,))
    finally:
        connection.execute("ROLLBACK")
