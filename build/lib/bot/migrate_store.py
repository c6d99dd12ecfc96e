"""``faqbot migrate-store --from FILE --to URL``: an SQLite history copied into PostgreSQL.

For a bot that outgrows one machine: its questions and votes move with it. Running it again
copies nothing twice, so an interrupted copy is finished by running it once more: a question
is the same one when every column but its id is (the time is kept to the microsecond), and a
vote is one per entry and voter, as in the store. The votes keep their voters only if the
PostgreSQL bot hashes under the same voter key as the SQLite one did, so the command says
which key file that is.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import psycopg

from bot.storage import schema
from bot.storage.backend import Target, describe, display, is_postgres_url
from bot.storage.postgres import PostgresSchema
from bot.storage.sqlite import SqliteSchema
from bot.storage.voter_key import KEY_FILE_NAME

EXIT_OK = 0
EXIT_PROBLEMS = 1
_COLUMNS = "asked_at, question, decision, entry_id, score, guild_id, source"
_INSERT_QUESTION = (
    f"INSERT INTO questions ({_COLUMNS}) SELECT %s, %s, %s, %s, %s, %s, %s"
    " WHERE NOT EXISTS (SELECT 1 FROM questions WHERE asked_at = %s AND question = %s"
    " AND decision = %s AND entry_id IS NOT DISTINCT FROM %s AND score = %s"
    " AND guild_id IS NOT DISTINCT FROM %s AND source = %s)"
)
# A vote already there stays unless the copied one is newer (a second run changes nothing).
_UPSERT_VOTE = (
    "INSERT INTO votes (entry_id, voter, helpful, voted_at) VALUES (%s, %s, %s, %s)"
    " ON CONFLICT (entry_id, voter) DO UPDATE"
    " SET helpful = excluded.helpful, voted_at = excluded.voted_at"
    " WHERE votes.voted_at < excluded.voted_at"
)


def run_migrate_store(source: Target, target: Target) -> int:
    if is_postgres_url(source) or not is_postgres_url(target):
        print(
            "faqbot migrate-store: --from must be an SQLite file and --to a postgresql:// URL",
            file=sys.stderr,
        )
        return EXIT_PROBLEMS
    path, url = Path(source), str(target)
    if not path.is_file():
        print(f"faqbot migrate-store: no database at {path}", file=sys.stderr)
        return EXIT_PROBLEMS
    try:
        questions, votes = _read(path)
        copied = _write(url, questions, votes)
    except (sqlite3.Error, psycopg.Error, schema.SchemaError, OSError) as exc:
        print(f"faqbot migrate-store: {describe(exc)}", file=sys.stderr)
        return EXIT_PROBLEMS
    new_questions, new_votes = copied
    print(
        f"copied {new_questions} of {len(questions)} questions and {new_votes} of {len(votes)}"
        f" votes from {path} to {display(url)} (the rest were there already)"
    )
    print(
        "votes keep their voters if the PostgreSQL bot uses this file's voter key: give it"
        f" FAQBOT_VOTER_KEY_FILE={path.parent / KEY_FILE_NAME} (or that file's contents as"
        " FAQBOT_VOTER_KEY)"
    )
    return EXIT_OK


def _read(path: Path) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    connection = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
    try:
        # An older file is upgraded by opening it once with the bot (which also moves its
        # voter key out); a copy of a half-known layout would be guesswork.
        schema.require_current(SqliteSchema(connection))
        connection.execute("BEGIN")  # one snapshot of both tables
        questions = connection.execute(f"SELECT {_COLUMNS} FROM questions ORDER BY id").fetchall()
        votes = connection.execute(
            "SELECT entry_id, voter, helpful, voted_at FROM votes"
        ).fetchall()
        connection.execute("COMMIT")
    finally:
        connection.close()
    return questions, votes


def _write(
    url: str, questions: list[tuple[object, ...]], votes: list[tuple[object, ...]]
) -> tuple[int, int]:
    with psycopg.connect(url, autocommit=True) as db:
        schema.migrate(PostgresSchema(db))  # an empty database gets the tables first
        copied_questions = copied_votes = 0
        # One transaction: a copy that fails half way keeps nothing, and the next run redoes it.
        with db.transaction(), db.cursor() as cursor:
            for row in questions:
                cursor.execute(_INSERT_QUESTION, (*row, *row))
                copied_questions += cursor.rowcount
            for vote in votes:
                entry_id, voter, helpful, voted_at = vote
                cursor.execute(_UPSERT_VOTE, (entry_id, bytes(voter), helpful, voted_at))  # type: ignore[call-overload]
                copied_votes += cursor.rowcount
    return copied_questions, copied_votes
