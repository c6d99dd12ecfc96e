"""Browsing with /topics: a topic menu, then the questions in a topic, then an answer."""

# ruff: noqa: ASYNC240 -- the test edits FAQ files directly; blocking its loop is harmless

from __future__ import annotations

from pathlib import Path

from support.answers import answered_entry

from bot.client import FaqBot
from testkit.discord_double import DiscordDouble
from testkit.discord_double.payloads import Payload

EPHEMERAL = 1 << 6


def only_select(data: Payload) -> Payload:
    rows = data["components"]
    assert len(rows) == 1
    assert len(rows[0]["components"]) == 1
    return dict(rows[0]["components"][0])


async def choose(double: DiscordDouble, custom_id: str, value: str, message: Payload) -> Payload:
    chosen = await double.choose_select(custom_id, [value], message=message)
    body = await double.interaction_response(chosen["id"])
    assert body["type"] == 4, body
    return dict(body["data"])


async def test_topics_then_a_topic_then_a_question_shows_its_answer(
    bot: FaqBot, discord_double: DiscordDouble
) -> None:
    knowledge_base = bot.knowledge.current.knowledge_base
    opened = await discord_double.slash_command("topics")
    body = await discord_double.interaction_response(opened["id"])
    data = body["data"]
    assert data["flags"] & EPHEMERAL
    topics = list(knowledge_base.topics)
    assert data["content"] == (
        f"The FAQ has {len(knowledge_base.entries)} questions in {len(topics)} topics."
    )
    topic_menu = only_select(data)
    assert topic_menu["custom_id"] == "faq:topics"
    assert [o["value"] for o in topic_menu["options"]] == topics
    olympics = next(o for o in topic_menu["options"] if o["value"] == "olympics")
    assert olympics["description"] == f"{len(knowledge_base.entries_in('olympics'))} questions"

    menu_message = discord_double.original_message(opened["id"])
    questions = await choose(discord_double, "faq:topics", "olympics", menu_message)
    assert questions["flags"] & EPHEMERAL
    assert questions["content"] == "Questions on `olympics`:"
    entry_menu = only_select(questions)
    assert entry_menu["custom_id"] == "faq:entry"
    in_topic = knowledge_base.entries_in("olympics")
    assert [o["value"] for o in entry_menu["options"]] == [e.id for e in in_topic]
    assert all(len(o["label"]) <= 100 for o in entry_menu["options"])

    picked = in_topic[1]
    questions_message = next(
        m for m in discord_double.messages.values() if m.get("content") == questions["content"]
    )
    answer = await choose(discord_double, "faq:entry", picked.id, questions_message)
    assert answer["flags"] & EPHEMERAL
    embed = answer["embeds"][0]
    assert embed["title"] == picked.question
    assert answered_entry(answer) == picked.id
    assert answer["allowed_mentions"] == {"parse": []}
    discord_double.assert_clean()


async def test_every_topic_in_the_menu_lists_its_questions(
    bot: FaqBot, discord_double: DiscordDouble
) -> None:
    knowledge_base = bot.knowledge.current.knowledge_base
    opened = await discord_double.slash_command("topics")
    await discord_double.interaction_response(opened["id"])
    menu_message = discord_double.original_message(opened["id"])
    for topic in knowledge_base.topics:
        questions = await choose(discord_double, "faq:topics", topic, menu_message)
        options = only_select(questions)["options"]
        assert 0 < len(options) <= 25
        assert [o["value"] for o in options] == [e.id for e in knowledge_base.entries_in(topic)]
    discord_double.assert_clean()


async def test_menus_sent_before_an_faq_edit_explain_what_is_gone(
    bot: FaqBot, discord_double: DiscordDouble, faq_dir: Path
) -> None:
    opened = await discord_double.slash_command("topics")
    await discord_double.interaction_response(opened["id"])
    topic_menu = discord_double.original_message(opened["id"])
    questions = await choose(discord_double, "faq:topics", "olympics", topic_menu)
    entry_menu = next(
        m for m in discord_double.messages.values() if m.get("content") == questions["content"]
    )

    # The maintainers rename the topic and one of its entries, then the bot reloads.
    for path in faq_dir.glob("*.yaml"):
        path.write_text(path.read_text().replace("gru-74455-indictment", "gru-indictment"))
    renamed = (faq_dir / "olympics.yaml").read_text().replace("topic: olympics", "topic: sport")
    (faq_dir / "sport.yaml").write_text(renamed)
    (faq_dir / "olympics.yaml").unlink()
    assert (await bot.knowledge.reload()).ok

    gone_topic = await choose(discord_double, "faq:topics", "olympics", topic_menu)
    assert gone_topic["flags"] & EPHEMERAL
    assert "no longer in the FAQ" in gone_topic["content"]
    gone_entry = await choose(discord_double, "faq:entry", "gru-74455-indictment", entry_menu)
    assert gone_entry["flags"] & EPHEMERAL
    assert "no longer in the FAQ" in gone_entry["content"]
    still_there = await choose(discord_double, "faq:entry", "tokyo2020-outcome", entry_menu)
    assert answered_entry(still_there) == "tokyo2020-outcome"
    discord_double.assert_clean()
