"""``faqbot backup PATH``: a consistent copy of the SQLite database, taken while the bot runs.

SQLite's online backup API copies the pages under a read lock, so the copy is one moment of
the database even while shards write, and it includes what is still only in the WAL file (a
copy of the .sqlite3 file alone would miss it). A PostgreSQL database is backed up with the
server's own tool, pg_dump; this command says so rather than half doing it.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

from bot.storage.backend import Target, display, is_postgres_url

EXIT_OK = 0
EXIT_PROBLEMS = 1


def run_backup(database: Target, destination: Path) -> int:
    if is_postgres_url(database):
        print(
            "faqbot backup: the database is PostgreSQL; back it up with pg_dump, for example"
            f" pg_dump --format=custom --file={destination} '{display(database)}'",
            file=sys.stderr,
        )
        return EXIT_PROBLEMS
    source = Path(database)
    if not source.is_file():
        print(f"faqbot backup: no database at {source}", file=sys.stderr)
        return EXIT_PROBLEMS
    if destination.exists():
        print(f"faqbot backup: {destination} exists; not overwriting it", file=sys.stderr)
        return EXIT_PROBLEMS
    try:
        counts = _copy(source, destination)
    except (sqlite3.Error, OSError) as exc:
        destination.unlink(missing_ok=True)
        print(f"faqbot backup: cannot back up {source}: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    questions, votes = counts
    print(
        f"backed up {source} to {destination}: {questions} questions, {votes} votes"
        " (the voter key is not in it: keep its file, apart from this copy)"
    )
    return EXIT_OK


def _copy(source: Path, destination: Path) -> tuple[int, int]:
    """Copy ``source`` to the new file ``destination``; its questions and votes, counted."""
    reader = sqlite3.connect(f"{source.absolute().as_uri()}?mode=ro", uri=True)
    try:
        writer = sqlite3.connect(destination)
        try:
            reader.backup(writer)
            if writer.execute("PRAGMA integrity_check").fetchall() != [("ok",)]:
                raise sqlite3.DatabaseError(f"the copy at {destination} fails integrity_check")
            questions = writer.execute("SELECT count(*) FROM questions").fetchone()[0]
            votes = writer.execute("SELECT count(*) FROM votes").fetchone()[0]
        finally:
            writer.close()
    finally:
        reader.close()
    return int(questions), int(votes)
