"""The client itself: logging in, the intents it asks for, and how it registers commands."""

from __future__ import annotations

import pytest
from support.answers import answered_entry
from support.bot_fixtures import with_settings

from bot.client import COMMAND_HASH_FILE, FaqBot
from bot.config import Settings
from testkit.discord_double import DiscordDouble, running_bot
from testkit.discord_double.payloads import (
    INTENT_DIRECT_MESSAGES,
    INTENT_GUILD_MESSAGES,
    INTENT_GUILDS,
    PRIVILEGED_INTENTS,
)

GLOBAL_COMMANDS = "/applications/{application_id}/commands"
GUILD_COMMANDS = "/applications/{application_id}/guilds/{guild_id}/commands"
MANAGE_GUILD = 1 << 5
GUILD_CONTEXT = 0
EPHEMERAL = 1 << 6


def command_puts(double: DiscordDouble, template: str) -> list[object]:
    return [r for r in double.requests if r.method == "PUT" and r.template == template]


async def test_logs_in_with_the_bot_token_and_becomes_ready(
    bot: FaqBot, discord_double: DiscordDouble
) -> None:
    me = await discord_double.wait_for_request("GET", "/users/@me")
    assert me.authorization == f"Bot {discord_double.token}"
    assert bot.is_ready()
    assert bot.user is not None
    assert str(bot.user.id) == discord_double.world.bot_id
    assert bot.get_guild(int(discord_double.world.guild_id)) is not None
    assert discord_double.requests_without_bot_auth() == []
    discord_double.assert_clean()


async def test_identify_asks_for_guilds_and_messages_but_no_privileged_intent(
    bot: FaqBot, discord_double: DiscordDouble
) -> None:
    identify = await discord_double.wait_for_identify()
    assert identify["intents"] == INTENT_GUILDS | INTENT_GUILD_MESSAGES | INTENT_DIRECT_MESSAGES
    assert identify["intents"] & PRIVILEGED_INTENTS == 0
    discord_double.assert_clean()


async def test_starts_where_privileged_intents_are_refused(
    settings: Settings, discord_double: DiscordDouble
) -> None:
    # An application without the message-content approval: the bot must still connect.
    discord_double.deny_privileged_intents = True
    async with running_bot(FaqBot(settings), discord_double) as client:
        assert client.is_ready()
    discord_double.assert_clean()


async def test_dev_guild_gets_every_command_in_one_guild_put_and_no_global_sync(
    settings: Settings, discord_double: DiscordDouble
) -> None:
    guild_id = int(discord_double.world.guild_id)
    async with running_bot(
        FaqBot(settings.model_copy(update={"dev_guild_id": guild_id})), discord_double
    ):
        sync = await discord_double.wait_for_request("PUT", GUILD_COMMANDS)
    assert sync.path.endswith(f"/guilds/{guild_id}/commands")
    assert sorted(c["name"] for c in sync.body) == ["ask", "faq-admin", "topics"]
    assert command_puts(discord_double, GLOBAL_COMMANDS) == []
    assert not (settings.state_dir / COMMAND_HASH_FILE).exists()
    discord_double.assert_clean()


async def test_without_dev_guild_commands_sync_globally_once_across_restarts(
    settings: Settings, discord_double: DiscordDouble
) -> None:
    async with running_bot(FaqBot(settings), discord_double):
        sync = await discord_double.wait_for_request("PUT", GLOBAL_COMMANDS)
    assert sorted(c["name"] for c in sync.body) == ["ask", "faq-admin", "topics"]
    assert (settings.state_dir / COMMAND_HASH_FILE).read_text().strip()

    # A new process with the same settings: the definitions are unchanged, so no upload.
    async with running_bot(FaqBot(settings), discord_double) as again:
        assert again.is_ready()
    assert len(command_puts(discord_double, GLOBAL_COMMANDS)) == 1
    assert command_puts(discord_double, GUILD_COMMANDS) == []
    # ...and the commands registered the first time still work for the second process.
    async with running_bot(FaqBot(settings), discord_double):
        asked = await discord_double.slash_command("ask", {"question": "tsubame status"})
        body = await discord_double.interaction_response(asked["id"])
    assert answered_entry(body["data"]) == "tsubame-status"
    discord_double.assert_clean()


async def test_only_the_process_running_shard_0_syncs_the_commands(
    settings: Settings, discord_double: DiscordDouble
) -> None:
    shard_1 = with_settings(settings, shard_count=2, shard_ids=(1,))
    async with running_bot(FaqBot(shard_1), discord_double) as bot:
        assert bot.is_ready()
    assert command_puts(discord_double, GLOBAL_COMMANDS) == []
    shard_0 = with_settings(settings, shard_count=2, shard_ids=(0,))
    async with running_bot(FaqBot(shard_0), discord_double):
        await discord_double.wait_for_request("PUT", GLOBAL_COMMANDS)
    assert len(command_puts(discord_double, GLOBAL_COMMANDS)) == 1
    discord_double.assert_clean()


async def test_a_changed_hash_file_makes_the_next_start_sync_again(
    settings: Settings, discord_double: DiscordDouble
) -> None:
    async with running_bot(FaqBot(settings), discord_double):
        await discord_double.wait_for_request("PUT", GLOBAL_COMMANDS)
    (settings.state_dir / COMMAND_HASH_FILE).write_text("definitions from an older release\n")
    async with running_bot(FaqBot(settings), discord_double):
        await discord_double.wait_for_request("PUT", GLOBAL_COMMANDS)
    assert len(command_puts(discord_double, GLOBAL_COMMANDS)) == 2
    discord_double.assert_clean()


async def test_faq_admin_is_registered_for_server_managers_in_guilds_only(
    bot: FaqBot, discord_double: DiscordDouble
) -> None:
    sync = await discord_double.wait_for_request("PUT", GLOBAL_COMMANDS)
    by_name = {c["name"]: c for c in sync.body}
    admin = by_name["faq-admin"]
    assert int(admin["default_member_permissions"]) == MANAGE_GUILD
    assert admin["contexts"] == [GUILD_CONTEXT]
    assert admin["dm_permission"] is False
    assert sorted(o["name"] for o in admin["options"]) == [
        "autoanswer",
        "reload",
        "stats",
        "suggest",
        "unanswered",
    ]
    # The public commands carry no permission gate.
    for name in ("ask", "topics"):
        assert by_name[name]["default_member_permissions"] is None
    question = by_name["ask"]["options"][0]
    assert question["autocomplete"] is True
    assert question["required"] is True
    discord_double.assert_clean()


async def test_while_shutting_down_questions_are_turned_away_politely(
    bot: FaqBot, discord_double: DiscordDouble
) -> None:
    bot.accepting = False  # what shutdown() sets before waiting for answers in flight
    asked = await discord_double.slash_command("ask", {"question": "tsubame status"})
    refused = await discord_double.interaction_response(asked["id"])
    assert refused["type"] == 4
    assert refused["data"]["flags"] & EPHEMERAL
    assert "restarting" in refused["data"]["content"]

    # An autocomplete interaction can only be answered with choices: none, while stopping.
    typed = await discord_double.autocomplete("ask", {"question": "tsu"}, focused="question")
    choices = await discord_double.interaction_response(typed["id"])
    assert choices == {"type": 8, "data": {"choices": []}}

    await discord_double.user_message("tsubame status", mention_bot=True)
    with pytest.raises(TimeoutError):
        await discord_double.wait_for_request(
            "POST", "/channels/{channel_id}/messages", timeout=0.2
        )
    discord_double.assert_clean()
