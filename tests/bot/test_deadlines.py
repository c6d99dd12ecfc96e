"""Interactions too old to answer in time are dropped before any work, counted and summarised.

The ages are read from the interactions' snowflake ids, as the bot reads them from Discord's:
the double stamps each id with the time it is made, so an id made seconds ago is an
interaction that has been waiting that long.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime
from typing import Any

import discord
import pytest

from bot.client import FaqBot
from bot.deadlines import DROP_AFTER_SECONDS, LateInteractions, RecentMinimum
from testkit.discord_double import DiscordDouble, ids, interaction_payloads
from testkit.discord_double.payloads import Payload

CALLBACK = "/interactions/{interaction_id}/{interaction_token}/callback"
WAITED = 5.0  # seconds the old interactions have been waiting: past Discord's 3


def snowflake_at(seconds: float) -> int:
    return discord.utils.time_snowflake(datetime.fromtimestamp(seconds, UTC))


def test_an_age_is_the_wait_beyond_the_smallest_recent_lag_whatever_the_clocks_offset() -> None:
    for offset in (-7.0, 0.0, 3.5):  # the bot's clock against Discord's
        discord_now = 1_800_000_000.0
        late = LateInteractions(clock=lambda: discord_now + offset)  # noqa: B023
        # The first interaction arrives with no wait: whatever the offset, it is fresh.
        assert late.age(snowflake_at(discord_now - 0.05)) == pytest.approx(0.0)
        discord_now += 1.0
        assert late.age(snowflake_at(discord_now - 0.05)) == pytest.approx(0.0, abs=1e-3)
        discord_now += 1.0
        assert late.age(snowflake_at(discord_now - 2.55)) == pytest.approx(2.5, abs=1e-3)


def test_the_recent_minimum_forgets_values_older_than_its_window() -> None:
    minimum = RecentMinimum(window=100.0)
    assert minimum.add(0.0, 5.0) == 5.0
    assert minimum.add(50.0, 7.0) == 5.0
    assert minimum.add(105.0, 8.0) == 7.0  # 5.0 was seen more than 100 s ago
    assert minimum.add(106.0, 6.0) == 6.0


class StandIn:
    """What LateInteractions reads of an interaction: its id (and its identity)."""

    def __init__(self, created_at: float) -> None:
        self.id = snowflake_at(created_at)


async def test_turns_go_oldest_first_and_one_that_grew_too_old_waiting_is_dropped() -> None:
    now = [1_800_000_000.0]
    late = LateInteractions(turns=1, clock=lambda: now[0])
    done = {name: asyncio.Event() for name in "abc"}

    async def handler(name: str) -> bool:
        admitted = await late.admit(StandIn(created_at=1_800_000_000.0))  # type: ignore[arg-type]
        if admitted:
            await done[name].wait()  # the handler's work: its turn is held until it ends
        return admitted

    a, b, c = (asyncio.create_task(handler(name)) for name in "abc")
    await asyncio.sleep(0.01)
    assert [t.done() for t in (a, b, c)] == [False, False, False]  # a has the turn
    now[0] += 1.0
    done["a"].set()
    assert await a
    await asyncio.sleep(0.01)
    assert not b.done()  # b's turn came when it was 1 s old: in time, working
    now[0] += DROP_AFTER_SECONDS
    done["b"].set()
    assert await b
    assert not await c  # c waited past the point where an answer could arrive in time
    assert late.dropped_total == 1
    late.summarise()


def old_interaction(double: DiscordDouble, kind: str) -> Payload:
    """An interaction whose id says it was created WAITED seconds ago."""
    world = double.world
    iid = ids.snowflake(at=time.time() - WAITED)
    command_id, scope = double.command_target("ask", dm=False)
    if kind == "command":
        options = interaction_payloads.options_from({"question": "is tsubame still running"})
        data = interaction_payloads.command_data(
            "ask", options, command_id=command_id, guild_id=scope
        )
        interaction_type = interaction_payloads.APPLICATION_COMMAND
    elif kind == "autocomplete":
        options = interaction_payloads.options_from({"question": "tsu"}, focused="question")
        data = interaction_payloads.command_data(
            "ask", options, command_id=command_id, guild_id=scope
        )
        interaction_type = interaction_payloads.APPLICATION_COMMAND_AUTOCOMPLETE
    else:
        data = interaction_payloads.component_data("faq:related:tsubame-status")
        interaction_type = interaction_payloads.MESSAGE_COMPONENT
    payload = interaction_payloads.interaction(
        interaction_type,
        data,
        invoker=world.invoker(),
        application_id=world.application_id,
        interaction_id=iid,
    )
    if kind == "component":
        answered = next(m for m in double.messages.values() if m.get("embeds"))
        payload["message"] = interaction_payloads.component_message(
            answered, guild_id=world.guild_id
        )
    return payload


async def test_interactions_already_past_the_deadline_are_dropped_unanswered_and_counted(
    bot: FaqBot,
    discord_double: DiscordDouble,
    caplog: pytest.LogCaptureFixture,
    eventually: Any,
) -> None:
    bot.late.summary_seconds = 0.3
    fresh = await discord_double.slash_command("ask", {"question": "what is the tsubame project"})
    assert (await discord_double.interaction_response(fresh["id"]))["type"] == 4

    old = [
        await discord_double.send_interaction(old_interaction(discord_double, kind))
        for kind in ("command", "autocomplete", "component", "command")
    ]
    # One summary line for them all, and no line per interaction.
    summary = await eventually(
        lambda: [r for r in caplog.records if "arrived too late" in r.getMessage()],
        what="the summary line",
    )
    assert bot.late.dropped_total == len(old)
    for interaction in old:
        assert discord_double.callbacks(interaction["id"]) == []
    [line] = summary
    assert line.levelno == logging.WARNING
    assert line.getMessage().startswith("dropped 4 interaction(s) that arrived too late")
    assert [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.WARNING and r.name.startswith("bot") and r is not line
    ] == []

    # The bot answers the next one as ever.
    after = await discord_double.slash_command("ask", {"question": "is tsubame still running"})
    assert (await discord_double.interaction_response(after["id"]))["type"] == 4
    assert bot.late.dropped_total == len(old)
    unanswered = sorted(v.where for v in discord_double.unacknowledged())
    assert unanswered == sorted(discord_double.interactions[i["id"]].label for i in old)
    discord_double.assert_clean(ignore={"no_ack"})
