"""Japanese members, end to end: answers, buttons, autocomplete and replies in Japanese.

A member whose Discord is set to Japanese sends ``locale: "ja"`` with every interaction; a
message carries no locale, so a mention is answered in the language it is written in.
"""

from __future__ import annotations

from typing import Any

from support.answers import answered_entry, custom_ids

from bot.client import FaqBot
from bot.features.components import STALE_BUTTON
from bot.features.rendering import SOURCES
from bot.i18n import Catalog
from testkit.discord_double import DiscordDouble
from testkit.discord_double.payloads import Payload

CHANNEL_MESSAGES = "/channels/{channel_id}/messages"
EPHEMERAL = 1 << 6
JA = "ja"


def japanese(english: str) -> str:
    return Catalog.load().words("ja")(english)


def entry_in(bot: FaqBot, entry_id: str) -> Any:
    entry = bot.knowledge.current.knowledge_base.get(entry_id)
    assert entry is not None
    assert entry.ja is not None
    return entry


async def ask(double: DiscordDouble, question: str, **where: Any) -> tuple[Payload, Payload]:
    interaction = await double.slash_command("ask", {"question": question}, **where)
    body = await double.interaction_response(interaction["id"])
    assert body["type"] == 4, body
    return interaction, body["data"]


async def test_a_japanese_member_asking_in_english_gets_the_japanese_answer(
    bot: FaqBot, discord_double: DiscordDouble
) -> None:
    _, data = await ask(discord_double, "what is the tsubame project?", locale=JA)
    entry = entry_in(bot, "tsubame-project")
    [embed] = data["embeds"]
    assert embed["title"] == entry.ja.question
    assert embed["description"].startswith(entry.ja.answer[:40])
    assert embed["fields"][0]["name"] == japanese(SOURCES)
    assert embed["footer"]["text"].startswith("最終確認")
    ids = custom_ids(data)
    # Its buttons answer in Japanese too, and one shows the answer in English.
    assert "faq:ja:vote:tsubame-project:1" in ids
    assert "faq:ja:in:en:tsubame-project" in ids
    labels = [c.get("label") for row in data["components"] for c in row["components"]]
    assert "English" in labels
    assert "役に立った" in labels
    discord_double.assert_clean()


async def test_an_english_member_asking_in_english_gets_english_and_a_japanese_button(
    bot: FaqBot, discord_double: DiscordDouble
) -> None:
    _, data = await ask(discord_double, "what is the tsubame project?")
    assert data["embeds"][0]["title"] == entry_in(bot, "tsubame-project").question
    ids = custom_ids(data)
    assert "faq:vote:tsubame-project:1" in ids
    assert "faq:in:ja:tsubame-project" in ids
    discord_double.assert_clean()


async def test_a_japanese_mention_gets_a_japanese_reply(
    bot: FaqBot, discord_double: DiscordDouble
) -> None:
    await discord_double.user_message("TSUBAMEって何ですか？", mention_bot=True)
    reply = await discord_double.wait_for_request("POST", CHANNEL_MESSAGES)
    assert answered_entry(reply.body) == "tsubame-project"
    assert reply.body["embeds"][0]["title"] == entry_in(bot, "tsubame-project").ja.question
    assert reply.body["allowed_mentions"]["parse"] == []
    discord_double.assert_clean()


async def test_an_uncovered_japanese_mention_is_declined_in_japanese_with_japanese_topics(
    bot: FaqBot, discord_double: DiscordDouble
) -> None:
    await discord_double.user_message("ピアノの練習方法", mention_bot=True)
    reply = await discord_double.wait_for_request("POST", CHANNEL_MESSAGES)
    content = reply.body["content"]
    assert "FAQにその答えが見つかりませんでした" in content
    knowledge_base = bot.knowledge.current.knowledge_base
    for topic in knowledge_base.topics:
        assert knowledge_base.title_of(topic, "ja") in content
    discord_double.assert_clean()


async def test_the_language_button_answers_privately_under_a_public_answer_in_place_if_private(
    bot: FaqBot, discord_double: DiscordDouble
) -> None:
    entry = entry_in(bot, "tsubame-project")
    asked, public = await ask(discord_double, "what is the tsubame project?")
    assert not (public.get("flags") or 0) & EPHEMERAL
    posted = discord_double.original_message(asked["id"])
    # Under the public answer: the Japanese answer for the member alone; the post stays.
    click = await discord_double.click_button("faq:in:ja:tsubame-project", message=posted)
    body = await discord_double.interaction_response(click["id"])
    assert body["type"] == 4
    assert body["data"]["flags"] & EPHEMERAL
    assert body["data"]["embeds"][0]["title"] == entry.ja.question
    assert "faq:ja:in:en:tsubame-project" in custom_ids(body["data"])
    # Under that private answer, "English" switches it back in place.
    private = discord_double.original_message(click["id"])
    back = await discord_double.click_button("faq:ja:in:en:tsubame-project", message=private)
    switched = await discord_double.interaction_response(back["id"])
    assert switched["type"] == 7  # the message itself is updated
    assert switched["data"]["embeds"][0]["title"] == entry.question
    assert "faq:in:ja:tsubame-project" in custom_ids(switched["data"])
    discord_double.assert_clean()


async def test_autocomplete_offers_japanese_questions_to_a_japanese_member(
    bot: FaqBot, discord_double: DiscordDouble
) -> None:
    interaction = await discord_double.autocomplete(
        "ask", {"question": "tsubame"}, focused="question", locale=JA
    )
    body = await discord_double.interaction_response(interaction["id"])
    assert body["type"] == 8
    choices = body["data"]["choices"]
    assert entry_in(bot, "tsubame-project").ja.question in [c["name"] for c in choices]
    assert all(c["name"] == c["value"] and len(c["name"]) <= 100 for c in choices)
    # Choosing one asks it: the answer is that entry, in Japanese.
    _, data = await ask(discord_double, choices[0]["value"])
    assert data["embeds"][0]["title"] == choices[0]["value"]
    discord_double.assert_clean()


async def test_a_stale_button_pressed_by_a_japanese_member_is_explained_in_japanese(
    bot: FaqBot, discord_double: DiscordDouble
) -> None:
    asked, _ = await ask(discord_double, "what is the tsubame project?")
    posted = discord_double.original_message(asked["id"])
    click = await discord_double.click_button("faq:retired:thing", message=posted, locale=JA)
    body = await discord_double.interaction_response(click["id"])
    assert body["data"]["content"] == japanese(STALE_BUTTON)
    assert body["data"]["flags"] & EPHEMERAL
    discord_double.assert_clean()
