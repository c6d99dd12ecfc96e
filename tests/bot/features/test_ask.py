"""Asking, end to end: /ask, its autocomplete, mentions, and the buttons under an answer."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from support.answers import answered_entry, custom_ids, pick_button

from bot.answering import service as answering_service
from bot.client import FaqBot
from bot.features.rendering import help_text
from bot.i18n import ENGLISH
from bot.storage import EntryFeedback, utcnow
from testkit.discord_double import DiscordDouble
from testkit.discord_double import payloads as p
from testkit.discord_double.ids import FAQ_CHANNEL_ID
from testkit.discord_double.payloads import Payload

# The help text names the bot as members see it: the double's bot user is "FAQ Bot".
SHOWN_HELP = help_text(ENGLISH, "FAQ Bot")

CHANNEL_MESSAGES = "/channels/{channel_id}/messages"
FOLLOWUP = "/webhooks/{webhook_id}/{webhook_token}"
EPHEMERAL = 1 << 6
SUGGEST_QUESTION = "training"  # the shipped FAQ has several entries on training centres
# The three are within 0.05 of each other, so the test does not pin their order.
SUGGESTED_IDS = ["ajccbc-courses", "icscoe-core-programme", "nict-nctc"]
UNKNOWN_QUESTION = "how do I bake sourdough bread"
TSUBAME_ENTRIES = ("tsubame-project", "tsubame-sensors", "tsubame-status")
PINGS = "@everyone <@&123> <@456>"


def is_ephemeral(data: Payload) -> bool:
    return bool((data.get("flags") or 0) & EPHEMERAL)


def message_link(double: DiscordDouble, interaction: Payload) -> str:
    """The jump URL of the message the bot sent in response to ``interaction``."""
    message = double.original_message(interaction["id"])
    guild = interaction.get("guild_id") or "@me"
    return f"https://discord.com/channels/{guild}/{message['channel_id']}/{message['id']}"


def vote_id(entry_id: str) -> str:
    return f"faq:vote:{entry_id}:1"


async def ask(double: DiscordDouble, question: str, **where: Any) -> tuple[Payload, Payload]:
    """/ask question -> (the interaction, the data of the bot's type-4 response)."""
    interaction = await double.slash_command("ask", {"question": question}, **where)
    body = await double.interaction_response(interaction["id"])
    assert body["type"] == 4, body
    return interaction, body["data"]


async def press(double: DiscordDouble, custom_id: str, message: Payload, **who: Any) -> Payload:
    """Click a button on a bot message -> the data of the bot's type-4 response."""
    click = await double.click_button(custom_id, message=message, **who)
    body = await double.interaction_response(click["id"])
    assert body["type"] == 4, body
    return dict(body["data"])


# --- /ask ------------------------------------------------------------------------------------


async def test_a_clear_question_gets_a_public_answer_embed(
    bot: FaqBot, discord_double: DiscordDouble
) -> None:
    _, data = await ask(discord_double, "what is the tsubame project")
    assert not is_ephemeral(data)
    entry = bot.knowledge.current.knowledge_base.get(answered_entry(data))
    assert entry is not None
    embed = data["embeds"][0]
    assert embed["title"] == entry.question
    # The answer leads with a short paragraph; the rest follows below it.
    lead, rest = embed["description"].split("\n\n")
    assert len(lead) <= 200
    assert f"{lead} {rest}" == entry.answer
    assert [f["name"] for f in embed["fields"]] == ["Sources"]
    assert all(s.url in embed["fields"][0]["value"] for s in entry.sources)
    assert re.fullmatch(r"Last checked \d{1,2} [A-Z][a-z]{2} \d{4}", embed["footer"]["text"])
    assert data["allowed_mentions"] == {"parse": []}
    discord_double.assert_clean()


async def test_related_questions_have_a_row_each_and_feedback_a_row_of_its_own(
    bot: FaqBot, discord_double: DiscordDouble
) -> None:
    _, data = await ask(discord_double, "what is the tsubame project")
    entry = bot.knowledge.current.knowledge_base.get(answered_entry(data))
    assert entry is not None
    rows = [[c["custom_id"] for c in row["components"]] for row in data["components"]]
    asker = discord_double.world.member_user["id"]
    related = [f"faq:related:{asker}:{r}" for r in entry.related[:4]]
    assert rows[:-1] == [[button] for button in related]
    assert rows[-1] == [
        f"faq:vote:{entry.id}:1",
        f"faq:vote:{entry.id}:0",
        f"faq:in:ja:{entry.id}",  # the answer in Japanese
        f"faq:delete:{asker}",
    ]
    labels = [c["label"] for row in data["components"][:-1] for c in row["components"]]
    for label, related_id in zip(labels, entry.related, strict=False):
        question = bot.knowledge.current.knowledge_base.get(related_id).question  # type: ignore[union-attr]
        assert len(label) <= 45
        # Shortened at a word: what is shown is the start of the question, whole words.
        shown = label.removesuffix("…")
        assert question.startswith(shown)
        assert label == question or question[len(shown)] in " ,;:–—-"
    discord_double.assert_clean()


async def test_an_ambiguous_question_gets_a_private_did_you_mean_with_pick_buttons(
    bot: FaqBot, discord_double: DiscordDouble, eventually: Any
) -> None:
    _, data = await ask(discord_double, SUGGEST_QUESTION)
    assert is_ephemeral(data)
    assert "Did you mean" in data["content"]
    asker = discord_double.world.member_user["id"]
    rows = [[c["custom_id"] for c in row["components"]] for row in data["components"]]
    token = rows[-1][0].rsplit(":", 1)[-1]
    assert rows[-1] == [f"faq:none:{asker}:{token}"]
    assert re.fullmatch("[0-9a-f]{8}", token)
    # Each choice names the suggestion too, so that the pick is logged with its question.
    assert sorted(rows[:-1]) == [[f"faq:pick:{asker}:{i}:{token}"] for i in SUGGESTED_IDS]
    labels = [c["label"] for row in data["components"] for c in row["components"]]
    assert all(labels)
    assert all(len(label) <= 45 for label in labels)
    stats = await eventually(lambda: _stats_with(bot, suggested=1), what="the logged suggestion")
    assert (stats.questions, stats.answered, stats.unanswered) == (1, 0, 0)
    discord_double.assert_clean()


async def test_an_uncovered_question_is_declined_privately_lists_topics_and_is_logged(
    bot: FaqBot, discord_double: DiscordDouble, eventually: Any
) -> None:
    _, data = await ask(discord_double, UNKNOWN_QUESTION)
    assert is_ephemeral(data)
    assert "couldn't find that" in data["content"]
    knowledge_base = bot.knowledge.current.knowledge_base
    for topic in knowledge_base.topics:  # by the names members see
        assert knowledge_base.title_of(topic) in data["content"]
    assert "noted" in data["content"]
    assert "embeds" not in data or not data["embeds"]
    groups = await eventually(
        lambda: bot.store.unanswered(since=utcnow() - timedelta(hours=1)),
        what="the question in the unanswered log",
    )
    assert [(g.example, g.count) for g in groups] == [(UNKNOWN_QUESTION, 1)]
    stats = await bot.store.stats(since=utcnow() - timedelta(hours=1))
    assert (stats.questions, stats.unanswered) == (1, 1)
    discord_double.assert_clean()


async def _stats_with(bot: FaqBot, **expected: int) -> Any:
    stats = await bot.store.stats(since=utcnow() - timedelta(hours=1))
    return stats if all(getattr(stats, k) == v for k, v in expected.items()) else None


# --- autocomplete ----------------------------------------------------------------------------


async def autocomplete(double: DiscordDouble, typed: str) -> list[Payload]:
    interaction = await double.autocomplete("ask", {"question": typed}, focused="question")
    body = await double.interaction_response(interaction["id"])
    assert body["type"] == 8, body
    return list(body["data"]["choices"])


async def test_autocomplete_on_an_empty_field_offers_questions_from_every_topic(
    bot: FaqBot, discord_double: DiscordDouble
) -> None:
    choices = await autocomplete(discord_double, "")
    assert len(choices) == 25
    knowledge_base = bot.knowledge.current.knowledge_base
    offered = {
        knowledge_base_entry.topic
        for c in choices
        for knowledge_base_entry in [e for e in knowledge_base.entries if e.question == c["value"]]
    }
    assert offered == set(knowledge_base.topics)
    assert all(0 < len(c["name"]) <= 100 and c["name"] == c["value"] for c in choices)
    discord_double.assert_clean()


async def test_autocomplete_offers_the_tsubame_questions_for_tsu(
    bot: FaqBot, discord_double: DiscordDouble
) -> None:
    choices = await autocomplete(discord_double, "tsu")
    assert 0 < len(choices) <= 25
    assert all(len(c["name"]) <= 100 for c in choices)
    knowledge_base = bot.knowledge.current.knowledge_base
    expected = {knowledge_base.get(i).question for i in TSUBAME_ENTRIES}  # type: ignore[union-attr]
    assert {c["name"] for c in choices[:3]} == expected
    discord_double.assert_clean()


async def test_autocomplete_caps_a_long_typed_text_and_still_answers(
    bot: FaqBot, discord_double: DiscordDouble
) -> None:
    choices = await autocomplete(discord_double, "tsubame " * 60)
    assert 0 < len(choices) <= 25
    discord_double.assert_clean()


async def test_picking_an_autocomplete_choice_answers_exactly_that_entry(
    bot: FaqBot, discord_double: DiscordDouble
) -> None:
    choices = await autocomplete(discord_double, "tsu")
    status = bot.knowledge.current.knowledge_base.get("tsubame-status")
    assert status is not None
    picked = next(c for c in choices if c["value"] == status.question)
    _, data = await ask(discord_double, picked["value"])
    assert not is_ephemeral(data)
    assert answered_entry(data) == "tsubame-status"
    discord_double.assert_clean()


# --- mentions --------------------------------------------------------------------------------


async def test_a_mention_in_a_channel_is_answered_with_a_reply(
    bot: FaqBot, discord_double: DiscordDouble
) -> None:
    asked = await discord_double.user_message("what is the tsubame project?", mention_bot=True)
    reply = await discord_double.wait_for_request("POST", CHANNEL_MESSAGES)
    assert reply.path == f"/channels/{asked['channel_id']}/messages"
    assert str(reply.body["message_reference"]["message_id"]) == asked["id"]
    assert answered_entry(reply.body) == "tsubame-project"
    assert "faq:vote:tsubame-project:1" in custom_ids(reply.body)
    assert reply.body["allowed_mentions"]["parse"] == []
    assert reply.body["allowed_mentions"].get("replied_user") is False
    discord_double.assert_clean()


async def test_a_mention_in_a_thread_is_answered_in_the_thread(
    bot: FaqBot, discord_double: DiscordDouble
) -> None:
    thread_id = discord_double.world.thread["id"]
    asked = await discord_double.user_message(
        "is tsubame still running", mention_bot=True, channel_id=thread_id
    )
    reply = await discord_double.wait_for_request("POST", CHANNEL_MESSAGES)
    assert reply.path == f"/channels/{thread_id}/messages"
    assert str(reply.body["message_reference"]["message_id"]) == asked["id"]
    assert answered_entry(reply.body) == "tsubame-status"
    discord_double.assert_clean()


async def test_a_direct_message_is_answered_without_a_mention(
    bot: FaqBot, discord_double: DiscordDouble
) -> None:
    await discord_double.user_message("what is the tsubame project", dm=True)
    reply = await discord_double.wait_for_request("POST", CHANNEL_MESSAGES)
    assert reply.path == f"/channels/{discord_double.world.dm_channel['id']}/messages"
    assert answered_entry(reply.body) == "tsubame-project"
    discord_double.assert_clean()


async def test_ask_in_a_direct_message_answers_with_a_message_that_stays(
    bot: FaqBot, discord_double: DiscordDouble
) -> None:
    _, data = await ask(discord_double, "what is the tsubame project", dm=True)
    assert answered_entry(data) == "tsubame-project"
    assert not is_ephemeral(data)  # private anyway; an ephemeral one would not stay
    assert not any(i.startswith("faq:delete:") for i in custom_ids(data))
    discord_double.assert_clean()


async def test_a_bare_mention_gets_the_help_text(
    bot: FaqBot, discord_double: DiscordDouble
) -> None:
    await discord_double.user_message("", mention_bot=True)
    reply = await discord_double.wait_for_request("POST", CHANNEL_MESSAGES)
    assert reply.body["content"] == SHOWN_HELP
    assert not reply.body.get("embeds")
    discord_double.assert_clean()


async def test_the_help_text_names_the_bot_by_its_nickname_in_the_server(
    start_bot: Any, discord_double: DiscordDouble
) -> None:
    bot_member = next(
        m for m in discord_double.world.members if m["user"]["id"] == discord_double.world.bot_id
    )
    bot_member["nick"] = "Cyber FAQ"
    async with start_bot():
        await discord_double.user_message("", mention_bot=True)
        reply = await discord_double.wait_for_request("POST", CHANNEL_MESSAGES)
        _, data = await ask(discord_double, "what can you do")
    assert reply.body["content"] == help_text(ENGLISH, "Cyber FAQ")
    assert "@Cyber FAQ" in data["content"]
    discord_double.assert_clean()


async def test_a_bare_mention_in_reply_answers_the_replied_message_and_says_whose(
    bot: FaqBot, discord_double: DiscordDouble
) -> None:
    world = discord_double.world
    question = await discord_double.user_message("what is the tsubame project", author=world.owner)
    await discord_double.user_message("", mention_bot=True, reply_to=question)
    reply = await discord_double.wait_for_request("POST", CHANNEL_MESSAGES)
    # Posted under the question it answers, naming the member who asked it.
    assert str(reply.body["message_reference"]["message_id"]) == question["id"]
    assert reply.body["content"] == "Answering Guild Owner's question:"
    assert answered_entry(reply.body) == "tsubame-project"
    # Its buttons are for the member whose question it was.
    related = [i for i in custom_ids(reply.body) if i.startswith("faq:related:")]
    assert related
    assert all(i.startswith(f"faq:related:{world.owner['id']}:") for i in related)
    assert reply.body["allowed_mentions"]["parse"] == []
    discord_double.assert_clean()


async def test_whose_question_it_answers_can_neither_ping_nor_format(
    bot: FaqBot, discord_double: DiscordDouble
) -> None:
    world = discord_double.world
    owner = next(m for m in world.members if m["user"]["id"] == world.owner["id"])
    owner["nick"] = "@everyone **Mods**"
    question = await discord_double.user_message("what is the tsubame project", author=world.owner)
    await discord_double.user_message("", mention_bot=True, reply_to=question)
    reply = await discord_double.wait_for_request("POST", CHANNEL_MESSAGES)
    assert reply.body["content"] == "Answering @\u200beveryone \\*\\*Mods\\*\\*'s question:"
    assert reply.body["allowed_mentions"]["parse"] == []
    discord_double.assert_clean()


async def test_a_bare_mention_in_reply_to_the_bot_gets_the_help_text(
    bot: FaqBot, discord_double: DiscordDouble
) -> None:
    await discord_double.user_message("what is the tsubame project", mention_bot=True)
    answer = await discord_double.wait_for_request("POST", CHANNEL_MESSAGES)
    await discord_double.user_message(
        "", mention_bot=True, reply_to=discord_double.messages[answer.response["id"]]
    )
    reply = await discord_double.wait_for_request(
        "POST", CHANNEL_MESSAGES, predicate=lambda r: r is not answer
    )
    assert reply.body["content"] == SHOWN_HELP
    discord_double.assert_clean()


def small_talk_reply(bot: FaqBot, kind_id: str) -> str:
    """The reply the FAQ's small-talk data gives for ``kind_id`` (data, not test text)."""
    kinds = {k.id: k for k in bot.knowledge.current.knowledge_base.small_talk}
    return kinds[kind_id].reply


async def test_small_talk_gets_its_reply_privately_and_is_not_logged(
    bot: FaqBot, discord_double: DiscordDouble
) -> None:
    _, data = await ask(discord_double, "thanks!")
    assert is_ephemeral(data)
    assert data["content"] == small_talk_reply(bot, "thanks")
    assert not data.get("embeds")
    _, data = await ask(discord_double, "what can you do")
    assert data["content"] == SHOWN_HELP
    stats = await bot.store.stats(since=utcnow() - timedelta(hours=1))
    assert stats.questions == 0
    discord_double.assert_clean()


async def test_a_question_queued_behind_a_burst_is_acknowledged_then_answered_by_follow_up(
    bot: FaqBot, discord_double: DiscordDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As if eight questions were already waiting for the matching thread.
    monkeypatch.setattr(answering_service, "DEFER_BACKLOG", 0)
    interaction = await discord_double.slash_command(
        "ask", {"question": "what is the tsubame project"}
    )
    ack = await discord_double.interaction_response(interaction["id"])
    assert ack["type"] == 5  # "thinking…"
    assert is_ephemeral(ack["data"])
    followup = await discord_double.wait_for_request(
        "POST",
        "/webhooks/{webhook_id}/{webhook_token}",
        predicate=lambda r: r.path.split("/")[3] == interaction["token"],
    )
    assert answered_entry(followup.body) == "tsubame-project"
    assert followup.body["allowed_mentions"] == {"parse": []}
    discord_double.assert_clean()


async def test_small_talk_costs_no_one_a_question(
    start_bot: Any, discord_double: DiscordDouble
) -> None:
    async with start_bot(ask_rate=1, ask_per_seconds=30.0):
        await ask(discord_double, "hi")
        await ask(discord_double, "ok")
        _, answer = await ask(discord_double, "what is the tsubame project")
    assert answer["embeds"]
    discord_double.assert_clean()


async def test_a_mentioned_greeting_gets_a_brief_reply_not_an_answer(
    bot: FaqBot, discord_double: DiscordDouble
) -> None:
    await discord_double.user_message("hello", mention_bot=True)
    reply = await discord_double.wait_for_request("POST", CHANNEL_MESSAGES)
    assert reply.body["content"] == small_talk_reply(bot, "greeting")
    assert not reply.body.get("embeds")
    assert reply.body["allowed_mentions"]["parse"] == []
    stats = await bot.store.stats(since=utcnow() - timedelta(hours=1))
    assert stats.questions == 0
    discord_double.assert_clean()


async def test_a_mentioned_question_is_not_an_error_in_the_log(
    bot: FaqBot, discord_double: DiscordDouble, caplog: pytest.LogCaptureFixture
) -> None:
    # The bot has no prefix commands: a question must not be parsed as an unknown command.
    await discord_double.user_message("what is the tsubame project", mention_bot=True)
    await discord_double.wait_for_request("POST", CHANNEL_MESSAGES)
    errors = [r for r in caplog.records if r.levelname in {"ERROR", "CRITICAL"}]
    assert errors == [], [r.getMessage() for r in errors]
    discord_double.assert_clean()


async def assert_only_the_sentinel_is_answered(double: DiscordDouble) -> None:
    """Ask a question that is answered; the bot's only reply must be to it."""
    sentinel = await double.user_message("tsubame status", mention_bot=True)
    reply = await double.wait_for_request("POST", CHANNEL_MESSAGES)
    assert str(reply.body["message_reference"]["message_id"]) == sentinel["id"]
    with pytest.raises(TimeoutError):
        await double.wait_for_request("POST", CHANNEL_MESSAGES, timeout=0.2)


async def test_messages_from_other_bots_are_ignored(
    bot: FaqBot, discord_double: DiscordDouble
) -> None:
    world = discord_double.world
    other_bot = p.user("1187000000000000109", "another_bot", bot=True)
    world.members.append(p.member(other_bot))
    await discord_double.user_message("what is tsubame", mention_bot=True, author=other_bot)
    await discord_double.user_message("what is tsubame", dm=True, author=other_bot)
    await assert_only_the_sentinel_is_answered(discord_double)
    discord_double.assert_clean()


async def test_role_and_everyone_mentions_without_a_direct_mention_are_ignored(
    bot: FaqBot, discord_double: DiscordDouble
) -> None:
    world = discord_double.world
    bot_role = next(r["id"] for r in world.roles if r.get("managed"))
    await discord_double.user_message(f"<@&{bot_role}> what is tsubame", mention_roles=[bot_role])
    await discord_double.user_message("@everyone what is tsubame", mention_everyone=True)
    await discord_double.user_message("what is the tsubame project")  # no mention at all
    await assert_only_the_sentinel_is_answered(discord_double)
    discord_double.assert_clean()


# --- did you mean, related questions, feedback -----------------------------------------------


async def follow_up(double: DiscordDouble, interaction: Payload) -> Payload:
    """The body of the follow-up message the bot sent for ``interaction``."""
    request = await double.wait_for_request(
        "POST", FOLLOWUP, predicate=lambda r: r.path.split("/")[3] == interaction["token"]
    )
    return dict(request.body)


async def test_a_pick_from_a_private_did_you_mean_clears_it_and_posts_the_answer(
    bot: FaqBot, discord_double: DiscordDouble
) -> None:
    interaction, _ = await ask(discord_double, SUGGEST_QUESTION)
    suggestion = discord_double.original_message(interaction["id"])
    other_choice = pick_button(suggestion, SUGGESTED_IDS[0])
    click = await discord_double.click_button(
        pick_button(suggestion, SUGGESTED_IDS[1]), message=suggestion
    )
    update = await discord_double.interaction_response(click["id"])
    assert update["type"] == 7  # the suggestion message itself is edited
    assert update["data"]["components"] == []
    assert update["data"]["content"].startswith("You picked: ")
    answer = await follow_up(discord_double, click)
    assert answered_entry(answer) == SUGGESTED_IDS[1]
    assert not is_ephemeral(answer)
    assert vote_id(SUGGESTED_IDS[1]) in custom_ids(answer)
    assert answer["allowed_mentions"] == {"parse": []}
    # A stale copy of the buttons (another device) cannot pick again.
    again = await press(discord_double, other_choice, suggestion)
    assert is_ephemeral(again)
    assert not again.get("embeds")
    discord_double.assert_clean()


async def test_a_pick_is_logged_with_the_question_it_answers(
    bot: FaqBot, discord_double: DiscordDouble, eventually: Any
) -> None:
    interaction, data = await ask(discord_double, SUGGEST_QUESTION)
    suggestion = discord_double.original_message(interaction["id"])
    click = await discord_double.click_button(
        pick_button(data, SUGGESTED_IDS[1]), message=suggestion
    )
    await follow_up(discord_double, click)

    async def picks() -> list[tuple[str, str | None]]:
        rows = await bot.store.asked(since=utcnow() - timedelta(hours=1))
        return [(r.question, r.picked_entry_id) for r in rows if r.picked_entry_id]

    assert await eventually(picks, what="the pick in the log") == [
        (SUGGEST_QUESTION, SUGGESTED_IDS[1])
    ]
    # Still one question, and still one the matcher was unsure of.
    stats = await bot.store.stats(since=utcnow() - timedelta(hours=1))
    assert (stats.questions, stats.suggested) == (1, 1)
    discord_double.assert_clean()


async def test_a_pick_from_a_public_did_you_mean_turns_it_into_the_answer(
    bot: FaqBot, discord_double: DiscordDouble
) -> None:
    world = discord_double.world
    await discord_double.user_message(SUGGEST_QUESTION, mention_bot=True)
    reply = await discord_double.wait_for_request("POST", CHANNEL_MESSAGES)
    suggestion = discord_double.messages[reply.response["id"]]
    pick = pick_button(suggestion, "icscoe-core-programme")
    assert pick.startswith(f"faq:pick:{world.member_user['id']}:")

    refused = await press(discord_double, pick, suggestion, user=world.owner)
    assert is_ephemeral(refused)
    assert "Only the person who asked" in refused["content"]
    assert not refused.get("embeds")

    click = await discord_double.click_button(pick, message=suggestion)
    update = await discord_double.interaction_response(click["id"])
    assert update["type"] == 7
    assert answered_entry(update["data"]) == "icscoe-core-programme"
    edited = discord_double.messages[suggestion["id"]]
    assert answered_entry(edited) == "icscoe-core-programme"
    assert not any(i.startswith("faq:pick:") for i in custom_ids(edited))
    discord_double.assert_clean()


async def test_a_related_question_button_posts_that_entrys_answer_for_the_asker(
    bot: FaqBot, discord_double: DiscordDouble
) -> None:
    interaction, data = await ask(discord_double, "what is the tsubame project")
    asker = discord_double.world.member_user["id"]
    button = f"faq:related:{asker}:tsubame-status"
    assert button in custom_ids(data)
    answer = discord_double.original_message(interaction["id"])
    related = await press(discord_double, button, answer)
    assert answered_entry(related) == "tsubame-status"
    assert not is_ephemeral(related)
    discord_double.assert_clean()


async def test_a_related_click_by_someone_else_is_answered_privately_to_them(
    bot: FaqBot, discord_double: DiscordDouble
) -> None:
    interaction, _ = await ask(discord_double, "what is the tsubame project")
    asker = discord_double.world.member_user["id"]
    answer = discord_double.original_message(interaction["id"])
    other = discord_double.world.owner
    related = await press(discord_double, f"faq:related:{asker}:tsubame-status", answer, user=other)
    assert answered_entry(related) == "tsubame-status"
    assert is_ephemeral(related)
    # Its own related buttons are theirs: a click there answers them publicly.
    assert all(f":{other['id']}:" in i for i in custom_ids(related) if "related" in i)
    discord_double.assert_clean()


async def test_someone_answered_privately_can_post_the_answer_here(
    bot: FaqBot, discord_double: DiscordDouble
) -> None:
    interaction, _ = await ask(discord_double, "what is the tsubame project")
    asker = discord_double.world.member_user["id"]
    answer = discord_double.original_message(interaction["id"])
    other = discord_double.world.owner
    click = await discord_double.click_button(
        f"faq:related:{asker}:tsubame-status", message=answer, user=other
    )
    await discord_double.interaction_response(click["id"])
    private = discord_double.original_message(click["id"])
    assert is_ephemeral(private)
    assert "faq:share:tsubame-status" in custom_ids(private)
    shared = await press(discord_double, "faq:share:tsubame-status", private, user=other)
    assert not is_ephemeral(shared)
    assert answered_entry(shared) == "tsubame-status"
    assert f"faq:delete:{other['id']}" in custom_ids(shared)  # theirs to delete
    discord_double.assert_clean()


async def test_a_related_click_on_a_private_answer_stays_private(
    bot: FaqBot, discord_double: DiscordDouble
) -> None:
    entry = next(e for e in bot.knowledge.current.knowledge_base.entries if e.related)
    opened = await discord_double.slash_command("topics")
    await discord_double.interaction_response(opened["id"])
    menu = discord_double.original_message(opened["id"])
    chosen = await discord_double.choose_select("faq:topics", [entry.topic], message=menu)
    await discord_double.interaction_response(chosen["id"])
    picked = await discord_double.choose_select(
        "faq:entry", [entry.id], message=discord_double.messages[menu["id"]]
    )
    body = await discord_double.interaction_response(picked["id"])
    private_answer = discord_double.messages[menu["id"]]  # the browser, now the answer
    assert is_ephemeral(private_answer)
    button = next(i for i in custom_ids(body["data"]) if i.startswith("faq:related:"))
    related = await press(discord_double, button, private_answer)
    assert is_ephemeral(related)
    assert related["embeds"]
    discord_double.assert_clean()


async def test_feedback_is_one_vote_per_user_and_entry(
    bot: FaqBot, discord_double: DiscordDouble, eventually: Any
) -> None:
    interaction, _ = await ask(discord_double, "what is the tsubame project")
    answer = discord_double.original_message(interaction["id"])
    helpful, not_helpful = "faq:vote:tsubame-project:1", "faq:vote:tsubame-project:0"

    first = await press(discord_double, helpful, answer)
    assert is_ephemeral(first)
    assert "feedback is recorded" in first["content"]
    await press(discord_double, helpful, answer)  # the same user again: still one vote
    await eventually(lambda: _feedback_is(bot, [EntryFeedback("tsubame-project", 1, 0)]))

    await press(discord_double, helpful, answer, user=discord_double.world.owner)
    await eventually(lambda: _feedback_is(bot, [EntryFeedback("tsubame-project", 2, 0)]))

    await press(discord_double, not_helpful, answer)  # changing one's mind replaces the vote
    await eventually(lambda: _feedback_is(bot, [EntryFeedback("tsubame-project", 1, 1)]))
    discord_double.assert_clean()


async def test_a_vote_flood_from_one_member_is_turned_away_and_others_still_vote(
    bot: FaqBot, discord_double: DiscordDouble, eventually: Any
) -> None:
    interaction, _ = await ask(discord_double, "what is the tsubame project")
    answer = discord_double.original_message(interaction["id"])
    replies = [
        await press(discord_double, "faq:vote:tsubame-project:1", answer)
        for _ in range(answering_service.VOTE_RATE + 3)
    ]
    assert all(is_ephemeral(r) for r in replies)
    assert ["voting quickly" in r["content"] for r in replies] == [False] * (
        answering_service.VOTE_RATE
    ) + [True] * 3
    other = await press(
        discord_double, "faq:vote:tsubame-project:1", answer, user=discord_double.world.owner
    )
    assert "feedback is recorded" in other["content"]
    await eventually(lambda: _feedback_is(bot, [EntryFeedback("tsubame-project", 2, 0)]))
    discord_double.assert_clean()


async def test_thumbs_down_asks_privately_what_was_wrong_and_keeps_the_answer(
    bot: FaqBot, discord_double: DiscordDouble
) -> None:
    interaction, _ = await ask(discord_double, "what is the tsubame project")
    answer = discord_double.original_message(interaction["id"])
    up = await press(discord_double, "faq:vote:tsubame-project:1", answer)
    down = await press(discord_double, "faq:vote:tsubame-project:0", answer)
    assert is_ephemeral(down)
    assert up["content"] != down["content"]  # 👍 and 👎 are acknowledged differently
    assert not up.get("components")
    (menu,) = [c for row in down["components"] for c in row["components"]]
    assert menu["custom_id"] == "faq:why:tsubame-project"
    assert [o["value"] for o in menu["options"]] == [
        "wrong answer",
        "out of date",
        "unclear",
        "missing source",
    ]
    asked_why = next(
        m for m in discord_double.messages.values() if m.get("content") == down["content"]
    )
    chose = await discord_double.choose_select(
        "faq:why:tsubame-project", ["out of date"], message=asked_why
    )
    body = await discord_double.interaction_response(chose["id"])
    assert body["type"] == 7  # the question is replaced by the thanks, in place
    assert "Out of date" in body["data"]["content"]
    assert "couldn't be saved" not in body["data"]["content"]
    assert body["data"]["components"] == []
    # The reply comes after the commit, so the reason is in the figures already.
    assert await _feedback_is(bot, [EntryFeedback("tsubame-project", 0, 1, (("out of date", 1),))])
    discord_double.assert_clean()


async def test_none_of_these_notes_the_question_and_offers_the_topics(
    bot: FaqBot, discord_double: DiscordDouble, eventually: Any
) -> None:
    interaction, data = await ask(discord_double, SUGGEST_QUESTION)
    suggestion = discord_double.original_message(interaction["id"])
    none = custom_ids(data)[-1]
    click = await discord_double.click_button(none, message=suggestion)
    update = await discord_double.interaction_response(click["id"])
    assert update["type"] == 7
    assert "couldn't find that" in update["data"]["content"]
    assert custom_ids(update["data"]) == ["faq:topics"]
    groups = await eventually(
        lambda: bot.store.unanswered(since=utcnow() - timedelta(hours=1)),
        what="the question in the unanswered log",
    )
    assert [(g.example, g.count) for g in groups] == [(SUGGEST_QUESTION, 1)]
    # The suggestion is used: its picks no longer answer.
    again = await press(discord_double, pick_button(data, SUGGESTED_IDS[0]), suggestion)
    assert not again.get("embeds")
    discord_double.assert_clean()


async def test_none_of_these_under_a_mention_clears_it_and_offers_topics_privately(
    bot: FaqBot, discord_double: DiscordDouble
) -> None:
    await discord_double.user_message(SUGGEST_QUESTION, mention_bot=True)
    reply = await discord_double.wait_for_request("POST", CHANNEL_MESSAGES)
    suggestion = discord_double.messages[reply.response["id"]]
    click = await discord_double.click_button(custom_ids(suggestion)[-1], message=suggestion)
    update = await discord_double.interaction_response(click["id"])
    assert update["type"] == 7
    assert update["data"]["components"] == []
    offered = await follow_up(discord_double, click)
    assert is_ephemeral(offered)
    assert custom_ids(offered) == ["faq:topics"]
    discord_double.assert_clean()


async def _feedback_is(bot: FaqBot, expected: list[EntryFeedback]) -> bool:
    stats = await bot.store.stats(since=utcnow() - timedelta(hours=1))
    return stats.feedback == expected


# --- rate limits -----------------------------------------------------------------------------


async def test_a_user_over_the_rate_gets_a_private_cooldown_note(
    start_bot: Any, discord_double: DiscordDouble
) -> None:
    async with start_bot(ask_rate=1, ask_per_seconds=30.0):
        _, first = await ask(discord_double, "what is the tsubame project")
        _, second = await ask(discord_double, "is tsubame still running")
        # The limit is per user: someone else may still ask.
        _, other = await ask(
            discord_double, "is tsubame still running", user=discord_double.world.owner
        )
    assert first["embeds"]
    assert is_ephemeral(second)
    assert re.fullmatch(r"You're asking quickly! Try again in \d+ s\.", second["content"])
    assert not second.get("embeds")
    assert other["embeds"]
    discord_double.assert_clean()


async def test_the_same_question_twice_in_a_channel_is_answered_once(
    start_bot: Any, discord_double: DiscordDouble
) -> None:
    async with start_bot(burst_seconds=60.0):
        interaction, first = await ask(discord_double, "what is the tsubame project")
        _, second = await ask(
            discord_double, "What is the TSUBAME project?", user=discord_double.world.owner
        )
        # Another channel is another audience: answered there too.
        _, elsewhere = await ask(
            discord_double, "what is the tsubame project", channel_id=FAQ_CHANNEL_ID
        )
    assert first["embeds"]
    assert not is_ephemeral(first)
    assert is_ephemeral(second)
    assert "just answered" in second["content"]
    assert second["content"].endswith(message_link(discord_double, interaction))
    assert elsewhere["embeds"]
    discord_double.assert_clean()


async def test_just_answered_costs_the_asker_nothing(
    start_bot: Any, discord_double: DiscordDouble
) -> None:
    owner = discord_double.world.owner
    async with start_bot(burst_seconds=60.0, ask_rate=1, ask_per_seconds=60.0):
        await ask(discord_double, "what is the tsubame project")
        _, pointed = await ask(discord_double, "what is the tsubame project", user=owner)
        _, answered = await ask(discord_double, "is tsubame still running", user=owner)
    assert "just answered" in pointed["content"]
    assert answered["embeds"]
    discord_double.assert_clean()


async def test_pressing_a_related_button_again_and_again_posts_one_answer(
    start_bot: Any, discord_double: DiscordDouble
) -> None:
    asker = discord_double.world.member_user["id"]
    async with start_bot(burst_seconds=60.0):
        interaction, _ = await ask(discord_double, "what is the tsubame project")
        answer = discord_double.original_message(interaction["id"])
        button = f"faq:related:{asker}:tsubame-status"
        replies = [await press(discord_double, button, answer) for _ in range(5)]
    assert not is_ephemeral(replies[0])
    assert replies[0]["embeds"]
    for reply in replies[1:]:
        assert is_ephemeral(reply)
        assert not reply.get("embeds")
        assert "just answered" in reply["content"]
    discord_double.assert_clean()


async def test_buttons_obey_the_askers_cooldown(
    start_bot: Any, discord_double: DiscordDouble
) -> None:
    asker = discord_double.world.member_user["id"]
    async with start_bot(ask_rate=1, ask_per_seconds=60.0):
        interaction, _ = await ask(discord_double, "what is the tsubame project")
        answer = discord_double.original_message(interaction["id"])
        refused = await press(discord_double, f"faq:related:{asker}:tsubame-status", answer)
    assert is_ephemeral(refused)
    assert refused["content"].startswith("You're asking quickly!")
    discord_double.assert_clean()


async def test_a_private_reply_does_not_count_as_answered_in_the_channel(
    start_bot: Any, discord_double: DiscordDouble
) -> None:
    # Nobody else saw the first asker's "did you mean" or "not covered": there is no answer
    # above for the second asker to read.
    async with start_bot(burst_seconds=60.0):
        for question in (SUGGEST_QUESTION, UNKNOWN_QUESTION):
            _, first = await ask(discord_double, question)
            _, second = await ask(discord_double, question, user=discord_double.world.owner)
            assert is_ephemeral(first)
            assert "just answered" not in second["content"]
            assert second["content"] == first["content"]
    discord_double.assert_clean()


async def test_everyone_asking_an_ambiguous_mention_gets_their_own_choices(
    start_bot: Any, discord_double: DiscordDouble
) -> None:
    # Only the asker may press a "did you mean" button, so a second asker needs their own.
    world = discord_double.world
    async with start_bot(burst_seconds=60.0):
        for asker in (world.member_user, world.owner):
            await discord_double.user_message(SUGGEST_QUESTION, mention_bot=True, author=asker)
            reply = await discord_double.wait_for_request("POST", CHANNEL_MESSAGES)
            first_pick = pick_button(reply.body, SUGGESTED_IDS[0])
            assert first_pick.startswith(f"faq:pick:{asker['id']}:")
    discord_double.assert_clean()


async def test_the_same_mention_twice_in_a_channel_is_answered_once(
    start_bot: Any, discord_double: DiscordDouble
) -> None:
    async with start_bot(burst_seconds=60.0):
        await discord_double.user_message("what is the tsubame project", mention_bot=True)
        await discord_double.wait_for_request("POST", CHANNEL_MESSAGES)
        await discord_double.user_message("what is the tsubame project", mention_bot=True)
        with pytest.raises(TimeoutError):
            await discord_double.wait_for_request("POST", CHANNEL_MESSAGES, timeout=0.3)
    discord_double.assert_clean()


# --- nobody is ever pinged -------------------------------------------------------------------


async def test_pings_in_questions_never_notify_anyone_and_are_not_echoed(
    bot: FaqBot, discord_double: DiscordDouble
) -> None:
    await ask(discord_double, f"{PINGS} what is the tsubame project")
    await ask(discord_double, f"{PINGS} training")
    await ask(discord_double, PINGS)
    for question in (f"{PINGS} what is the tsubame project", f"{PINGS} training", PINGS):
        await discord_double.user_message(
            question,
            mention_bot=True,
            mention_everyone=True,
            mention_roles=["123"],
        )
        await discord_double.wait_for_request("POST", CHANNEL_MESSAGES)

    bodies = [_message_body(r) for r in discord_double.requests]
    bodies = [b for b in bodies if b is not None]
    assert len(bodies) == 6
    for body in bodies:
        mentions = body["allowed_mentions"]
        assert mentions["parse"] == []
        assert not mentions.get("users")
        assert not mentions.get("roles")
        assert mentions.get("replied_user") is not True
        shown = " ".join(
            [body.get("content") or ""]
            + [f"{e.get('title', '')} {e.get('description', '')}" for e in body.get("embeds") or []]
        )
        for raw in ("@everyone", "<@&123>", "<@456>"):
            assert raw not in shown
    discord_double.assert_clean()


def _message_body(request: Any) -> Payload | None:
    if request.method == "POST" and request.template == CHANNEL_MESSAGES:
        return dict(request.body)
    if request.template and request.template.endswith("/callback"):
        return dict(request.body["data"]) if request.body.get("type") == 4 else None
    return None
