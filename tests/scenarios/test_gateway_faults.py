"""Gateway faults: after each, the bot RESUMEs (or IDENTIFYs anew) and answers again.

The double holds back the dispatches of an interaction sent just before the fault
(hold_dispatches), so that the bot can only get it by RESUMEing: the double replays what
the session missed, by sequence number, before RESUMED. Each test also asks once before and
once after the fault; every wait for an answer times out after 5 s, and that timeout is the
assertion. No interaction may be answered twice: a second callback would be recorded by the
double as a duplicate_ack violation, and each test counts the accepted callbacks too.

FaqBot is discord.py's AutoShardedBot, so reconnecting is discord/shard.py's work: a lost
connection, a close code other than 1000/4004/4010-4014, op 7 and op 9 (d=true) all make
it RESUME at once; op 9 (d=false) makes it IDENTIFY again after before_identify_hook.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from support.answers import answered_entry

from bot.client import FaqBot
from bot.config import Settings
from testkit.discord_double import DiscordDouble, running_bot
from testkit.discord_double.gateway import GatewaySession
from testkit.discord_double.payloads import Payload

QUESTIONS = (
    ("is tsubame still running", "tsubame-status"),
    ("what is the tsubame project", "tsubame-project"),
    ("how do tsubame sensors work", "tsubame-sensors"),
)
ANSWER_TIMEOUT = 5.0
GLOBAL_COMMANDS = "/applications/{application_id}/commands"


async def ask_and_get_answer(double: DiscordDouble, number: int) -> Payload:
    """/ask question `number` and await its answer (5 s at most)."""
    question, entry_id = QUESTIONS[number]
    interaction = await double.slash_command("ask", {"question": question})
    await assert_answered(double, interaction, entry_id)
    return interaction


async def assert_answered(double: DiscordDouble, interaction: Payload, entry_id: str) -> None:
    body = await double.interaction_response(interaction["id"], timeout=ANSWER_TIMEOUT)
    assert body["type"] == 4
    assert answered_entry(body["data"]) == entry_id


def assert_each_answered_once(double: DiscordDouble, *interactions: Payload) -> None:
    for interaction in interactions:
        accepted = [r for r in double.callbacks(interaction["id"]) if r.status < 300]
        assert len(accepted) == 1, f"{interaction['id']}: {len(accepted)} accepted callbacks"


def replayed_interactions(session: GatewaySession) -> list[str]:
    """Ids of the INTERACTION_CREATEs the double replayed when this session RESUMEd."""
    return [
        d.data["id"]
        for d in session.log
        if d.seq in session.replayed and d.event == "INTERACTION_CREATE"
    ]


async def close_code(double: DiscordDouble, session: GatewaySession) -> int | None:
    """How the connection ended, once it has (None: without a close frame)."""
    await double.changes.wait_for(
        lambda: session.ended or None, timeout=ANSWER_TIMEOUT, what="the connection's end"
    )
    return session.close_code


async def assert_missed_interaction_replayed(
    double: DiscordDouble, before: int, missed: Payload
) -> GatewaySession:
    """The bot RESUMEd on a new connection, got the missed interaction and answered it."""
    session = await double.wait_for_session(after=before, timeout=ANSWER_TIMEOUT)
    assert session.resumed
    assert session.path == "/resume"  # READY's resume_gateway_url
    assert replayed_interactions(session) == [missed["id"]]
    await assert_answered(double, missed, QUESTIONS[1][1])
    assert len(double.identifies) == 1  # resumed: no new session
    return session


# --- connection lost or closed ---------------------------------------------------------------


async def test_a_connection_dropped_without_a_close_frame_is_resumed(
    bot: FaqBot, discord_double: DiscordDouble
) -> None:
    first = await ask_and_get_answer(discord_double, 0)
    before = len(discord_double.gateway.sessions)
    async with discord_double.hold_dispatches() as (dropped,):
        missed = await discord_double.slash_command("ask", {"question": QUESTIONS[1][0]})
        discord_double.abort_gateway()  # TCP connection gone: no close frame
    await assert_missed_interaction_replayed(discord_double, before, missed)
    # 1006 is what a connection that ended without any close frame is said to have.
    assert await close_code(discord_double, dropped) == 1006
    after = await ask_and_get_answer(discord_double, 2)
    assert_each_answered_once(discord_double, first, missed, after)
    discord_double.assert_clean()


@pytest.mark.parametrize("code", [1006, 4000])
async def test_a_connection_closed_with_a_resumable_code_is_resumed(
    bot: FaqBot, discord_double: DiscordDouble, code: int
) -> None:
    first = await ask_and_get_answer(discord_double, 0)
    before = len(discord_double.gateway.sessions)
    async with discord_double.hold_dispatches() as (closed,):
        missed = await discord_double.slash_command("ask", {"question": QUESTIONS[1][0]})
        await discord_double.drop_gateway(code=code)
    await assert_missed_interaction_replayed(discord_double, before, missed)
    assert await close_code(discord_double, closed) == code
    after = await ask_and_get_answer(discord_double, 2)
    assert_each_answered_once(discord_double, first, missed, after)
    discord_double.assert_clean()


# --- opcodes 7 and 9 -------------------------------------------------------------------------


async def test_a_reconnect_request_is_followed_by_a_resume(
    bot: FaqBot, discord_double: DiscordDouble
) -> None:
    first = await ask_and_get_answer(discord_double, 0)
    before = len(discord_double.gateway.sessions)
    async with discord_double.hold_dispatches() as (asked_to_leave,):
        missed = await discord_double.slash_command("ask", {"question": QUESTIONS[1][0]})
        await discord_double.request_reconnect()
    await assert_missed_interaction_replayed(discord_double, before, missed)
    assert await close_code(discord_double, asked_to_leave) == 4000  # discord.py closed it
    after = await ask_and_get_answer(discord_double, 2)
    assert_each_answered_once(discord_double, first, missed, after)
    discord_double.assert_clean()


async def test_a_resumable_invalid_session_is_resumed(
    bot: FaqBot, discord_double: DiscordDouble
) -> None:
    first = await ask_and_get_answer(discord_double, 0)
    before = len(discord_double.gateway.sessions)
    async with discord_double.hold_dispatches():
        missed = await discord_double.slash_command("ask", {"question": QUESTIONS[1][0]})
        await discord_double.invalidate_session(resumable=True)
    await assert_missed_interaction_replayed(discord_double, before, missed)
    after = await ask_and_get_answer(discord_double, 2)
    assert_each_answered_once(discord_double, first, missed, after)
    discord_double.assert_clean()


async def test_a_non_resumable_invalid_session_makes_the_bot_identify_again(
    settings: Settings, discord_double: DiscordDouble, caplog: pytest.LogCaptureFixture
) -> None:
    bot = FaqBot(settings)

    async def identify_at_once(shard_id: int | None, *, initial: bool = False) -> None:
        """discord.py waits 5 s before each IDENTIFY after the first, for Discord's identify
        rate limit (which the double does not have); the wait is all this replaces."""

    bot.before_identify_hook = identify_at_once  # type: ignore[method-assign]
    async with running_bot(bot, discord_double):
        first = await ask_and_get_answer(discord_double, 0)
        syncs = [r for r in discord_double.requests if r.template == GLOBAL_COMMANDS]
        before = len(discord_double.gateway.sessions)
        await discord_double.invalidate_session(resumable=False)
        session = await discord_double.wait_for_session(after=before, timeout=ANSWER_TIMEOUT)
        assert not session.resumed
        assert session.path == "/"  # a new session starts at the default gateway
        identify = await discord_double.wait_for_identify(count=2)
        assert identify["shard"] == discord_double.identifies[0]["shard"]
        assert await close_code(discord_double, discord_double.gateway.sessions[before - 1]) == 1000
        after = await ask_and_get_answer(discord_double, 2)
        # A new session is not a restart: the commands are not uploaded again.
        assert [r for r in discord_double.requests if r.template == GLOBAL_COMMANDS] == syncs
    assert_each_answered_once(discord_double, first, after)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    discord_double.assert_clean()


# --- heartbeats not acknowledged -------------------------------------------------------------

# HELLO's interval is cut from 41.25 s to 0.1 s, and discord.py's heartbeat_timeout (a Client
# option; 60 s by default) to 1 s. discord.py never checks for op 11 as such: a connection
# counts as dead when nothing at all (no ACK, no dispatch) has arrived for heartbeat_timeout.
HEARTBEAT_INTERVAL_MS = 100
HEARTBEAT_TIMEOUT = 1.0


@pytest_asyncio.fixture
async def quick_heartbeat_bot(
    settings: Settings, discord_double: DiscordDouble
) -> AsyncIterator[FaqBot]:
    discord_double.gateway.heartbeat_interval_ms = HEARTBEAT_INTERVAL_MS
    bot = FaqBot(settings, heartbeat_timeout=HEARTBEAT_TIMEOUT)
    async with running_bot(bot, discord_double):
        yield bot


async def test_unacknowledged_heartbeats_make_the_bot_reconnect_and_resume(
    quick_heartbeat_bot: FaqBot, discord_double: DiscordDouble
) -> None:
    first = await ask_and_get_answer(discord_double, 0)
    before = len(discord_double.gateway.sessions)
    async with discord_double.hold_dispatches():
        (zombie,) = discord_double.stop_heartbeat_acks()
        beats = zombie.heartbeats
        missed = await discord_double.slash_command("ask", {"question": QUESTIONS[1][0]})
        session = await assert_missed_interaction_replayed(discord_double, before, missed)
    assert zombie.heartbeats > beats  # the bot kept beating into the silence, then left
    assert await close_code(discord_double, zombie) == 4000
    assert session.heartbeats >= 1  # and the new connection is acknowledged again
    after = await ask_and_get_answer(discord_double, 2)
    assert_each_answered_once(discord_double, first, missed, after)
    discord_double.assert_clean()
