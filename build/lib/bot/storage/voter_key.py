"""The key of the HMAC that hides voter ids, kept outside the database.

Discord ids are few enough (and time-ordered) that anyone holding the hashes and their key can
hash every candidate member and read off who voted: the hashes are only as private as the key.
So the key lives where the token does, in a variable or a secret file, and a copy of the
database (a backup, a dump, a leaked volume) does not carry it.

Databases from before this module kept the key as ``voter_salt`` in their ``meta`` table. On
first open it is moved out: written to the key file (unless a key is already given), then the
migration deletes it from the database. Votes cast before keep counting as the same voters.
"""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger("bot.storage")

KEY_FILE_NAME = "voter.key"
KEY_BYTES = 32


class VoterKeyError(ValueError):
    """The key given or found is not one; the message says where it came from."""


@dataclass(frozen=True)
class VoterKeySource:
    """Where the key comes from: ``key`` when given outright, else ``file``."""

    key: bytes | None
    file: Path | None

    def __post_init__(self) -> None:
        if self.key is None and self.file is None:
            raise ValueError("a voter key or a voter key file is needed")


def parse_key(text: str) -> bytes:
    """A key as written: at least 64 hexadecimal digits (32 bytes)."""
    text = text.strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) < KEY_BYTES:
        raise VoterKeyError(
            f"expected at least {2 * KEY_BYTES} hexadecimal digits, as"
            f" `python -c 'import secrets; print(secrets.token_hex({KEY_BYTES}))'` prints"
        )
    return key


def resolve(source: VoterKeySource, legacy: bytes | None) -> bytes:
    """The key to hash voters with; ``legacy`` is a key found in the database, if any.

    Reads the key file, or creates it (from ``legacy`` when there is one, else at random).
    """
    if source.key is not None:
        _warn_if_other(legacy, source.key, "FAQBOT_VOTER_KEY")
        return source.key
    assert source.file is not None
    path = source.file
    if path.exists():
        key = _read(path)
        _warn_if_other(legacy, key, str(path))
        return key
    key = legacy if legacy is not None else secrets.token_bytes(KEY_BYTES)
    written = _create(path, key)
    if written != key:  # another process created it first: theirs is the key
        _warn_if_other(legacy, written, str(path))
        return written
    if legacy is not None:
        logger.warning(
            "moved the voter key out of the database into %s: keep that file, and keep it"
            " apart from the database's backups",
            path,
        )
    else:
        logger.warning(
            "no voter key given (FAQBOT_VOTER_KEY or FAQBOT_VOTER_KEY_FILE): generated %s;"
            " keep it, apart from the database's backups, and give every process that shares"
            " the database the same key",
            path,
        )
    return key


def _read(path: Path) -> bytes:
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise VoterKeyError(f"cannot read the voter key file {path}: {exc}") from None
    try:
        return parse_key(text)
    except VoterKeyError as exc:
        raise VoterKeyError(f"the voter key file {path} is malformed: {exc}") from None


def _create(path: Path, key: bytes) -> bytes:
    """Write ``key`` to a new ``path`` readable by its owner alone; the key that is there.

    Written to a temporary file and linked into place, so a reader never sees half a key and
    two processes starting at once end up with one key between them.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as out:
            out.write(key.hex() + "\n")
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return _read(path)
    finally:
        temporary.unlink(missing_ok=True)
    return key


def _warn_if_other(legacy: bytes | None, key: bytes, where: str) -> None:
    if legacy is not None and legacy != key:
        logger.warning(
            "the database held a different voter key from %s's; it is removed from the"
            " database, and people who voted before may vote once more on the same entries",
            where,
        )
