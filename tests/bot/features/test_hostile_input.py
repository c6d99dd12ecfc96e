"""Hostile and malformed input from Discord: each question or interaction is answered or
refused cleanly, and the bot goes on to answer the next ordinary question.

"Cleanly" means a reply (private, for a refusal) or, for autocomplete, at most 25 choices;
nothing in it that pings (the double checks allowed_mentions on everything the bot sends) or
breaks Discord's limits; the question never echoed back; and no error in the log.

One malformed interaction never reaches the bot's code: an option without a "value" makes
discord.py's own parsing (app_commands.Namespace) raise inside its command-tree task, before
any check or handler of the bot runs, so nothing can reply to it. The honest outcome there is
no reply, no crash, and the next question answered.
"""

from __future__ import annotations

import logging
import sqlite3
import unicodedata
from typing import Any

import pytest
from support.answers import answered_entry
from support.bot_fixtures import wait_until

from bot.client import FaqBot
from bot.config import Settings
from bot.features.ask import NOT_TEXT, TOO_LONG
from bot.features.rendering import help_text
from bot.i18n import ENGLISH
from bot.safety import MAX_QUESTION_LENGTH
from testkit.discord_double import DiscordDouble, interaction_payloads
from testkit.discord_double.payloads import Payload

# The help text names the bot as members see it: the double's bot user is "FAQ Bot".
SHOWN_HELP = help_text(ENGLISH, "FAQ Bot")

CHANNEL_MESSAGES = "/channels/{channel_id}/messages"
FOLLOWUP = "/webhooks/{webhook_id}/{webhook_token}"
EPHEMERAL = 1 << 6
RAW_PINGS = ("@everyone", "@here", "<@123>", "<@&456>")
LONG = "what is the tsubame project " * 215  # 6,020 characters

HOSTILE_QUESTIONS = {
    "only mentions": "<@123> <@&456> @everyone @here",
    "markdown": "# **What** is the _TSUBAME_ `project`?\n> ||spoiler|| ~~no~~",
    "code block": "```python\nimport os\nos.system('rm -rf /')\n```",
    "control characters": "\x1b[31m is tsubame\r\n\tstill\x00running\x07\x7f\x85 \x1b[0m",
    "several lines": "who funds\nthe\najccbc",
    "zero-width and direction overrides": (
        "tsu\u200bba\u200dme \u202estatus\u202c\ufeff \u2066run\u2069"
    ),
    "lone surrogate": "\ud800what is the tsubame project",
    "only emoji": "🤔🤔🤔",
    "only punctuation": "?!?…",
    "right-to-left script": "ما هو مشروع TSUBAME؟",
}


def shown_text(data: Payload) -> str:
    embeds = data.get("embeds") or []
    return " ".join(
        [str(data.get("content") or "")]
        + [f"{e.get('title', '')} {e.get('description', '')}" for e in embeds]
    )


def errors_in(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


async def outcome(double: DiscordDouble, interaction: Payload) -> Payload:
    """What the user sees for an interaction: the response's data, or a deferred one's
    follow-up."""
    body = await double.interaction_response(interaction["id"])
    if body["type"] != 5:
        return dict(body.get("data") or {}, type=body["type"])
    followup = await double.wait_for_request(
        "POST", FOLLOWUP, predicate=lambda r: r.path.split("/")[3] == interaction["token"]
    )
    return dict(followup.body, type=5)


async def assert_still_answering(double: DiscordDouble) -> None:
    asked = await double.slash_command("ask", {"question": "is tsubame still running"})
    body = await double.interaction_response(asked["id"])
    assert answered_entry(body["data"]) == "tsubame-status"


def assert_clean_reply(data: Payload, question: str) -> None:
    """An answer embed, or a private message; never the question echoed or a raw ping."""
    if not data.get("embeds"):
        assert data["flags"] & EPHEMERAL, data
        assert data["content"]
    text = shown_text(data)
    assert len(str(data.get("content") or "")) <= 2000
    for ping in RAW_PINGS:
        assert ping not in text
    if len(question) > 20:
        assert question not in text


# --- /ask with hostile text ----------------------------------------------------------------


@pytest.mark.parametrize("question", HOSTILE_QUESTIONS.values(), ids=HOSTILE_QUESTIONS.keys())
async def test_a_hostile_ask_is_answered_or_refused_cleanly(
    bot: FaqBot, discord_double: DiscordDouble, question: str, caplog: pytest.LogCaptureFixture
) -> None:
    asked = await discord_double.slash_command("ask", {"question": question})
    assert_clean_reply(await outcome(discord_double, asked), question)
    await assert_still_answering(discord_double)
    assert errors_in(caplog) == []
    discord_double.assert_clean()


async def test_what_each_hostile_ask_gets(bot: FaqBot, discord_double: DiscordDouble) -> None:
    """The replies themselves, so a change in any of them is noticed (the README's table)."""

    async def reply_to(question: str) -> Payload:
        return await outcome(
            discord_double, await discord_double.slash_command("ask", {"question": question})
        )

    def entry_of(data: Payload) -> str:
        return answered_entry(data)

    # Matching ignores markup, controls and invisibles: the words left are answered, and a
    # line break or tab still separates two words.
    assert entry_of(await reply_to(HOSTILE_QUESTIONS["markdown"])) == "tsubame-project"
    assert entry_of(await reply_to(HOSTILE_QUESTIONS["control characters"])) == "tsubame-status"
    assert entry_of(await reply_to(HOSTILE_QUESTIONS["several lines"])) == "ajccbc-funding"
    hidden = HOSTILE_QUESTIONS["zero-width and direction overrides"]
    assert entry_of(await reply_to(hidden)) == "tsubame-status"
    assert entry_of(await reply_to(HOSTILE_QUESTIONS["lone surrogate"])) == "tsubame-project"
    # Nothing covered: a private "not in the FAQ" that was noted.
    for name in ("only mentions", "code block"):
        data = await reply_to(HOSTILE_QUESTIONS[name])
        assert "couldn't find that" in data["content"]
        assert "was noted" in data["content"]
    # Nothing to match at all: the help text, privately, and nothing logged.
    for name in ("only emoji", "only punctuation"):
        data = await reply_to(HOSTILE_QUESTIONS[name])
        assert data["content"] == SHOWN_HELP
    discord_double.assert_clean()


async def test_hostile_text_is_logged_printable_and_without_mentions(
    bot: FaqBot, discord_double: DiscordDouble, settings: Settings, eventually: Any
) -> None:
    for question in HOSTILE_QUESTIONS.values():
        await outcome(
            discord_double, await discord_double.slash_command("ask", {"question": question})
        )
        await discord_double.user_message(question, mention_bot=True)
        await discord_double.wait_for_request("POST", CHANNEL_MESSAGES)

    def logged() -> list[str]:
        connection = sqlite3.connect(settings.database)
        try:
            return [q for (q,) in connection.execute("SELECT question FROM questions")]
        finally:
            connection.close()

    # Eight of the ten have words to match, once from /ask and once as a mention.
    rows = await eventually(lambda: (lambda r: r if len(r) == 16 else None)(logged()))
    for row in rows:
        # What `faqbot report` prints to a terminal and /faq-admin shows: no escape sequences,
        # no direction overrides, nothing SQLite could not encode, nobody's user id.
        assert row == row.strip()
        assert not any(unicodedata.category(c) in {"Cc", "Cf", "Cs"} for c in row), repr(row)
        assert "<@" not in row
    assert "[31m is tsubame still running [0m" in rows
    assert "who funds the ajccbc" in rows
    assert "@everyone @here" in rows
    discord_double.assert_clean()


# --- mentions with hostile text ------------------------------------------------------------


MENTIONS = {**HOSTILE_QUESTIONS, "6,000 characters": LONG}


@pytest.mark.parametrize("question", MENTIONS.values(), ids=MENTIONS.keys())
async def test_a_hostile_mention_is_answered_cleanly(
    bot: FaqBot, discord_double: DiscordDouble, question: str, caplog: pytest.LogCaptureFixture
) -> None:
    asked = await discord_double.user_message(
        question, mention_bot=True, mention_everyone="@everyone" in question, mention_roles=["456"]
    )
    reply = await discord_double.wait_for_request("POST", CHANNEL_MESSAGES)
    assert str(reply.body["message_reference"]["message_id"]) == asked["id"]
    text = shown_text(reply.body)
    assert text.strip()
    for ping in RAW_PINGS:
        assert ping not in text
    assert question not in text

    sentinel = await discord_double.user_message("tsubame status", mention_bot=True)
    answer = await discord_double.wait_for_request("POST", CHANNEL_MESSAGES)
    assert str(answer.body["message_reference"]["message_id"]) == sentinel["id"]
    assert answer.body["embeds"]
    assert errors_in(caplog) == []
    discord_double.assert_clean()


async def test_a_mention_of_only_other_mentions_gets_the_help_text(
    bot: FaqBot, discord_double: DiscordDouble
) -> None:
    await discord_double.user_message("<@123> <@&456> <#789>", mention_bot=True)
    reply = await discord_double.wait_for_request("POST", CHANNEL_MESSAGES)
    assert reply.body["content"] == SHOWN_HELP
    discord_double.assert_clean()


# --- malformed /ask interactions -----------------------------------------------------------

QUESTION = "question"
MALFORMED: dict[str, tuple[list[Payload], str]] = {
    "no question option": ([], NOT_TEXT),
    "question as an integer": ([{"name": QUESTION, "type": 4, "value": 42}], NOT_TEXT),
    "question as a boolean": ([{"name": QUESTION, "type": 5, "value": True}], NOT_TEXT),
    "question as a list": ([{"name": QUESTION, "type": 3, "value": ["what", "is"]}], NOT_TEXT),
    "question of an unknown option type": (
        [{"name": QUESTION, "type": 99, "value": "tsubame"}],
        NOT_TEXT,
    ),
    "6,000 characters (max_length is 300)": (
        [{"name": QUESTION, "type": 3, "value": LONG}],
        TOO_LONG.format(limit=MAX_QUESTION_LENGTH),
    ),
    "empty (min_length is 1)": ([{"name": QUESTION, "type": 3, "value": ""}], SHOWN_HELP),
    "only spaces": ([{"name": QUESTION, "type": 3, "value": "   \t "}], SHOWN_HELP),
}


@pytest.mark.parametrize(("options", "refusal"), MALFORMED.values(), ids=MALFORMED.keys())
async def test_a_malformed_ask_is_refused_privately(
    bot: FaqBot,
    discord_double: DiscordDouble,
    options: list[Payload],
    refusal: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    asked = await discord_double.slash_command("ask", options)
    data = await outcome(discord_double, asked)
    assert data["type"] == 4
    assert data["flags"] & EPHEMERAL
    assert data["content"] == refusal
    await assert_still_answering(discord_double)
    assert errors_in(caplog) == []

    async def control_question_logged() -> Any:
        stats = await bot.store.stats(since=discord_double_epoch())
        return stats if stats.answered else None

    # An answer is logged just after it is sent: wait for the control question's row.
    stats = await wait_until(control_question_logged, what="the control question logged")
    assert stats.questions == 1, "a refused question was logged"
    discord_double.assert_clean()


def discord_double_epoch() -> Any:
    from datetime import UTC, datetime

    return datetime(2015, 1, 1, tzinfo=UTC)


async def test_an_unknown_extra_option_is_ignored_and_the_question_answered(
    bot: FaqBot, discord_double: DiscordDouble, caplog: pytest.LogCaptureFixture
) -> None:
    options = [
        {"name": QUESTION, "type": 3, "value": "is tsubame still running"},
        {"name": "colour", "type": 3, "value": "<@&456> @everyone"},
        {"name": "count", "type": 4, "value": 7},
    ]
    data = await outcome(discord_double, await discord_double.slash_command("ask", options))
    assert answered_entry(data) == "tsubame-status"
    assert errors_in(caplog) == []
    discord_double.assert_clean()


async def test_an_option_without_a_value_is_dropped_by_discord_py_and_the_bot_lives_on(
    bot: FaqBot, discord_double: DiscordDouble, caplog: pytest.LogCaptureFixture
) -> None:
    """discord.py's Namespace indexes option["value"]: the KeyError ends its own task before
    any code of the bot runs, so no reply is possible (see the module docstring)."""
    dropped = await discord_double.slash_command("ask", [{"name": QUESTION, "type": 3}])
    with pytest.raises(TimeoutError):
        await discord_double.interaction_response(dropped["id"], timeout=0.5)
    await assert_still_answering(discord_double)
    unanswered = [v.where for v in discord_double.unacknowledged()]
    assert unanswered == [discord_double.interactions[dropped["id"]].label]
    assert any("KeyError: 'value'" in (r.exc_text or "") or r.exc_info for r in caplog.records)
    discord_double.assert_clean(ignore={"no_ack"})


# --- malformed autocomplete ----------------------------------------------------------------


async def autocomplete_with(double: DiscordDouble, options: list[Payload]) -> Payload:
    """An autocomplete interaction for /ask with exactly these options."""
    command_id, scope = double.command_target("ask", dm=False)
    data = interaction_payloads.command_data("ask", options, command_id=command_id, guild_id=scope)
    payload = interaction_payloads.interaction(
        interaction_payloads.APPLICATION_COMMAND_AUTOCOMPLETE,
        data,
        invoker=double.world.invoker(),
        application_id=double.world.application_id,
    )
    return await double.send_interaction(payload)


AUTOCOMPLETE: dict[str, list[Payload]] = {
    "typed text as an integer": [{"name": QUESTION, "type": 4, "value": 42, "focused": True}],
    "6,000 characters typed": [{"name": QUESTION, "type": 3, "value": LONG, "focused": True}],
    "control and invisible characters typed": [
        {"name": QUESTION, "type": 3, "value": "\x1b[2Jtsu\u200bbame\u202e", "focused": True}
    ],
    "only mentions typed": [
        {"name": QUESTION, "type": 3, "value": "<@123> @everyone", "focused": True}
    ],
}


@pytest.mark.parametrize("options", AUTOCOMPLETE.values(), ids=AUTOCOMPLETE.keys())
async def test_a_malformed_autocomplete_gets_at_most_25_choices(
    bot: FaqBot,
    discord_double: DiscordDouble,
    options: list[Payload],
    caplog: pytest.LogCaptureFixture,
) -> None:
    typed = await autocomplete_with(discord_double, options)
    body = await discord_double.interaction_response(typed["id"])
    assert body["type"] == 8, body
    choices = body["data"]["choices"]
    assert len(choices) <= 25
    assert all(0 < len(c["name"]) <= 100 and len(c["value"]) <= 100 for c in choices)
    await assert_still_answering(discord_double)
    assert errors_in(caplog) == []
    discord_double.assert_clean()


async def test_an_autocomplete_with_no_focused_option_gets_an_empty_choice_list(
    bot: FaqBot, discord_double: DiscordDouble, caplog: pytest.LogCaptureFixture
) -> None:
    typed = await autocomplete_with(discord_double, [{"name": QUESTION, "type": 3, "value": "x"}])
    body = await discord_double.interaction_response(typed["id"])
    await assert_still_answering(discord_double)
    assert body["type"] == 8, body
    discord_double.assert_clean()
