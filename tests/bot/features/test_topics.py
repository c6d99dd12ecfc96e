"""Browsing with /topics: a topic menu, then the questions in a topic, then an answer."""

# ruff: noqa: ASYNC240 -- the test edits FAQ files directly; blocking its loop is harmless

from __future__ import annotations

from pathlib import Path

from support.answers import answered_entry

from bot.client import FaqBot
from testkit.discord_double import DiscordDouble
from testkit.discord_double.payloads import Payload

EPHEMERAL = 1 << 6


def selects(data: Payload) -> list[Payload]:
    """The select menus of a message, one per row."""
    rows = data["components"]
    assert all(len(row["components"]) == 1 for row in rows)
    return [dict(row["components"][0]) for row in rows]


async def choose(double: DiscordDouble, custom_id: str, value: str, message: Payload) -> Payload:
    """Choose ``value`` in a menu -> the bot's response (its type and data)."""
    chosen = await double.choose_select(custom_id, [value], message=message)
    return dict(await double.interaction_response(chosen["id"]))


async def test_topics_then_a_topic_then_a_question_in_one_message_that_becomes_the_answer(
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
    (topic_menu,) = selects(data)
    assert topic_menu["custom_id"] == "faq:topics"
    assert [o["value"] for o in topic_menu["options"]] == topics
    # Members see the topics' display names, in alphabetical order.
    labels = [o["label"] for o in topic_menu["options"]]
    assert labels == [knowledge_base.title_of(t) for t in topics]
    assert labels == sorted(labels, key=str.casefold)
    topic = topics[1]
    option = next(o for o in topic_menu["options"] if o["value"] == topic)
    assert option["description"] == f"{len(knowledge_base.entries_in(topic))} questions"

    browser = discord_double.original_message(opened["id"])
    questions = await choose(discord_double, "faq:topics", topic, browser)
    assert questions["type"] == 7  # the same message, edited
    assert questions["data"]["content"] == f"Questions on **{knowledge_base.title_of(topic)}**:"
    topic_again, entry_menu = selects(questions["data"])
    assert [o["value"] for o in topic_again["options"] if o.get("default")] == [topic]
    assert entry_menu["custom_id"] == "faq:entry"
    in_topic = knowledge_base.entries_in(topic)
    assert [o["value"] for o in entry_menu["options"]] == [e.id for e in in_topic]
    assert all(len(o["label"]) <= 100 for o in entry_menu["options"])

    picked = in_topic[-1]
    answer = await choose(
        discord_double, "faq:entry", picked.id, discord_double.messages[browser["id"]]
    )
    assert answer["type"] == 7
    assert answered_entry(answer["data"]) == picked.id
    assert answer["data"]["embeds"][0]["title"] == picked.question
    assert answer["data"]["allowed_mentions"] == {"parse": []}
    assert discord_double.messages[browser["id"]]["flags"] & EPHEMERAL  # still private
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
        options = selects(questions["data"])[1]["options"]
        assert 0 < len(options) <= 25
        assert [o["value"] for o in options] == [e.id for e in knowledge_base.entries_in(topic)]
    discord_double.assert_clean()


async def test_menus_sent_before_an_faq_edit_explain_what_is_gone(
    bot: FaqBot, discord_double: DiscordDouble, faq_dir: Path
) -> None:
    opened = await discord_double.slash_command("topics")
    await discord_double.interaction_response(opened["id"])
    topic_menu = discord_double.original_message(opened["id"])
    await choose(discord_double, "faq:topics", "olympics", topic_menu)
    entry_menu = dict(discord_double.messages[topic_menu["id"]])

    # The maintainers rename the topic and one of its entries, then the bot reloads.
    for path in faq_dir.glob("*.yaml"):
        path.write_text(path.read_text().replace("gru-74455-indictment", "gru-indictment"))
    renamed = (faq_dir / "olympics.yaml").read_text().replace("topic: olympics", "topic: sport")
    (faq_dir / "sport.yaml").write_text(renamed)
    (faq_dir / "olympics.yaml").unlink()
    assert (await bot.knowledge.reload()).ok

    gone_topic = (await choose(discord_double, "faq:topics", "olympics", topic_menu))["data"]
    assert gone_topic["flags"] & EPHEMERAL
    assert "no longer in the FAQ" in gone_topic["content"]
    gone_entry = (await choose(discord_double, "faq:entry", "gru-74455-indictment", entry_menu))[
        "data"
    ]
    assert gone_entry["flags"] & EPHEMERAL
    assert "no longer in the FAQ" in gone_entry["content"]
    still_there = await choose(discord_double, "faq:entry", "tokyo2020-outcome", entry_menu)
    assert answered_entry(still_there["data"]) == "tokyo2020-outcome"
    discord_double.assert_clean()
