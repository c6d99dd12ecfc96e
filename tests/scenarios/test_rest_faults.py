"""REST faults on the interaction callback, injected by the Discord double.

Nothing in the bot or discord.py is patched: the double answers the callback with what
Discord sends. What discord.py 2.7.1 does with each (discord/webhook/async_.py, which
sends interaction callbacks and follow-ups):

- 429 with a 'Via' header: waits the body's retry_after and sends the callback again.
- any status >= 500: sends it again after 1 s, 3 s, 5 s, ... (five attempts in all).
- 404: raises NotFound at once; the bot's failure handling takes over.

Discord forgets an interaction token 3 s after dispatch, so a 5xx outage that outlasts the
first retry ends with 10062 Unknown interaction: the retries after 1 s and 3 s leave the
third attempt at 4 s. `expire_token=True` lets the double say so from the first retry on,
which keeps each test near one second.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from support.answers import answered_entry

from bot.client import FaqBot
from testkit.discord_double import DiscordDouble
from testkit.discord_double.payloads import Payload
from testkit.discord_double.records import RecordedRequest

CALLBACK = "/interactions/{interaction_id}/{interaction_token}/callback"
FOLLOWUP = "/webhooks/{webhook_id}/{webhook_token}"
QUESTION = "is tsubame still running"
ENTRY = "tsubame-status"
ANSWER_TIMEOUT = 5.0


async def ask(double: DiscordDouble, question: str = QUESTION) -> Payload:
    return await double.slash_command("ask", {"question": question})


async def assert_answered(double: DiscordDouble, interaction: Payload) -> Payload:
    """The interaction's accepted answer arrives within 5 s (the wait is the assertion)."""

    def accepted() -> RecordedRequest | None:
        return next((r for r in double.callbacks(interaction["id"]) if r.status < 300), None)

    callback = await double.changes.wait_for(
        accepted, timeout=ANSWER_TIMEOUT, what=f"an accepted answer to {interaction['id']}"
    )
    body = dict(callback.body)
    assert body["type"] == 4
    assert answered_entry(body["data"]) == ENTRY
    return body


def statuses(double: DiscordDouble, interaction: Payload) -> list[int]:
    """The status of each callback attempt for the interaction, in order."""
    return [r.status for r in double.callbacks(interaction["id"])]


def warnings_from_the_bot(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.startswith("bot") and r.levelno >= logging.WARNING]


async def logged_failure(
    caplog: pytest.LogCaptureFixture, double: DiscordDouble, interaction: Payload
) -> logging.LogRecord:
    """The bot's one log record about the failed interaction, once it is written."""

    def find() -> list[logging.LogRecord] | None:
        return warnings_from_the_bot(caplog) or None

    records = await double.changes.wait_for(
        find, timeout=ANSWER_TIMEOUT, what=f"a log record about {interaction['id']}"
    )
    return records[0]


async def assert_one_clear_line(
    caplog: pytest.LogCaptureFixture, double: DiscordDouble, interaction: Payload
) -> logging.LogRecord:
    """One WARNING-or-worse line from the bot names the interaction, and nothing else is
    logged or sent for it (no apology that would fail too)."""
    record = await logged_failure(caplog, double, interaction)
    # Whatever the bot would do next for this interaction happens now; let it.
    answer_to_next = await ask(double, "what is the tsubame project")
    await double.interaction_response(answer_to_next["id"], timeout=ANSWER_TIMEOUT)
    assert warnings_from_the_bot(caplog) == [record], [
        r.getMessage() for r in warnings_from_the_bot(caplog)
    ]
    assert record.levelno in (logging.WARNING, logging.ERROR)
    assert interaction["id"] in record.getMessage()
    assert str(record.interaction_id) == interaction["id"]  # type: ignore[attr-defined]
    assert "\n" not in record.getMessage()
    assert record.exc_info is None  # a known Discord answer needs no traceback
    followups = [r for r in double.requests if r.template == FOLLOWUP]
    assert followups == []
    return record


# --- 429 -------------------------------------------------------------------------------------


@pytest.mark.parametrize("scope", ["user", "global"])
async def test_a_rate_limited_callback_is_sent_again_after_retry_after(
    bot: FaqBot, discord_double: DiscordDouble, caplog: pytest.LogCaptureFixture, scope: str
) -> None:
    discord_double.fail_next("POST", CALLBACK, status=429, retry_after=0.2, scope=scope)  # type: ignore[arg-type]
    interaction = await ask(discord_double)
    await assert_answered(discord_double, interaction)
    limited, accepted = discord_double.callbacks(interaction["id"])
    assert (limited.status, accepted.status) == (429, 200)
    assert accepted.received_at - limited.received_at >= 0.2
    assert limited.response["global"] is (scope == "global")
    # discord.py says so once (its webhook id is the interaction id); the bot has no error.
    rate_limited = [r for r in caplog.records if "rate limited" in r.getMessage()]
    assert [r.name for r in rate_limited] == ["discord.webhook.async_"]
    assert interaction["id"] in rate_limited[0].getMessage()
    assert warnings_from_the_bot(caplog) == []

    after = await ask(discord_double, "what is the tsubame project")
    assert (await discord_double.interaction_response(after["id"]))["type"] == 4
    assert statuses(discord_double, after) == [200]
    discord_double.assert_clean()


# --- 5xx -------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_one_server_error_on_a_callback_is_retried_and_answered(
    bot: FaqBot, discord_double: DiscordDouble, caplog: pytest.LogCaptureFixture, status: int
) -> None:
    discord_double.fail_next("POST", CALLBACK, status=status)
    interaction = await ask(discord_double)
    await assert_answered(discord_double, interaction)
    assert statuses(discord_double, interaction) == [status, 200]
    # The retry is discord.py's and silent above DEBUG: the bot never sees the error.
    assert warnings_from_the_bot(caplog) == []

    after = await ask(discord_double)
    await assert_answered(discord_double, after)
    assert statuses(discord_double, after) == [200]
    discord_double.assert_clean()


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_a_server_error_outlasting_the_token_is_logged_once_and_the_bot_carries_on(
    bot: FaqBot, discord_double: DiscordDouble, caplog: pytest.LogCaptureFixture, status: int
) -> None:
    discord_double.fail_next("POST", CALLBACK, status=status, expire_token=True)
    interaction = await ask(discord_double)
    record = await assert_one_clear_line(caplog, discord_double, interaction)
    # The first attempt got the 5xx, discord.py's retry 1 s later found the token gone.
    assert statuses(discord_double, interaction) == [status, 404]
    assert discord_double.callbacks(interaction["id"])[1].response["code"] == 10062
    assert "10062" in record.getMessage()
    discord_double.assert_clean(ignore={"no_ack"})


# --- 404 Unknown interaction -----------------------------------------------------------------


async def test_an_expired_interaction_token_is_logged_once_and_the_bot_carries_on(
    bot: FaqBot, discord_double: DiscordDouble, caplog: pytest.LogCaptureFixture
) -> None:
    discord_double.expire_next_callback()
    interaction = await ask(discord_double)
    record = await assert_one_clear_line(caplog, discord_double, interaction)
    assert statuses(discord_double, interaction) == [404]
    refused = discord_double.callbacks(interaction["id"])[0]
    assert refused.response == {"message": "Unknown interaction", "code": 10062}
    assert "10062" in record.getMessage()
    discord_double.assert_clean(ignore={"no_ack"})


async def test_an_expired_follow_up_token_is_logged_once_and_the_bot_carries_on(
    bot: FaqBot,
    discord_double: DiscordDouble,
    caplog: pytest.LogCaptureFixture,
    as_server_manager: Any,
) -> None:
    # /faq-admin defers first; its answer is a follow-up, refused as Discord refuses one
    # whose token has expired (10015 Unknown Webhook, after the 15 minutes a token lasts).
    discord_double.fail_next(
        "POST", FOLLOWUP, status=404, code=10015, message="Unknown Webhook", expire_token=True
    )
    interaction = await as_server_manager("stats")
    assert (await discord_double.interaction_response(interaction["id"]))["type"] == 5
    record = await logged_failure(caplog, discord_double, interaction)
    again = await as_server_manager("stats")
    await discord_double.interaction_response(again["id"])
    stats = await discord_double.wait_for_request(
        "POST", FOLLOWUP, predicate=lambda r: r.status == 200
    )
    assert "Questions since" in stats.body["content"]
    assert warnings_from_the_bot(caplog) == [record]
    assert interaction["id"] in record.getMessage()
    assert "10015" in record.getMessage()
    assert record.exc_info is None
    refused = [r for r in discord_double.requests if r.template == FOLLOWUP and r.status == 404]
    assert len(refused) == 1  # no apology sent after the refused answer
    discord_double.assert_clean()


async def test_a_server_error_after_discord_took_the_answer_is_logged_once_not_apologised(
    bot: FaqBot, discord_double: DiscordDouble, caplog: pytest.LogCaptureFixture
) -> None:
    # Discord posts the answer but the 502 is what reaches the bot; discord.py sends the
    # callback again a second later and Discord refuses it (40060, already acknowledged).
    discord_double.fail_next("POST", CALLBACK, status=502, applied=True)
    interaction = await ask(discord_double)
    record = await assert_one_clear_line(caplog, discord_double, interaction)
    assert statuses(discord_double, interaction) == [502, 400]
    assert discord_double.callbacks(interaction["id"])[1].response["code"] == 40060
    assert "40060" in record.getMessage()
    # The user has the one answer Discord took.
    answer = discord_double.original_message(interaction["id"])
    assert answered_entry(answer) == ENTRY
    # discord.py's resend is the second callback; the bot adds no third (an apology).
    discord_double.assert_clean(ignore={"duplicate_ack"})
