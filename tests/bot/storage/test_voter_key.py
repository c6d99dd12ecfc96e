"""The key that hides voter ids: kept outside the database, on both backends, so that a copy
of the database alone cannot say who voted; and moved out of databases that held it."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.storage import SCHEMA_VERSION, Store, schema
from bot.storage.backend import Target
from bot.storage.sqlite import SqliteSchema
from bot.storage.voter_key import VoterKeyError, parse_key

FIRST_MEMBER = 987654321098765432
# The attacker's list of candidate member ids: the guild's members, say.
CANDIDATES = range(FIRST_MEMBER, FIRST_MEMBER + 2000)
VOTERS = CANDIDATES[100:1900:36]  # 50 of them voted


def query(target: Target, sql: str) -> list[tuple[object, ...]]:
    if isinstance(target, str):
        import psycopg

        with psycopg.connect(target) as server:
            return [tuple(row) for row in server.execute(sql).fetchall()]
    with sqlite3.connect(target) as connection:
        rows: list[tuple[object, ...]] = connection.execute(sql).fetchall()
    connection.close()
    return rows


def attributed(voters: set[bytes], keys: list[bytes]) -> set[int]:
    """The candidates whose HMAC under one of ``keys`` is among the stored voters."""
    return {
        member
        for key in keys
        for member in CANDIDATES
        if hmac.new(key, str(member).encode(), hashlib.sha256).digest() in voters
    }


def keys_in(target: Target) -> list[bytes]:
    """Every value the database holds outside its votes, tried as a key (hex, or as is)."""
    values = [str(v) for table in ("meta",) for (_, v) in query(target, f"SELECT * FROM {table}")]
    keys = [b"", *(v.encode() for v in values)]
    for value in values:
        with contextlib.suppress(ValueError):
            keys.append(bytes.fromhex(value))
    return keys


async def test_a_copy_of_the_database_alone_cannot_link_a_vote_to_its_user(
    new_target: Callable[[], Target], tmp_path: Path
) -> None:
    target = new_target()
    key_file = tmp_path / "secrets" / "voter.key"
    store = Store(target, voter_key_file=key_file)
    await store.open()
    for member in VOTERS:
        assert await store.record_vote(entry_id="asean", user_id=member, helpful=True)
    await store.close()

    voters = {bytes(v) for (v,) in query(target, "SELECT voter FROM votes")}  # type: ignore[call-overload]
    assert len(voters) == len(VOTERS)
    assert attributed(voters, keys_in(target)) == set()
    # The same attack with the key file names every voter: the key is what protects them.
    assert attributed(voters, [parse_key(key_file.read_text())]) == set(VOTERS)


async def test_without_a_key_one_is_generated_once_with_one_warning(
    new_target: Callable[[], Target], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    target = new_target()
    key_file = tmp_path / "data" / "voter.key"
    for _restart in range(2):
        store = Store(target, voter_key_file=key_file)
        await store.open()
        assert await store.record_vote(entry_id="asean", user_id=FIRST_MEMBER, helpful=True)
        await store.close()
    generated = [r for r in caplog.records if "no voter key given" in r.getMessage()]
    assert len(generated) == 1
    assert generated[0].levelno == logging.WARNING
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert len(parse_key(key_file.read_text())) == 32
    # The same key after the restart: the second vote replaced the first.
    assert query(target, "SELECT count(*) FROM votes") == [(1,)]


async def test_a_key_given_outright_is_used_and_no_file_is_written(
    new_target: Callable[[], Target], tmp_path: Path
) -> None:
    target, key = new_target(), bytes(range(32))
    store = Store(target, voter_key=key, voter_key_file=tmp_path / "unused.key")
    await store.open()
    assert await store.record_vote(entry_id="asean", user_id=FIRST_MEMBER, helpful=False)
    await store.close()
    assert not (tmp_path / "unused.key").exists()
    voters = {bytes(v) for (v,) in query(target, "SELECT voter FROM votes")}  # type: ignore[call-overload]
    assert attributed(voters, [key]) == {FIRST_MEMBER}


async def test_an_old_file_has_its_salt_moved_out_and_keeps_its_voters(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A database as faqbot wrote it at schema version 2: the salt in meta, votes under it.
    database = tmp_path / "faqbot.sqlite3"
    connection = sqlite3.connect(database, isolation_level=None)
    old = SqliteSchema(connection)
    for migration in schema.MIGRATIONS[:2]:
        migration(old)
    old.set_version(2)
    [(salt,)] = connection.execute("SELECT value FROM meta WHERE key = 'voter_salt'").fetchall()
    voter = hmac.new(bytes.fromhex(salt), str(FIRST_MEMBER).encode(), hashlib.sha256).digest()
    connection.execute("INSERT INTO votes VALUES ('asean', ?, 1, 0)", (voter,))
    connection.close()

    key_file = tmp_path / "voter.key"
    store = Store(database, voter_key_file=key_file)
    await store.open()
    assert store.healthy
    # The same member voting again replaces the old vote: still one voter.
    assert await store.record_vote(entry_id="asean", user_id=FIRST_MEMBER, helpful=False)
    await store.close()
    assert query(database, "SELECT helpful FROM votes") == [(0,)]
    assert parse_key(key_file.read_text()) == bytes.fromhex(salt)
    assert query(database, "SELECT count(*) FROM meta WHERE key = 'voter_salt'") == [(0,)]
    assert query(database, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    assert any("moved the voter key out" in r.getMessage() for r in caplog.records)


async def test_a_malformed_key_file_leaves_the_store_not_recording(tmp_path: Path) -> None:
    key_file = tmp_path / "voter.key"
    key_file.write_text("not a key\n")
    store = Store(tmp_path / "faqbot.sqlite3", voter_key_file=key_file)
    await store.open()
    assert not store.healthy
    assert not await store.record_vote(entry_id="asean", user_id=FIRST_MEMBER, helpful=True)
    await store.close()


@pytest.mark.parametrize("text", ["", "abc", "zz" * 32, "ab" * 31])
def test_a_key_is_at_least_64_hexadecimal_digits(text: str) -> None:
    with pytest.raises(VoterKeyError, match="64 hexadecimal digits"):
        parse_key(text)
