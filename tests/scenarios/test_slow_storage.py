"""A slow database never makes a reply miss Discord's 3-second acknowledgement window.

The slowness is real, not simulated: another connection takes the database's write lock and
keeps it for four seconds, as a backup, an ``sqlite3`` shell or a maintenance script would.
SQLite makes each of the bot's writes wait for the lock (up to its 5-second busy timeout), and
the store's single worker thread waits with them, so reads queued behind a write (the admin
views) wait too. Nothing in the bot is replaced or patched.

A reply that reports a write's outcome ("your feedback is recorded", "your question was
noted") must therefore defer first and follow up. The double records an acknowledgement later
than 3 s as a ``late_ack`` violation, so ``assert_clean`` proves none was late.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.client import FaqBot
from bot.config import Settings
from bot.features.replies import ACK_BUDGET_SECONDS
from bot.storage import EntryFeedback, utcnow
from testkit.discord_double import DiscordDouble, RecordedRequest
from testkit.discord_double.payloads import Payload

LOCK_SECONDS = 4.0  # longer than Discord's window, shorter than SQLite's busy timeout
ACK_DEADLINE = 3.0
CHANNEL_MESSAGES = "/channels/{channel_id}/messages"
FOLLOWUP = "/webhooks/{webhook_id}/{webhook_token}"
EPHEMERAL = 1 << 6
DEFERRED = 5
UNKNOWN_QUESTION = "how do I bake sourdough bread"
UNKNOWN_MENTION = "how do I repair a bicycle chain"


@contextlib.asynccontextmanager
async def write_lock_held(database: Path, seconds: float = LOCK_SECONDS) -> AsyncIterator[None]:
    """Another connection holds the write lock from now until ``seconds`` have passed.

    The block runs while the lock is held; leaving it waits for the release.
    """
    connection = sqlite3.connect(database, isolation_level=None, timeout=0)
    connection.execute("BEGIN IMMEDIATE")  # the WAL write lock: every other writer waits

    async def release_later() -> None:
        await asyncio.sleep(seconds)
        connection.execute("ROLLBACK")
        connection.close()

    releaser = asyncio.create_task(release_later())
    try:
        yield
    finally:
        await releaser


def ack_delay(double: DiscordDouble, interaction: Payload) -> float:
    record = double.interactions[interaction["id"]]
    assert record.acked_at is not None, f"{record.label} was never acknowledged"
    return record.acked_at - record.dispatched_at


async def followup_of(double: DiscordDouble, interaction: Payload) -> RecordedRequest:
    """The follow-up message sent with ``interaction``'s token."""
    return await double.wait_for_request(
        "POST",
        FOLLOWUP,
        predicate=lambda r: r.path.split("/")[3] == interaction["token"],
        timeout=LOCK_SECONDS + 3,
    )


async def logged_questions(bot: FaqBot) -> int:
    return (await bot.store.stats(since=utcnow() - timedelta(hours=1))).questions


async def test_a_vote_while_the_database_is_locked_is_deferred_then_confirmed(
    bot: FaqBot, discord_double: DiscordDouble, settings: Settings, eventually: Any
) -> None:
    asked = await discord_double.slash_command("ask", {"question": "what is the tsubame project"})
    assert (await discord_double.interaction_response(asked["id"]))["type"] == 4
    answer = discord_double.original_message(asked["id"])
    await eventually(lambda: logged_questions(bot), what="the question logged before the lock")

    async with write_lock_held(settings.database):
        click = await discord_double.click_button("faq:vote:tsubame-project:1", message=answer)
        body = await discord_double.interaction_response(click["id"], timeout=ACK_DEADLINE)
        assert body["type"] == DEFERRED, body
        assert body["data"]["flags"] & EPHEMERAL
        followup = await followup_of(discord_double, click)

    # Deferred because the write was slow (not before), in time, and confirmed only once the
    # vote was stored, which the lock held up for its whole length.
    assert ACK_BUDGET_SECONDS - 0.1 < ack_delay(discord_double, click) < ACK_DEADLINE
    waited = followup.received_at - discord_double.interactions[click["id"]].dispatched_at
    assert waited > LOCK_SECONDS - 0.5
    assert "feedback is recorded" in followup.body["content"]
    assert followup.body["flags"] & EPHEMERAL
    stats = await bot.store.stats(since=utcnow() - timedelta(hours=1))
    assert stats.feedback == [EntryFeedback("tsubame-project", 1, 0)]
    discord_double.assert_clean()


async def test_every_interaction_is_acknowledged_in_time_while_the_database_is_locked(
    bot: FaqBot,
    discord_double: DiscordDouble,
    settings: Settings,
    as_server_manager: Any,
    eventually: Any,
) -> None:
    double = discord_double
    await eventually(lambda: bot.store.healthy, what="the store to open")
    async with write_lock_held(settings.database):
        answer = await double.slash_command("ask", {"question": "what is the tsubame project"})
        unknown = await double.slash_command("ask", {"question": UNKNOWN_QUESTION})
        suggest = await double.slash_command("ask", {"question": "training"})
        typed = await double.autocomplete("ask", {"question": "tsu"}, focused="question")
        topics = await double.slash_command("topics")
        stats = await as_server_manager("stats")
        unanswered = await as_server_manager("unanswered")
        mention = await double.user_message(UNKNOWN_MENTION, mention_bot=True)

        # Replies that promise nothing about storage go out at once, and are logged after.
        for interaction, kind in ((answer, 4), (suggest, 4), (typed, 8), (topics, 4)):
            body = await double.interaction_response(interaction["id"], timeout=ACK_DEADLINE)
            assert body["type"] == kind, body
            assert ack_delay(double, interaction) < ACK_BUDGET_SECONDS
        # Replies that report a write or a read defer in time and follow up when it is done.
        for interaction in (unknown, stats, unanswered):
            body = await double.interaction_response(interaction["id"], timeout=ACK_DEADLINE)
            assert body["type"] == DEFERRED, body
            assert ack_delay(double, interaction) < ACK_DEADLINE
        # A message reply has no deadline, but is not held up either: it goes without the
        # "noted" line, since the question is not logged yet.
        declined = await double.wait_for_request(
            "POST", CHANNEL_MESSAGES, timeout=ACK_BUDGET_SECONDS + 1
        )
        assert str(declined.body["message_reference"]["message_id"]) == mention["id"]
        assert "couldn't find that" in declined.body["content"]
        assert "noted" not in declined.body["content"]

    noted = await followup_of(double, unknown)
    assert "couldn't find that" in noted.body["content"]
    assert "Your question was noted" in noted.body["content"]
    assert "Questions since" in (await followup_of(double, stats)).body["content"]
    assert "```" in (await followup_of(double, unanswered)).body["content"]
    # Every question reached the log once the lock was gone, the declined mention included.
    await eventually(
        lambda: _logged_equals(bot, 4), timeout=LOCK_SECONDS, what="four questions logged"
    )
    groups = await bot.store.unanswered(since=utcnow() - timedelta(hours=1))
    assert sorted(g.example for g in groups) == sorted([UNKNOWN_QUESTION, UNKNOWN_MENTION])
    double.assert_clean()


async def _logged_equals(bot: FaqBot, count: int) -> bool:
    return await logged_questions(bot) == count


async def test_shutdown_waits_for_answers_a_locked_database_holds_up(
    bot: FaqBot, discord_double: DiscordDouble, settings: Settings, eventually: Any
) -> None:
    """Each kind of handler (command, button, mention) is mid-write when shutdown starts:
    every one still finishes its reply and its write before the bot closes."""
    double = discord_double
    asked = await double.slash_command("ask", {"question": "what is the tsubame project"})
    await double.interaction_response(asked["id"])
    answer = double.original_message(asked["id"])
    await eventually(lambda: logged_questions(bot), what="the question logged before the lock")

    async with write_lock_held(settings.database):
        unknown = await double.slash_command("ask", {"question": UNKNOWN_QUESTION})
        click = await double.click_button("faq:vote:tsubame-project:1", message=answer)
        await double.user_message(UNKNOWN_MENTION, mention_bot=True)
        for interaction in (unknown, click):
            body = await double.interaction_response(interaction["id"], timeout=ACK_DEADLINE)
            assert body["type"] == DEFERRED, body  # the handler is now waiting for its write
        await double.wait_for_request("POST", CHANNEL_MESSAGES, timeout=ACK_BUDGET_SECONDS + 1)
        assert len(bot.in_flight) == 3

        await bot.shutdown()

        # Nothing is awaited after shutdown: what was sent, was sent before the bot closed.
        assert bot.is_closed()
        followups = {
            r.path.split("/")[3]: r.body["content"]
            for r in double.requests
            if r.method == "POST" and r.template == FOLLOWUP
        }
        assert "Your question was noted" in followups[unknown["token"]]
        assert "feedback is recorded" in followups[click["token"]]

    database = sqlite3.connect(settings.database)
    try:
        (questions,) = database.execute("SELECT count(*) FROM questions").fetchone()
        (votes,) = database.execute("SELECT count(*) FROM votes").fetchone()
    finally:
        database.close()
    assert (questions, votes) == (3, 1)  # the answered one, and both held up by the lock
    double.assert_clean()
