"""Auto-answer channels over the loopback double: opt-in, very sure or silent, removable."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest_asyncio
from support.answers import answered_entry, custom_ids
from support.bot_fixtures import OWNER_PERMISSIONS

from bot.client import FaqBot
from bot.features.rendering import AUTO_ANSWER_HEADING, MISS_NOTED, NOT_WHAT_I_ASKED
from bot.storage import utcnow
from testkit.discord_double import DiscordDouble, interaction_payloads
from testkit.discord_double import payloads as p
from testkit.discord_double.ids import FAQ_CHANNEL_ID, GENERAL_CHANNEL_ID, THREAD_ID
from testkit.discord_double.payloads import Payload

CHANNEL_MESSAGES = "/channels/{channel_id}/messages"
FOLLOWUP = "/webhooks/{webhook_id}/{webhook_token}"
CLEAR = "what is the tsubame project"  # answered with a high score
NO_AUTO_ROLE_ID = "1187000000000000209"


@pytest_asyncio.fixture
async def auto_bot(start_bot: Any) -> AsyncIterator[FaqBot]:
    async with start_bot(message_content=True) as faq_bot:
        yield faq_bot


async def autoanswer(double: DiscordDouble, action: str, channel_id: str | None = None) -> str:
    """``/faq-admin autoanswer <action> [channel]`` from the guild owner; the reply's text."""
    world = double.world
    command_id, scope = double.command_target("faq-admin", dm=False)
    options: list[Payload] = []
    resolved: Payload = {}
    if channel_id is not None:
        channel = world.channel(channel_id)
        options = [{"name": "channel", "type": 7, "value": channel_id}]
        resolved = {"channels": {channel_id: {**channel, "permissions": str(OWNER_PERMISSIONS)}}}
    data: Payload = {
        "id": command_id,
        "name": "faq-admin",
        "type": 1,
        "options": [
            {
                "name": "autoanswer",
                "type": 2,
                "options": [{"name": action, "type": 1, "options": options}],
            }
        ],
        "guild_id": scope,
    }
    if resolved:
        data["resolved"] = resolved
    invoker = dataclasses.replace(world.invoker(user=world.owner), permissions=OWNER_PERMISSIONS)
    interaction = await double.send_interaction(
        interaction_payloads.interaction(
            interaction_payloads.APPLICATION_COMMAND,
            data,
            invoker=invoker,
            application_id=world.application_id,
        )
    )
    body = await double.interaction_response(interaction["id"])
    if body["type"] == 4:
        return str(body["data"]["content"])
    followup = await double.wait_for_request(
        "POST", FOLLOWUP, predicate=lambda r: r.path.split("/")[3] == interaction["token"]
    )
    return str(followup.body["content"])


def auto_replies(double: DiscordDouble) -> list[Payload]:
    return [
        dict(r.body)
        for r in double.requests
        if r.method == "POST" and r.template == CHANNEL_MESSAGES and 200 <= r.status < 300
    ]


async def test_auto_answer_refuses_to_turn_on_without_the_message_content_intent(
    bot: FaqBot, discord_double: DiscordDouble
) -> None:
    text = await autoanswer(discord_double, "add", GENERAL_CHANNEL_ID)
    assert "Message Content intent" in text
    assert "FAQBOT_MESSAGE_CONTENT" in text
    assert await bot.store.auto_answer_channels() == []
    discord_double.assert_clean()


async def test_a_clear_question_in_an_enabled_channel_gets_an_automatic_reply(
    auto_bot: FaqBot, discord_double: DiscordDouble, eventually: Any
) -> None:
    assert "is on in" in await autoanswer(discord_double, "add", GENERAL_CHANNEL_ID)
    asked = await discord_double.user_message(CLEAR)
    reply = await discord_double.wait_for_request("POST", CHANNEL_MESSAGES)
    body = dict(reply.body)
    assert body["content"] == AUTO_ANSWER_HEADING.format(button=NOT_WHAT_I_ASKED)
    assert answered_entry(body) == "tsubame-project"
    assert str(body["message_reference"]["message_id"]) == asked["id"]
    assert body["allowed_mentions"]["parse"] == []
    member = discord_double.world.member_user["id"]
    assert f"faq:miss:{member}" in custom_ids(body)
    assert f"faq:delete:{member}" in custom_ids(body)

    async def given() -> int:
        stats = await auto_bot.store.stats(since=utcnow() - timedelta(hours=1))
        return stats.auto_answers.given

    assert await eventually(given, what="the auto-answer counted") == 1
    # An auto-answer is not a question to the bot: nothing in the question log.
    stats = await auto_bot.store.stats(since=utcnow() - timedelta(hours=1))
    assert stats.questions == 0
    discord_double.assert_clean()


async def test_auto_answer_stays_silent_unless_it_is_sure_and_the_message_is_for_the_room(
    auto_bot: FaqBot, discord_double: DiscordDouble
) -> None:
    world = discord_double.world
    await autoanswer(discord_double, "add", GENERAL_CHANNEL_ID)
    earlier = await discord_double.user_message("anyone around?", author=world.owner)
    await discord_double.user_message("thanks!")  # small talk
    await discord_double.user_message("training")  # the matcher is unsure
    await discord_double.user_message(CLEAR, reply_to=earlier)  # a reply to someone
    await discord_double.user_message(CLEAR, channel_id=FAQ_CHANNEL_ID)  # not enabled
    # Matched in order on one thread, so once this is answered the others were decided.
    await discord_double.user_message("is tsubame still running")
    await discord_double.wait_for_request("POST", CHANNEL_MESSAGES)
    assert [answered_entry(r) for r in auto_replies(discord_double)] == ["tsubame-status"]
    # The same entry again in the channel soon after: silent.
    await discord_double.user_message("is the tsubame system still running?")
    await discord_double.user_message(CLEAR)
    await discord_double.wait_for_request(
        "POST", CHANNEL_MESSAGES, predicate=lambda r: answered_entry(r.body) == "tsubame-project"
    )
    assert [answered_entry(r) for r in auto_replies(discord_double)] == [
        "tsubame-status",
        "tsubame-project",
    ]
    discord_double.assert_clean()


async def test_a_thread_in_an_enabled_channel_is_answered_once(
    auto_bot: FaqBot, discord_double: DiscordDouble
) -> None:
    await autoanswer(discord_double, "add", GENERAL_CHANNEL_ID)
    await discord_double.user_message(CLEAR, channel_id=THREAD_ID)
    await discord_double.wait_for_request("POST", CHANNEL_MESSAGES)
    await discord_double.user_message("what is cyder", channel_id=THREAD_ID)
    await discord_double.user_message("what is cyder")  # the channel itself still is
    await discord_double.wait_for_request(
        "POST", CHANNEL_MESSAGES, predicate=lambda r: answered_entry(r.body) == "cyder"
    )
    assert [answered_entry(r) for r in auto_replies(discord_double)] == ["tsubame-project", "cyder"]
    discord_double.assert_clean()


async def test_members_with_the_no_auto_answer_role_are_never_answered_unasked(
    start_bot: Any, discord_double: DiscordDouble
) -> None:
    world = discord_double.world
    world.roles.append(
        p.role(NO_AUTO_ROLE_ID, "no auto-answer", permissions=p.BASIC_PERMISSIONS, position=3)
    )
    owner = next(m for m in world.members if m["user"]["id"] == world.owner["id"])
    owner["roles"].append(NO_AUTO_ROLE_ID)
    async with start_bot(message_content=True):
        await autoanswer(discord_double, "add", GENERAL_CHANNEL_ID)
        await discord_double.user_message(CLEAR, author=world.owner)
        await discord_double.user_message("what is cyder")
        await discord_double.wait_for_request("POST", CHANNEL_MESSAGES)
        assert [answered_entry(r) for r in auto_replies(discord_double)] == ["cyder"]
    discord_double.assert_clean()


async def test_not_what_i_asked_removes_the_answer_and_counts_a_miss(
    start_bot: Any, discord_double: DiscordDouble, eventually: Any
) -> None:
    world = discord_double.world
    bystander = p.user("1187000000000000199", "bystander")
    world.members.append(p.member(bystander))
    async with start_bot(message_content=True) as auto_bot:
        await autoanswer(discord_double, "add", GENERAL_CHANNEL_ID)
        await discord_double.user_message(CLEAR)
        reply = await discord_double.wait_for_request("POST", CHANNEL_MESSAGES)
        answer = discord_double.messages[reply.response["id"]]
        miss = f"faq:miss:{world.member_user['id']}"
        # Only the member it answered, or a moderator, may remove it.
        refused = await discord_double.click_button(miss, message=answer, user=bystander)
        body = await discord_double.interaction_response(refused["id"])
        assert "Only the person who asked" in body["data"]["content"]
        assert answer["id"] in discord_double.messages

        vote = await discord_double.click_button(
            "faq:vote:tsubame-project:1", message=answer, user=world.owner
        )
        await discord_double.interaction_response(vote["id"])
        click = await discord_double.click_button(miss, message=answer)
        await discord_double.interaction_response(click["id"])
        noted = await discord_double.wait_for_request(
            "POST", FOLLOWUP, predicate=lambda r: r.path.split("/")[3] == click["token"]
        )
        assert noted.body["content"] == MISS_NOTED
        await eventually(lambda: answer["id"] not in discord_double.messages, what="deletion")

        async def figures() -> Any:
            auto = (await auto_bot.store.stats(since=utcnow() - timedelta(hours=1))).auto_answers
            return auto if auto.missed else None

        auto = await eventually(figures, what="the miss counted")
        assert (auto.given, auto.missed, auto.deleted, auto.helpful) == (1, 1, 0, 1)
    discord_double.assert_clean()


async def test_enabled_channels_are_kept_across_a_restart_and_can_be_turned_off(
    start_bot: Any, discord_double: DiscordDouble
) -> None:
    async with start_bot(message_content=True):
        await autoanswer(discord_double, "add", GENERAL_CHANNEL_ID)
    async with start_bot(message_content=True):
        listed = await autoanswer(discord_double, "list")
        assert f"<#{GENERAL_CHANNEL_ID}>" in listed
        await autoanswer(discord_double, "remove", GENERAL_CHANNEL_ID)
        await discord_double.user_message(CLEAR)
        assert "not on in any channel" in await autoanswer(discord_double, "list")
    assert auto_replies(discord_double) == []
    discord_double.assert_clean()
