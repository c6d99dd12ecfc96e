"""Buttons and menus carry their state in their custom ids, so they outlive the process."""

from __future__ import annotations

from typing import Any

from discord_double import DiscordDouble

EPHEMERAL = 1 << 6


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
        related = await discord_double.click_button("faq:related:tsubame-status", message=answer)
        related_body = await discord_double.interaction_response(related["id"])
        vote = await discord_double.click_button("faq:vote:tsubame-project:1", message=answer)
        vote_body = await discord_double.interaction_response(vote["id"])
        pick = await discord_double.click_button(
            f"faq:pick:{asker}:icscoe-core-programme", message=suggestion
        )
        pick_body = await discord_double.interaction_response(pick["id"])
        chosen = await discord_double.choose_select("faq:topics", ["olympics"], message=topic_menu)
        chosen_body = await discord_double.interaction_response(chosen["id"])

    assert related_body["data"]["embeds"][0]["title"] == "Is TSUBAME still running?"
    assert "feedback is recorded" in vote_body["data"]["content"]
    assert pick_body["data"]["embeds"][0]["footer"]["text"].startswith("icscoe-core-programme · ")
    assert chosen_body["data"]["content"] == "Questions on `olympics`:"
    discord_double.assert_clean()
