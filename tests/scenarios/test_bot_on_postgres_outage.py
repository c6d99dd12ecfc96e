"""The whole bot on PostgreSQL while the server stops and comes back: questions are still
answered, votes say they could not be saved (one storage error logged, not one per vote),
and once the server is back the bot records again by itself, losing no acknowledged vote."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from support.answers import FOLLOWUP, answered_entry
from support.bot_fixtures import StartBot
from support.postgres_server import PostgresServer

from testkit.discord_double import DiscordDouble
from testkit.discord_double.payloads import Payload

DEFERRED = 5
RECORDED = "feedback is recorded"
NOT_SAVED = "couldn't be saved"


async def answer_to(double: DiscordDouble, question: str) -> Payload:
    asked = await double.slash_command("ask", {"question": question})
    await double.interaction_response(asked["id"], timeout=15)
    return double.original_message(asked["id"])


async def vote(double: DiscordDouble, answer: Payload, user: Any) -> str:
    """Vote helpful on ``answer`` as ``user``; the text of the bot's reply, which comes as a
    follow-up when the write is slow enough for the bot to acknowledge first."""
    entry_id = answered_entry(answer)
    click = await double.click_button(f"faq:vote:{entry_id}:1", message=answer, user=user)
    body = await double.interaction_response(click["id"], timeout=15)
    if body["type"] != DEFERRED:
        return str(body["data"].get("content") or "")
    followup = await double.wait_for_request(
        "POST",
        FOLLOWUP,
        predicate=lambda r: r.path.split("/")[3] == click["token"],
        timeout=30,
    )
    return str(followup.body.get("content") or "")


async def test_a_postgresql_outage_leaves_the_bot_answering_and_it_records_again_after(
    own_server: PostgresServer,
    start_bot: StartBot,
    discord_double: DiscordDouble,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
    quick_pool_timeouts: None,
) -> None:
    double, world = discord_double, discord_double.world
    url = own_server.create_database()
    # data_dir: with a URL for a database, the state files have no database file to sit by.
    async with start_bot(
        database=url, voter_key=SecretStr("ab" * 32), data_dir=tmp_path / "state"
    ) as bot:
        answer = await answer_to(double, "what is the tsubame project")
        assert RECORDED in await vote(double, answer, world.member_user)

        own_server.stop(mode="fast")
        during = await answer_to(double, "what is cyder")
        assert answered_entry(during) == "cyder", "questions are answered without storage"
        assert NOT_SAVED in await vote(double, during, world.member_user)
        assert NOT_SAVED in await vote(double, during, world.owner)
        storage_errors = [
            r for r in caplog.records if r.name == "bot.storage" and r.levelno >= logging.ERROR
        ]
        assert len(storage_errors) == 1, [r.getMessage() for r in storage_errors]

        own_server.start()  # the same port: the pool finds it again by itself
        # The pool retries with a growing pause, so the first writes after the return may
        # still fail: wait for the bot's own storage probe to get through (votes are rate
        # limited per member, so they are not the thing to poll with).
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 60
        while not await bot.store.probe():
            assert loop.time() < deadline, "the bot never reconnected"
            await asyncio.sleep(0.5)
        assert RECORDED in await vote(double, during, world.member_user)
        stats = await bot.store.stats(since=datetime(2000, 1, 1, tzinfo=UTC))
    # The vote before the outage and the one after it; none of those refused in between.
    assert {(f.entry_id, f.helpful) for f in stats.feedback} == {
        ("tsubame-project", 1),
        ("cyder", 1),
    }
    double.assert_clean()
