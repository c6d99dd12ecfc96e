"""/ask end to end: the real client, the loopback double, the shipped FAQ."""

from __future__ import annotations

from discord_double import DiscordDouble

from bot.client import FaqBot


async def test_a_clear_question_gets_a_public_answer_embed(
    bot: FaqBot, discord_double: DiscordDouble
) -> None:
    interaction = await discord_double.slash_command(
        "ask", {"question": "what is the tsubame project"}
    )
    body = await discord_double.interaction_response(interaction["id"])
    assert body["type"] == 4
    data = body["data"]
    assert "flags" not in data or not data["flags"] & 64  # public
    embed = data["embeds"][0]
    assert embed["title"] == "What is JPCERT/CC's TSUBAME project?"
    assert embed["fields"][0]["name"] == "Sources"
    assert "https://www.jpcert.or.jp/english/tsubame/readme.html" in embed["fields"][0]["value"]
    assert embed["footer"]["text"].startswith("tsubame-project · checked ")
    custom_ids = [c["custom_id"] for row in data["components"] for c in row["components"]]
    assert custom_ids[-2:] == ["faq:vote:tsubame-project:1", "faq:vote:tsubame-project:0"]
    assert any(i.startswith("faq:related:") for i in custom_ids)
    assert data["allowed_mentions"] == {"parse": []}
    discord_double.assert_clean()
