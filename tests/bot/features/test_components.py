"""Buttons and menus carry their state in their custom ids, so they outlive the process;
and every component interaction gets an answer, whatever its custom id says."""

from __future__ import annotations

import dataclasses
import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from support.answers import answered_entry, custom_ids, pick_button

from bot.client import FaqBot
from bot.features.components import NOT_YOURS_TO_DELETE, STALE_BUTTON, STALE_MENU, VOTE_GONE
from bot.features.custom_ids import (
    Delete,
    Pick,
    Related,
    Sources,
    Vote,
    parse_custom_id,
    pick_id,
)
from bot.features.rendering import ENTRY_GONE
from bot.storage import EntryFeedback, utcnow
from knowledge.entry_schema import MAX_ID_CHARS
from testkit.discord_double import DiscordDouble, interaction_payloads
from testkit.discord_double import payloads as p
from testkit.discord_double.payloads import Payload

EPHEMERAL = 1 << 6
BUTTON, SELECT = interaction_payloads.BUTTON, interaction_payloads.STRING_SELECT


async def test_buttons_and_menus_sent_before_a_restart_still_work_after_it(
    start_bot: Any, discord_double: DiscordDouble
) -> None:
    asker = discord_double.world.member_user["id"]
    async with start_bot():
        asked = await discord_double.slash_command(
            "ask", {"question": "what is the tsubame project"}
        )
        await discord_double.interaction_response(asked["id"])
        suggested = await discord_double.slash_command("ask", {"question": "training"})
        await discord_double.interaction_response(suggested["id"])
        topics = await discord_double.slash_command("topics")
        await discord_double.interaction_response(topics["id"])
    answer = discord_double.original_message(asked["id"])
    suggestion = discord_double.original_message(suggested["id"])
    topic_menu = discord_double.original_message(topics["id"])

    async with start_bot():  # a new process: nothing in memory from the first one
        related = await discord_double.click_button(
            f"faq:related:{asker}:tsubame-status", message=answer
        )
        related_body = await discord_double.interaction_response(related["id"])
        # A related button from before the asker was kept in it: answered, privately.
        older = await discord_double.click_button("faq:related:tsubame-status", message=answer)
        older_body = await discord_double.interaction_response(older["id"])
        vote = await discord_double.click_button("faq:vote:tsubame-project:1", message=answer)
        vote_body = await discord_double.interaction_response(vote["id"])
        pick = await discord_double.click_button(
            pick_button(suggestion, "icscoe-core-programme"), message=suggestion
        )
        pick_body = await discord_double.interaction_response(pick["id"])
        picked = await discord_double.wait_for_request(
            "POST",
            "/webhooks/{webhook_id}/{webhook_token}",
            predicate=lambda r: r.path.split("/")[3] == pick["token"],
        )
        chosen = await discord_double.choose_select("faq:topics", ["olympics"], message=topic_menu)
        chosen_body = await discord_double.interaction_response(chosen["id"])

    assert answered_entry(related_body["data"]) == "tsubame-status"
    assert not related_body["data"].get("flags")
    assert answered_entry(older_body["data"]) == "tsubame-status"
    assert older_body["data"]["flags"] & EPHEMERAL
    assert "feedback is recorded" in vote_body["data"]["content"]
    assert pick_body["type"] == 7
    assert answered_entry(picked.body) == "icscoe-core-programme"
    assert chosen_body["type"] == 7  # the browser shows the topic's questions in place
    assert "faq:entry" in custom_ids(chosen_body["data"])
    discord_double.assert_clean()


# --- forged, stale and malformed components -------------------------------------------------

OWNER_ID = "1187000000000000101"  # the guild owner, not the member who clicks

# (custom id, component type, select values, the private reply expected)
FORGED: dict[str, tuple[str, int, list[Any] | None, str]] = {
    "a huge custom id": ("faq:pick:" + "9" * 5_000 + ":tsubame-status", BUTTON, None, STALE_BUTTON),
    "a huge entry id": ("faq:related:" + "a" * 200, BUTTON, None, STALE_BUTTON),
    "non-ASCII digits as the asker": ("faq:pick:١٢٣:tsubame-status", BUTTON, None, STALE_BUTTON),
    "full-width letters in the entry id": (
        "faq:related:ｔｓｕｂａｍｅ",
        BUTTON,
        None,
        STALE_BUTTON,
    ),
    "a trailing newline": ("faq:related:tsubame-status\n", BUTTON, None, STALE_BUTTON),
    "an old format": ("faq:more:tsubame-status", BUTTON, None, STALE_BUTTON),
    "an older format without the prefix": ("related:tsubame-status", BUTTON, None, STALE_BUTTON),
    "a vote without its value": ("faq:vote:tsubame-project", BUTTON, None, STALE_BUTTON),
    "an empty custom id": ("", BUTTON, None, STALE_BUTTON),
    "a menu's id on a button": ("faq:topics", BUTTON, None, STALE_BUTTON),
    "a button's id on a menu": ("faq:related:tsubame-status", SELECT, ["x"], STALE_MENU),
    "an unknown menu": ("faq:old-menu", SELECT, ["olympics"], STALE_MENU),
    "a menu choice of nothing": ("faq:topics", SELECT, [], STALE_MENU),
    "a menu choice that is not text": ("faq:entry", SELECT, [7], STALE_MENU),
    "two menu choices": ("faq:entry", SELECT, ["tsubame-status", "cyder"], STALE_MENU),
    # Components that edit or delete their message must be on it: aimed at an answer, each
    # is refused, so no one can rewrite or remove another member's message.
    "a pick that is not on the message": (
        f"faq:pick:{OWNER_ID}:uk-skills-gap",
        BUTTON,
        None,
        STALE_BUTTON,
    ),
    "a none-of-these that is not on the message": (
        f"faq:none:{OWNER_ID}:0123abcd",
        BUTTON,
        None,
        STALE_BUTTON,
    ),
    "an unknown entry id": ("faq:related:no-such-entry", BUTTON, None, ENTRY_GONE),
    "a question menu that is not on the message": ("faq:entry", SELECT, ["cyder"], STALE_MENU),
    "a topic menu that is not on the message": ("faq:topics", SELECT, ["olympics"], STALE_MENU),
    "a what-was-wrong menu that is not on the message": (
        "faq:why:tsubame-project",
        SELECT,
        ["unclear"],
        STALE_MENU,
    ),
    "a vote for an unknown entry": ("faq:vote:no-such-entry:1", BUTTON, None, VOTE_GONE),
    "the sources of an unknown entry": ("faq:sources:no-such-entry", BUTTON, None, ENTRY_GONE),
    "a delete button that is not on the message": (
        f"faq:delete:{OWNER_ID}",
        BUTTON,
        None,
        STALE_BUTTON,
    ),
    "a delete button without its asker": ("faq:delete:", BUTTON, None, STALE_BUTTON),
}


async def answered_message(double: DiscordDouble) -> Payload:
    asked = await double.slash_command("ask", {"question": "what is the tsubame project"})
    await double.interaction_response(asked["id"])
    return double.original_message(asked["id"])


async def click(
    double: DiscordDouble,
    custom_id: str,
    component_type: int,
    values: list[Any] | None,
    message: Payload,
    user: Payload | None = None,
) -> Payload:
    """A component interaction as a modified client could send it: any custom id, type and
    values, on a message the bot sent, whether or not that component is on it."""
    invoker = double.world.invoker(user=user)
    payload = interaction_payloads.interaction(
        interaction_payloads.MESSAGE_COMPONENT,
        {"custom_id": custom_id, "component_type": component_type}
        | ({} if values is None else {"values": values}),
        invoker=invoker,
        application_id=double.world.application_id,
        message=interaction_payloads.component_message(message, guild_id=invoker.guild_id),
    )
    return await double.send_interaction(payload)


@pytest.mark.parametrize(
    ("custom_id", "component_type", "values", "reply"), FORGED.values(), ids=FORGED.keys()
)
async def test_a_forged_stale_or_malformed_component_is_answered_privately(
    bot: FaqBot,
    discord_double: DiscordDouble,
    caplog: pytest.LogCaptureFixture,
    custom_id: str,
    component_type: int,
    values: list[Any] | None,
    reply: str,
) -> None:
    message = await answered_message(discord_double)
    forged = await click(discord_double, custom_id, component_type, values, message)
    body = await discord_double.interaction_response(forged["id"])
    assert body["type"] == 4
    assert body["data"]["flags"] & EPHEMERAL
    assert body["data"]["content"] == reply
    assert not body["data"].get("embeds")
    assert not body["data"].get("components")

    # Nothing crashed: the next click on a real button is answered, nothing was logged as
    # an error, and no vote was stored for what was refused.
    related = await discord_double.click_button("faq:related:tsubame-status", message=message)
    answer = await discord_double.interaction_response(related["id"])
    assert answered_entry(answer["data"]) == "tsubame-status"
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    stats = await bot.store.stats(since=utcnow() - timedelta(hours=1))
    assert stats.feedback == []
    discord_double.assert_clean()


def test_a_pick_names_its_suggestion_only_while_the_custom_id_fits_discords_limit() -> None:
    assert pick_id(42, "cyder", "0a1b2c3d") == "faq:pick:42:cyder:0a1b2c3d"
    longest = "a" * MAX_ID_CHARS
    asker = 18446744073709551615
    assert pick_id(asker, longest, "0a1b2c3d") == f"faq:pick:{asker}:{longest}"
    assert parse_custom_id(pick_id(asker, longest, "0a1b2c3d"), BUTTON) == Pick(asker, longest)


def test_custom_ids_are_read_strictly() -> None:
    assert parse_custom_id("faq:related:tsubame-status", BUTTON) == Related("tsubame-status")
    assert parse_custom_id("faq:related:42:tsubame-status", BUTTON) == Related("tsubame-status", 42)
    assert parse_custom_id("faq:sources:cyder", BUTTON) == Sources("cyder")
    assert parse_custom_id("faq:delete:42", BUTTON) == Delete(42)
    assert parse_custom_id("faq:vote:cyder:0", BUTTON) == Vote("cyder", helpful=False)
    assert parse_custom_id("faq:pick:18446744073709551615:cyder", BUTTON) == Pick(
        18446744073709551615, "cyder"
    )
    assert parse_custom_id("faq:pick:42:cyder:0a1b2c3d", BUTTON) == Pick(42, "cyder", "0a1b2c3d")
    for forged in (
        "faq:pick:42:cyder:0A1B2C3D",  # tokens are lower-case hex
        "faq:pick:42:cyder:0a1b2c3",
        "faq:pick:0123:cyder",  # snowflakes have no leading zero
        "faq:pick:123456789012345678901:cyder",  # 21 digits: more than 64 bits
        "faq:pick:١٢٣:cyder",
        "faq:vote:cyder:2",
        "faq:related:Cyder",
        "faq:related:cyder-",
        "faq:related:" + "a" * 100,
        "faq:related:042:cyder",
        "faq:delete:cyder",
        "faq:sources:42:cyder",
    ):
        assert parse_custom_id(forged, BUTTON) is None, forged
    assert parse_custom_id(None, BUTTON) is None
    assert parse_custom_id("faq:related:cyder", 99) is None


def rename_entry(faq_dir: Path, old: str, new: str) -> None:
    for path in faq_dir.glob("*.yaml"):
        path.write_text(path.read_text().replace(old, new))


async def test_a_vote_for_an_entry_removed_from_the_faq_is_refused_and_not_recorded(
    bot: FaqBot, discord_double: DiscordDouble, faq_dir: Path, eventually: Any
) -> None:
    message = await answered_message(discord_double)  # has faq:vote:tsubame-project:1
    # The maintainers rename the entry, then the bot reloads: the old buttons are stale.
    rename_entry(faq_dir, "tsubame-project", "tsubame-programme")
    assert (await bot.knowledge.reload()).ok

    refused = await discord_double.click_button("faq:vote:tsubame-project:1", message=message)
    body = await discord_double.interaction_response(refused["id"])
    assert body["data"]["flags"] & EPHEMERAL
    assert body["data"]["content"] == VOTE_GONE

    # A vote for an entry that is there is recorded; the refused one never is.
    kept = await discord_double.click_button("faq:vote:tsubame-status:1", message=message)
    await discord_double.interaction_response(kept["id"])

    async def feedback() -> list[EntryFeedback]:
        return (await bot.store.stats(since=utcnow() - timedelta(hours=1))).feedback

    await eventually(feedback, what="the vote that was kept")
    assert await feedback() == [EntryFeedback("tsubame-status", 1, 0)]
    discord_double.assert_clean()


def add_sources(faq_dir: Path, entry_id: str, count: int) -> None:
    """Give an entry ``count`` more sources with long titles, more than an answer can show."""
    extra = "".join(
        f"      - title: Supporting source number {n} {'with a long title ' * 6}\n"
        f"        url: https://example.org/supporting/{n}\n"
        for n in range(count)
    )
    for path in faq_dir.glob("*.yaml"):
        text = path.read_text()
        start = text.find(f"  - id: {entry_id}\n")
        if start < 0:
            continue
        at = text.index("    sources:\n", start) + len("    sources:\n")
        path.write_text(text[:at] + extra + text[at:])


async def test_sources_beyond_the_answers_room_are_listed_privately_on_request(
    bot: FaqBot, discord_double: DiscordDouble, faq_dir: Path
) -> None:
    add_sources(faq_dir, "tsubame-project", 14)
    assert (await bot.knowledge.reload()).ok
    entry = bot.knowledge.current.knowledge_base.get("tsubame-project")
    assert entry is not None
    message = await answered_message(discord_double)
    embed = message["embeds"][0]
    assert [f["name"] for f in embed["fields"]] == ["Sources", "More sources"]
    assert all(len(f["value"]) <= 1024 for f in embed["fields"])
    shown = sum(f["value"].count("https://") for f in embed["fields"])
    hidden = len(entry.sources) - shown
    assert hidden > 0
    assert embed["fields"][-1]["value"].endswith(f"+{hidden} more: press **All sources**")
    feedback_row = [c["custom_id"] for c in message["components"][-1]["components"]]
    assert "faq:sources:tsubame-project" in feedback_row

    listed = await discord_double.click_button("faq:sources:tsubame-project", message=message)
    body = await discord_double.interaction_response(listed["id"])
    assert body["data"]["flags"] & EPHEMERAL
    listing = body["data"]["embeds"][0]["description"]
    assert all(source.url in listing for source in entry.sources)
    discord_double.assert_clean()


async def test_the_asker_can_delete_their_public_answer_and_others_cannot(
    bot: FaqBot, discord_double: DiscordDouble
) -> None:
    message = await answered_message(discord_double)
    asker = discord_double.world.member_user["id"]
    delete = f"faq:delete:{asker}"
    assert delete in [c["custom_id"] for c in message["components"][-1]["components"]]

    refused = await discord_double.click_button(
        delete, message=message, user=discord_double.world.owner
    )
    body = await discord_double.interaction_response(refused["id"])
    assert body["data"]["flags"] & EPHEMERAL
    assert body["data"]["content"] == NOT_YOURS_TO_DELETE
    # Nor can they aim a delete button of their own at it.
    owner = discord_double.world.owner
    forged = await click(discord_double, f"faq:delete:{owner['id']}", BUTTON, None, message, owner)
    body = await discord_double.interaction_response(forged["id"])
    assert body["data"]["content"] == STALE_BUTTON
    assert message["id"] in discord_double.messages

    pressed = await discord_double.click_button(delete, message=message)
    ack = await discord_double.interaction_response(pressed["id"])
    assert ack["type"] == 6  # acknowledged without a message of its own
    removed = await discord_double.wait_for_request(
        "DELETE", "/channels/{channel_id}/messages/{message_id}"
    )
    assert removed.path == f"/channels/{message['channel_id']}/messages/{message['id']}"
    assert message["id"] not in discord_double.messages
    discord_double.assert_clean()


async def test_a_moderator_can_delete_any_public_answer(
    bot: FaqBot, discord_double: DiscordDouble
) -> None:
    message = await answered_message(discord_double)
    asker = discord_double.world.member_user["id"]
    world = discord_double.world
    moderator = dataclasses.replace(
        world.invoker(user=world.owner), permissions=p.BASIC_PERMISSIONS | p.MANAGE_MESSAGES
    )
    payload = interaction_payloads.interaction(
        interaction_payloads.MESSAGE_COMPONENT,
        interaction_payloads.component_data(f"faq:delete:{asker}"),
        invoker=moderator,
        application_id=world.application_id,
        message=interaction_payloads.component_message(message, guild_id=moderator.guild_id),
    )
    pressed = await discord_double.send_interaction(payload)
    assert (await discord_double.interaction_response(pressed["id"]))["type"] == 6
    await discord_double.wait_for_request("DELETE", "/channels/{channel_id}/messages/{message_id}")
    assert message["id"] not in discord_double.messages
    discord_double.assert_clean()
