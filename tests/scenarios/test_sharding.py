"""Sharding: a process configured for some shards identifies as them and serves their guilds."""

from __future__ import annotations

from support.answers import answered_entry

from bot.client import FaqBot
from bot.config import Settings
from testkit.discord_double import DiscordDouble, running_bot


async def test_a_process_for_shard_1_of_2_identifies_so_and_answers_its_guild(
    settings: Settings, discord_double: DiscordDouble
) -> None:
    # Commands are the application's: the process running shard 0 uploads them, once.
    shard_0 = settings.model_copy(update={"shard_count": 2, "shard_ids": (0,)})
    async with running_bot(FaqBot(shard_0), discord_double):
        assert (await discord_double.wait_for_identify())["shard"] == [0, 2]
    discord_double.requests.clear()
    sharded = settings.model_copy(update={"shard_count": 2, "shard_ids": (1,)})
    async with running_bot(FaqBot(sharded), discord_double) as bot:
        identify = await discord_double.wait_for_identify(count=2)
        assert identify["shard"] == [1, 2]
        assert sorted(bot.shards) == [1]  # type: ignore[attr-defined]
        # The test guild's id maps to shard 1 ((id >> 22) % 2), so Discord routes it here.
        assert (int(discord_double.world.guild_id) >> 22) % 2 == 1
        interaction = await discord_double.slash_command("ask", {"question": "what is cyder"})
        body = await discord_double.interaction_response(interaction["id"])
        assert answered_entry(body["data"]) == "cyder"
        assert bot.health_status().shards == (1,)  # type: ignore[attr-defined]
    assert not any(r.path == "/gateway/bot" for r in discord_double.requests)
    discord_double.assert_clean()


async def test_without_shard_settings_one_process_runs_discords_recommendation(
    settings: Settings, discord_double: DiscordDouble
) -> None:
    async with running_bot(FaqBot(settings), discord_double) as bot:
        identify = await discord_double.wait_for_identify()
        # The sharded client asks GET /gateway/bot how many shards Discord recommends.
        assert any(r.path == "/gateway/bot" for r in discord_double.requests)
        assert identify["shard"][1] == bot.shard_count  # type: ignore[attr-defined]
    discord_double.assert_clean()
