"""What the store asks of a database, whichever holds it: an SQLite file or a PostgreSQL server.

``FAQBOT_DATABASE`` is either: a ``postgresql://`` (or ``postgres://``) URL names a server,
anything else is a file path. Both backends are synchronous and run on the store's worker
thread, so the event loop never waits on the database and the store's logging, health and
error handling are one piece of code for both.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit, urlunsplit

from bot.storage import schema
from bot.storage.model import AskedQuestion, Stats
from bot.storage.voter_key import VoterKeySource

POSTGRES_SCHEMES = ("postgresql", "postgres")
Target = Path | str


class Writer(Protocol):
    """The writes that a batch is made of (bot/storage/batching.py)."""

    def insert_question(self, row: tuple[object, ...]) -> bool: ...

    def upsert_vote(self, entry_id: str, user_id: int, helpful: bool, voted_at: float) -> bool: ...

    def set_vote_reason(self, entry_id: str, user_id: int, reason: str) -> bool:
        """Attach ``reason`` to this member's not-helpful vote on the entry; False when
        there is no such vote (none, or it is helpful now)."""
        ...

    def suggestion_not_covered(self, question: str, source: str, since: float) -> bool:
        """Turn the latest "suggest" row of this question (asked since ``since``) into a
        "none": the member said no suggestion fits. False when there is no such row."""
        ...

    def suggestion_picked(self, question: str, source: str, since: float, entry_id: str) -> bool:
        """Note ``entry_id`` as the member's pick on the latest unpicked "suggest" row of this
        question (asked since ``since``). False when there is no such row."""
        ...

    def touch(self, at: float) -> bool:
        """The health probe's write: the time of this write, in meta."""
        ...


class Database(Writer, Protocol):
    """One open database; every method is called on the store's worker thread."""

    # What its methods raise when the database fails a statement (the store logs those).
    errors: tuple[type[Exception], ...]

    def close(self) -> None: ...

    def write_batch(self, writes: Sequence[Callable[[Writer], object]]) -> list[object]:
        """Each write in a savepoint of one transaction: its result, or the error it raised.

        Raises (one of ``errors``) when the transaction as a whole fails: then nothing of the
        batch was kept.
        """
        ...

    def purge(self, cutoff: float) -> int: ...

    def stats(self, since: datetime, low_score: float) -> Stats:
        """The figures since ``since``; answers scoring under ``low_score`` counted apart."""
        ...

    def recent_questions(
        self, since: float, decisions: tuple[str, ...], limit: int
    ) -> list[AskedQuestion]:
        """Questions asked since ``since`` with one of ``decisions``, newest first."""
        ...

    def integrity_ok(self) -> bool: ...


@dataclass(frozen=True)
class Opened:
    database: Database | None  # None when the database cannot even be read
    writable: bool
    problem: str  # why not writable; empty when it is


def parse_target(text: str) -> Target:
    """A database setting or option as the store takes it; ValueError says what is wrong.

    The message never repeats the value: a URL may hold a password.
    """
    text = text.strip()
    scheme = urlsplit(text).scheme.lower() if "://" in text else ""
    if not scheme:
        if not text:
            raise ValueError("got an empty value")
        return Path(text)
    if scheme not in POSTGRES_SCHEMES:
        raise ValueError(f"got a {scheme}:// URL")
    from psycopg import conninfo  # only when there is a URL to check

    try:
        conninfo.conninfo_to_dict(text)
    except Exception as exc:  # psycopg.ProgrammingError; its text quotes the URL
        raise ValueError(f"got a malformed postgresql:// URL ({type(exc).__name__})") from None
    return text


def is_postgres_url(target: Target) -> bool:
    return isinstance(target, str) and urlsplit(target).scheme in POSTGRES_SCHEMES


def display(target: Target) -> str:
    """How logs and errors name the database: a URL without its password."""
    if not is_postgres_url(target):
        return str(target)
    parts = urlsplit(str(target))
    if parts.password is None:
        return str(target)
    user = parts.username or ""
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}{port}"))


def describe(exc: BaseException) -> str:
    if isinstance(exc, schema.SchemaError):
        return str(exc)
    # One line: libpq's messages run over several.
    return f"{type(exc).__name__}: {' '.join(str(exc).split())}"


# Both dialects: SQLite 3.24 and PostgreSQL 9.5 have ON CONFLICT ... DO UPDATE.
TOUCH_SQL = (
    "INSERT INTO meta (key, value) VALUES ('last_write', ?)"
    " ON CONFLICT (key) DO UPDATE SET value = excluded.value"
)


# A question the FAQ suggested answers for, declined with "none of these": the same one row,
# now counted as not covered. Rows of the same text are the same question for every figure,
# so the latest one is the one to change.
SUGGESTION_NOT_COVERED_SQL = (
    "UPDATE questions SET decision = 'none', entry_id = NULL, score = 0 WHERE id = ("
    "SELECT id FROM questions WHERE question = ? AND source = ? AND decision = 'suggest'"
    " AND asked_at >= ? ORDER BY id DESC LIMIT 1) RETURNING id"
)


# The "did you mean" this member answered by choosing an entry: the same one row, which keeps
# its decision (the matcher was unsure) and gains the entry chosen.
SUGGESTION_PICKED_SQL = (
    "UPDATE questions SET picked_entry_id = ? WHERE id = ("
    "SELECT id FROM questions WHERE question = ? AND source = ? AND decision = 'suggest'"
    " AND picked_entry_id IS NULL AND asked_at >= ? ORDER BY id DESC LIMIT 1) RETURNING id"
)

RECENT_QUESTIONS_SQL = (
    "SELECT question, decision, entry_id, score, picked_entry_id FROM questions"
    " WHERE asked_at >= ? AND decision IN ({marks}) ORDER BY asked_at DESC, id DESC LIMIT ?"
)


def voter_hash(salt: bytes, user_id: int) -> bytes:
    """The voter column: one value per user per database, from which the id can't be read."""
    return hmac.new(salt, str(user_id).encode("ascii"), hashlib.sha256).digest()


def open_database(target: Target, *, read_only: bool, keys: VoterKeySource | None) -> Opened:
    """Open, configure and migrate ``target``; failures become an ``Opened`` that says why.

    ``keys`` says where the voter key is; a read-only store needs none.
    """
    # Imported here, so that an SQLite bot never loads the PostgreSQL driver and the reverse.
    if is_postgres_url(target):
        from bot.storage import postgres

        return postgres.open_database(str(target), read_only=read_only, keys=keys)
    from bot.storage import sqlite

    return sqlite.open_database(Path(target), read_only=read_only, keys=keys)
