"""The question log and feedback votes under storage faults: a killed process, a database
that cannot be written, a full disk.

What "acknowledged" means here, since it decides what may be lost:

- A vote is acknowledged by the reply "your feedback is recorded". The bot sends it only once
  the write has committed (one autocommit statement, already in the WAL file), so it must
  survive the process being killed a moment later.
- A question the FAQ does not cover is acknowledged by "Your question was noted". That reply,
  too, is sent only after the write, so it must survive as well.
- A question that gets an answer is acknowledged by the answer, which says nothing about the
  log: the bot answers first and logs afterwards, so the answer never waits for the disk. A
  kill between the two loses that row, and nobody was told otherwise. For those rows the test
  demands only what can be promised: every row that is there is whole and matches a question
  that was asked, with the decision its reply showed; none is duplicated or invented.
"""

from __future__ import annotations

import asyncio
import errno
import hashlib
import hmac
import logging
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from support.answers import FOLLOWUP, answered_entry, replies
from support.bot_process import LAUNCHER, bot_environment

from bot.client import FaqBot
from bot.config import Settings
from bot.storage import Store
from knowledge.loader import load_knowledge_base
from testkit.discord_double import DiscordDouble, running_bot
from testkit.discord_double.payloads import Payload

COMMANDS = "/applications/{application_id}/guilds/{guild_id}/commands"
RECORDED = "feedback is recorded"
NOT_SAVED = "couldn't be saved"
NOTED = "Your question was noted"
KILL_AFTER_VOTES = 20


def unknown_question(n: int, width: int = 0) -> str:
    """A question no FAQ entry is near: the bot declines it and logs it as unanswered."""
    return f"zqx{n} vlorp wibble frobnicate".ljust(width, "z")


def said(double: DiscordDouble, interaction: Payload, text: str) -> bool:
    return any(text in reply for reply in replies(double, interaction))


def storage_errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "bot.storage" and "not recorded" in r.getMessage()
    ]


# --- the process killed mid-stream -------------------------------------------------------


async def start_bot_process(
    double: DiscordDouble, tmp_path: Path, faq_dir: Path, *, run: int
) -> asyncio.subprocess.Process:
    """`faqbot run` as a real process against the double; ``run`` counts starts (1, 2...).

    Output goes to a file, not a pipe: a pipe nobody reads would stall a chatty bot.
    """
    env = bot_environment(double, tmp_path, faq_dir)
    with (tmp_path / f"bot-run-{run}.log").open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(LAUNCHER),
            env=env,
            cwd=tmp_path,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    await double.wait_for_request("PUT", COMMANDS, timeout=30)
    await double.wait_for_identify(count=run, timeout=30)
    newest = double.gateway.sessions[-1]
    await double.changes.wait_for(
        lambda: True if double.gateway.live_sessions() == [newest] else None,
        timeout=10,
        what=f"start {run}'s gateway session to be the only live one",
    )
    return process


def bot_output(tmp_path: Path, run: int) -> str:
    return (tmp_path / f"bot-run-{run}.log").read_text(errors="replace")


def copy_database(database: Path, to: Path) -> Path:
    """Copy the file with its WAL and shared-memory index, as the killed process left them."""
    to.mkdir()
    for suffix in ("", "-wal", "-shm"):
        source = database.with_name(database.name + suffix)
        if source.exists():
            shutil.copy2(source, to / source.name)
    return to / database.name


def voter_hash(salt: bytes, user: Payload) -> bytes:
    # The store keeps HMAC-SHA256(salt, user id), never the id (see bot/storage/database.py).
    return hmac.new(salt, str(user["id"]).encode("ascii"), hashlib.sha256).digest()


@dataclass
class Stream:
    """Everything sent to the bot: who asked what and who voted how."""

    asked: list[tuple[Payload, str, str, str | None]] = field(default_factory=list)
    votes: list[tuple[Payload, str, Payload, bool]] = field(default_factory=list)
    answers: dict[str, Payload] = field(default_factory=dict)  # entry id -> message

    def acknowledged_votes(self, double: DiscordDouble) -> list[tuple[str, Payload, bool]]:
        return [
            (entry_id, user, helpful)
            for click, entry_id, user, helpful in self.votes
            if said(double, click, RECORDED)
        ]


async def stream_traffic(
    double: DiscordDouble, faq_dir: Path, stream: Stream, *, lane: int, lanes: int
) -> None:
    """/ask every ``lanes``-th entry and an uncovered question after each; both voters vote
    on each answer without waiting for the vote's reply, so writes overlap. Several lanes run
    at once. Runs until cancelled or out of entries."""
    knowledge_base = load_knowledge_base(faq_dir).knowledge_base
    assert knowledge_base is not None
    world = double.world
    voters = ((world.member_user, True), (world.owner, False))
    for n, entry in list(enumerate(knowledge_base.entries))[lane::lanes]:
        # A question sent verbatim is a picked autocomplete choice: answered with that entry.
        known = await double.slash_command("ask", {"question": entry.question})
        stream.asked.append((known, entry.question, "answer", entry.id))
        unknown = await double.slash_command("ask", {"question": unknown_question(n)})
        stream.asked.append((unknown, unknown_question(n), "none", None))
        await double.interaction_response(known["id"], timeout=10)
        message = double.original_message(known["id"])
        stream.answers[entry.id] = message
        for user, helpful in voters:
            custom_id = f"faq:vote:{entry.id}:{int(helpful)}"
            click = await double.click_button(custom_id, message=message, user=user)
            stream.votes.append((click, entry.id, user, helpful))


async def test_sigkill_mid_stream_loses_no_acknowledged_write_and_the_bot_restarts_on_it(
    discord_double: DiscordDouble, tmp_path: Path, faq_dir: Path
) -> None:
    double = discord_double
    database = tmp_path / "data" / "faqbot.sqlite3"
    process = await start_bot_process(double, tmp_path, faq_dir, run=1)
    stream = Stream()
    lanes = 3
    streaming = [
        asyncio.create_task(stream_traffic(double, faq_dir, stream, lane=lane, lanes=lanes))
        for lane in range(lanes)
    ]
    try:
        await double.changes.wait_for(
            lambda: True if len(stream.acknowledged_votes(double)) >= KILL_AFTER_VOTES else None,
            timeout=30,
            what=f"{KILL_AFTER_VOTES} votes acknowledged",
        )
        process.kill()  # SIGKILL: no shutdown code runs
        assert await asyncio.wait_for(process.wait(), timeout=10) == -signal.SIGKILL
    finally:
        for lane in streaming:
            lane.cancel()
        await asyncio.gather(*streaming, return_exceptions=True)
        if process.returncode is None:
            process.kill()
    # Mid-stream: some of what was sent had no reply when the process died.
    assert any(not replies(double, click) for click, *_ in stream.votes + stream.asked)

    # Inspect a copy, so the restart below has to recover the original by itself.
    copy = copy_database(database, tmp_path / "inspect")
    connection = sqlite3.connect(copy)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        votes = {
            (entry_id, bytes(voter)): helpful
            for entry_id, voter, helpful in connection.execute(
                "SELECT entry_id, voter, helpful FROM votes"
            )
        }
        rows = connection.execute(
            "SELECT question, decision, entry_id, score, source FROM questions"
        ).fetchall()
    finally:
        connection.close()

    # The voter key the bot generated beside its database (it is never inside it).
    salt = bytes.fromhex((database.parent / "voter.key").read_text())
    acknowledged = stream.acknowledged_votes(double)
    assert len(acknowledged) >= KILL_AFTER_VOTES
    for entry_id, user, helpful in acknowledged:
        assert votes.get((entry_id, voter_hash(salt, user))) == int(helpful), (entry_id, user)

    sent = {question: (decision, entry_id) for _, question, decision, entry_id in stream.asked}
    logged = [question for question, *_ in rows]
    assert len(logged) == len(set(logged)), "a question was logged twice"
    for question, decision, entry_id, score, source in rows:
        assert question in sent, f"a logged question nobody asked: {question!r}"
        assert (decision, entry_id) == sent[question]
        assert source == "slash"
        assert 0.0 <= score <= 1.0
    noted = [
        q for i, q, decision, _ in stream.asked if decision == "none" and said(double, i, NOTED)
    ]
    assert noted, "no uncovered question was acknowledged before the kill"
    assert set(noted) <= set(logged)
    assert any(decision == "answer" for _, decision, *_ in rows)

    # The same database, hot WAL and all: the bot opens it cleanly, answers and stores again.
    first_entry, first_answer = next(iter(stream.answers.items()))
    process = await start_bot_process(double, tmp_path, faq_dir, run=2)
    try:
        asked = await double.slash_command("ask", {"question": "what is the tsubame project"})
        body = await double.interaction_response(asked["id"], timeout=10)
        assert answered_entry(body["data"]) == "tsubame-project"
        # A button sent before the kill still works, and the member changes their vote.
        custom_id = f"faq:vote:{first_entry}:0"
        click = await double.click_button(custom_id, message=first_answer)
        await double.interaction_response(click["id"], timeout=10)
        assert said(double, click, RECORDED), replies(double, click)
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), timeout=15) == 0
    finally:
        if process.returncode is None:
            process.kill()
    output = bot_output(tmp_path, 2)
    assert "Traceback" not in output
    assert "not recording" not in output, output
    connection = sqlite3.connect(database)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        member = voter_hash(salt, double.world.member_user)
        (helpful,) = connection.execute(
            "SELECT helpful FROM votes WHERE entry_id = ? AND voter = ?", (first_entry, member)
        ).fetchone()
    finally:
        connection.close()
    assert helpful == 0


# --- a database that cannot be written ------------------------------------------------------


@dataclass
class Outcome:
    """What the users were told during a burst of traffic."""

    answered: int = 0
    declined: dict[str, bool] = field(default_factory=dict)  # question -> said "noted"
    votes: list[str] = field(default_factory=list)  # the reply to each vote


async def reply_text(double: DiscordDouble, interaction: Payload) -> str:
    body = await double.interaction_response(interaction["id"])
    if body["type"] == 5:  # deferred: the text is in the follow-up
        await double.wait_for_request(
            "POST", FOLLOWUP, predicate=lambda r: r.path.split("/")[3] == interaction["token"]
        )
    return "\n".join(replies(double, interaction))


async def send_traffic(
    double: DiscordDouble, rounds: int, *, start: int = 0, width: int = 0
) -> Outcome:
    """Each round: a question with an answer, a vote on it, and an uncovered question."""
    outcome = Outcome()
    for n in range(start, start + rounds):
        asked = await double.slash_command("ask", {"question": "what is the tsubame project"})
        body = await double.interaction_response(asked["id"])
        assert answered_entry(body["data"]) == "tsubame-project"
        outcome.answered += 1
        answer = double.original_message(asked["id"])
        click = await double.click_button("faq:vote:tsubame-project:1", message=answer)
        outcome.votes.append(await reply_text(double, click))
        question = unknown_question(n, width)
        unknown = await double.slash_command("ask", {"question": question})
        text = await reply_text(double, unknown)
        assert "couldn't find that" in text
        outcome.declined[question] = NOTED in text
    return outcome


def logged_questions(database: Path) -> set[str]:
    connection = sqlite3.connect(database)
    try:
        return {q for (q,) in connection.execute("SELECT question FROM questions")}
    finally:
        connection.close()


async def test_a_database_that_cannot_be_created_leaves_the_bot_answering(
    start_bot: Any,
    discord_double: DiscordDouble,
    tmp_path: Path,
    as_server_manager: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Its directory would have to be where a regular file is: mkdir and open both fail, for
    # root too, which no file permission would stop.
    occupied = tmp_path / "occupied"
    occupied.write_text("not a directory\n")
    caplog.set_level(logging.INFO, logger="bot.storage")
    async with start_bot(database=occupied / "faqbot.sqlite3") as bot:
        assert not bot.store.healthy
        outcome = await send_traffic(discord_double, rounds=5)
        stats = await as_server_manager("stats")
        assert (await discord_double.interaction_response(stats["id"]))["type"] == 5
        followup = await discord_double.wait_for_request("POST", FOLLOWUP)
        assert followup.body["content"].startswith("Statistics are unavailable: cannot read")
    assert outcome.answered == 5
    assert not any(outcome.declined.values()), "a question was said to be noted"
    assert all(NOT_SAVED in vote for vote in outcome.votes)
    opened = [r for r in caplog.records if "not recording questions or votes" in r.getMessage()]
    assert len(opened) == 1
    assert len(storage_errors(caplog)) == 1, storage_errors(caplog)
    assert occupied.read_text() == "not a directory\n"
    discord_double.assert_clean()


async def test_a_read_only_database_leaves_the_bot_answering_and_logs_once(
    settings: Settings, discord_double: DiscordDouble, caplog: pytest.LogCaptureFixture
) -> None:
    created = Store(settings.database)
    await created.open()
    await created.close()
    bot = FaqBot(settings)
    # SQLite's mode=ro via the store's read_only option: the file cannot be written through
    # this connection, whoever runs the test (root ignores file permissions).
    bot.store = Store(settings.database, read_only=True)
    caplog.set_level(logging.INFO, logger="bot.storage")
    async with running_bot(bot, discord_double):
        outcome = await send_traffic(discord_double, rounds=5)
    assert outcome.answered == 5
    assert not any(outcome.declined.values())
    assert all(NOT_SAVED in vote for vote in outcome.votes)
    assert len(storage_errors(caplog)) == 1, storage_errors(caplog)
    assert logged_questions(settings.database) == set()
    discord_double.assert_clean()


class SizeCappedStore(Store):
    """The bot's own store, on a database that may not grow by a single page.

    ``PRAGMA max_page_count`` (set on the store's connection, on the store's thread, once it
    is open) makes SQLite refuse a write that needs a new page with SQLITE_FULL, "database or
    disk is full": the error a full disk gives, raised by SQLite itself. Writes that fit the
    pages already there still succeed, as they would on a full disk.
    """

    async def open(self) -> None:
        await super().open()
        database = self._opened.database
        assert database is not None
        await self._run(lambda: database._connection.execute("PRAGMA max_page_count = 1"))


async def test_a_full_database_leaves_the_bot_answering_and_logs_once(
    settings: Settings, discord_double: DiscordDouble, caplog: pytest.LogCaptureFixture
) -> None:
    bot = FaqBot(settings)
    bot.store = SizeCappedStore(settings.database)
    async with running_bot(bot, discord_double):
        # Long questions fill the log's one page within a few rounds.
        outcome = await send_traffic(discord_double, rounds=16, width=290)
    assert outcome.answered == 16
    logged = logged_questions(settings.database)
    # The reply says "noted" exactly for the questions that were stored.
    assert {q for q, noted in outcome.declined.items() if noted} == logged - {
        "what is the tsubame project"
    }
    assert not all(outcome.declined.values()), "the database never filled up"
    errors = storage_errors(caplog)
    assert len(errors) == 1, errors
    assert "database or disk is full" in errors[0]
    discord_double.assert_clean()


# --- a real filesystem that fills up or turns read-only (where mounting is allowed) ---------


@pytest.fixture
def small_filesystem(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB tmpfs of its own; skipped where the tests may not mount (not root, no
    CAP_SYS_ADMIN), as on most CI runners and developer machines."""
    mount_point = tmp_path / "small-fs"
    mount_point.mkdir()
    mount = shutil.which("mount")
    if mount is None or not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root and the mount command")
    made = subprocess.run(
        [mount, "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount_point)],
        capture_output=True,
        check=False,
    )
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode().strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def fill(directory: Path) -> Path:
    """Write a file until the filesystem is full; the file, to delete to make room again."""
    filler = directory / "filler"
    descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(descriptor, b"\0" * 65536)
    except OSError as exc:
        if exc.errno != errno.ENOSPC:
            raise
    finally:
        os.close(descriptor)
    return filler


def remount(mount_point: Path, mode: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{mode}", str(mount_point)], check=True)


async def test_a_full_disk_leaves_the_bot_answering_logs_once_and_recovers(
    start_bot: Any,
    discord_double: DiscordDouble,
    small_filesystem: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    database = small_filesystem / "faqbot.sqlite3"
    async with start_bot(database=database):
        before = await send_traffic(discord_double, rounds=1)
        filler = fill(small_filesystem)
        full = await send_traffic(discord_double, rounds=6, start=1, width=290)
        filler.unlink()
        after = await send_traffic(discord_double, rounds=1, start=7)
    assert all(before.declined.values())
    assert full.answered == 6
    assert not any(full.declined.values())
    assert any(NOT_SAVED in vote for vote in full.votes)
    assert all(after.declined.values()), "the store did not recover once there was room"
    errors = storage_errors(caplog)
    assert len(errors) == 1, errors
    assert "database or disk is full" in errors[0]
    logged = logged_questions(database)
    assert set(before.declined) | set(after.declined) <= logged
    assert not set(full.declined) & logged
    discord_double.assert_clean()


async def test_a_database_on_a_read_only_filesystem_leaves_the_bot_answering(
    start_bot: Any,
    discord_double: DiscordDouble,
    small_filesystem: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A real read-only file, opened the ordinary way. (Linux will not remount a filesystem
    # read-only while a file on it is open for writing, so it is read-only from the start.)
    database = small_filesystem / "faqbot.sqlite3"
    created = Store(database)
    await created.open()
    await created.close()
    remount(small_filesystem, "ro")
    try:
        async with start_bot(database=database) as bot:
            assert not bot.store.healthy
            outcome = await send_traffic(discord_double, rounds=5)
    finally:
        remount(small_filesystem, "rw")
    assert outcome.answered == 5
    assert not any(outcome.declined.values())
    assert all(NOT_SAVED in vote for vote in outcome.votes)
    opened = [r.getMessage() for r in caplog.records if "not recording" in r.getMessage()]
    assert len(opened) == 1
    assert "readonly" in opened[0] or "read-only" in opened[0], opened
    assert len(storage_errors(caplog)) == 1, storage_errors(caplog)
    assert logged_questions(database) == set()
    discord_double.assert_clean()
