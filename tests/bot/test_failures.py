"""When answering fails, the user gets a reference to quote and the log has the same one.

The failures are real ones, with nothing patched: Discord refusing the bot's answer (an
injected 400 from the double), which raises inside the handler just as a bad payload would.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from support.answers import answered_entry

from bot.client import COMMAND_OUT_OF_DATE, FaqBot
from testkit.discord_double import DiscordDouble, ids, interaction_payloads
from testkit.discord_double.payloads import Payload

CALLBACK = "/interactions/{interaction_id}/{interaction_token}/callback"
CHANNEL_MESSAGES = "/channels/{channel_id}/messages"
FOLLOWUP = "/webhooks/{webhook_id}/{webhook_token}"
EPHEMERAL = 1 << 6
REF = re.compile(r"Sorry, something went wrong \(ref `([0-9a-f]{8})`\)")


def ref_in(text: str) -> str:
    found = REF.search(text)
    assert found, text
    return found.group(1)


def logged_refs(caplog: pytest.LogCaptureFixture) -> dict[str, logging.LogRecord]:
    return {
        str(r.ref): r  # type: ignore[attr-defined]
        for r in caplog.records
        if r.levelno >= logging.ERROR and hasattr(r, "ref")
    }


async def failure_reply(double: DiscordDouble, interaction: Payload) -> Payload:
    """The callback the bot sends after its first one was refused."""
    refused = await double.wait_for_request("POST", CALLBACK)
    assert refused.status == 400
    retried = await double.wait_for_request("POST", CALLBACK)
    assert retried.path.split("/")[2] == interaction["id"]
    assert 200 <= retried.status < 300
    return dict(retried.body)


async def test_a_failing_slash_command_tells_the_user_a_ref_that_is_in_the_log(
    bot: FaqBot, discord_double: DiscordDouble, caplog: pytest.LogCaptureFixture
) -> None:
    discord_double.fail_next("POST", CALLBACK, status=400)
    interaction = await discord_double.slash_command("ask", {"question": "tsubame status"})
    body = await failure_reply(discord_double, interaction)
    assert body["type"] == 4
    assert body["data"]["flags"] & EPHEMERAL
    assert body["data"]["allowed_mentions"] == {"parse": []}
    ref = ref_in(body["data"]["content"])
    record = logged_refs(caplog)[ref]
    assert record.name == "bot.failures"
    assert ref in record.getMessage()
    assert record.exc_info is not None  # the traceback is in the log, not shown to the user
    assert "Traceback" not in body["data"]["content"]

    # The bot carries on: the next question is answered normally.
    again = await discord_double.slash_command("ask", {"question": "tsubame status"})
    answer = await discord_double.interaction_response(again["id"])
    assert answered_entry(answer["data"]) == "tsubame-status"
    discord_double.assert_clean()


async def test_a_failing_button_tells_the_user_a_ref_that_is_in_the_log(
    bot: FaqBot, discord_double: DiscordDouble, caplog: pytest.LogCaptureFixture
) -> None:
    asked = await discord_double.slash_command("ask", {"question": "what is the tsubame project"})
    await discord_double.interaction_response(asked["id"])
    answer = discord_double.original_message(asked["id"])
    await discord_double.wait_for_request("POST", CALLBACK)  # claim the /ask callback

    discord_double.fail_next("POST", CALLBACK, status=400)
    click = await discord_double.click_button("faq:related:tsubame-status", message=answer)
    body = await failure_reply(discord_double, click)
    assert body["data"]["flags"] & EPHEMERAL
    ref = ref_in(body["data"]["content"])
    assert ref in logged_refs(caplog)

    again = await discord_double.click_button("faq:related:tsubame-status", message=answer)
    related = await discord_double.interaction_response(again["id"])
    assert answered_entry(related["data"]) == "tsubame-status"
    discord_double.assert_clean()


async def test_a_failing_mention_reply_tells_the_user_a_ref_that_is_in_the_log(
    bot: FaqBot, discord_double: DiscordDouble, caplog: pytest.LogCaptureFixture
) -> None:
    discord_double.fail_next("POST", CHANNEL_MESSAGES, status=400)
    asked = await discord_double.user_message("what is the tsubame project", mention_bot=True)
    refused = await discord_double.wait_for_request("POST", CHANNEL_MESSAGES)
    assert refused.status == 400
    apology = await discord_double.wait_for_request("POST", CHANNEL_MESSAGES)
    assert apology.status == 200
    assert str(apology.body["message_reference"]["message_id"]) == asked["id"]
    assert apology.body["allowed_mentions"]["parse"] == []
    ref = ref_in(apology.body["content"])
    record = logged_refs(caplog)[ref]
    assert record.exc_info is not None

    await discord_double.user_message("is tsubame still running", mention_bot=True)
    reply = await discord_double.wait_for_request("POST", CHANNEL_MESSAGES)
    assert answered_entry(reply.body) == "tsubame-status"
    discord_double.assert_clean()


async def test_a_failure_after_deferring_is_reported_in_a_follow_up(
    bot: FaqBot,
    discord_double: DiscordDouble,
    caplog: pytest.LogCaptureFixture,
    as_server_manager: Any,
) -> None:
    # /faq-admin defers first, so the apology can only be a follow-up message.
    discord_double.fail_next("POST", FOLLOWUP, status=400)
    interaction = await as_server_manager("stats")
    deferred = await discord_double.interaction_response(interaction["id"])
    assert deferred["type"] == 5
    refused = await discord_double.wait_for_request("POST", FOLLOWUP)
    assert refused.status == 400
    apology = await discord_double.wait_for_request("POST", FOLLOWUP)
    assert 200 <= apology.status < 300
    assert apology.body["flags"] & EPHEMERAL
    ref = ref_in(apology.body["content"])
    assert ref in logged_refs(caplog)

    again = await as_server_manager("stats")
    await discord_double.interaction_response(again["id"])
    stats = await discord_double.wait_for_request("POST", FOLLOWUP)
    assert "Questions since" in stats.body["content"]
    discord_double.assert_clean()


# --- commands Discord still offers but the bot no longer has -------------------------------


def unknown_command(double: DiscordDouble, name: str, *, subcommand: str | None = None) -> Payload:
    """An interaction for a command the bot did not register (Discord's clients still show
    commands from before the last sync for a while)."""
    world = double.world
    command_id, scope = (ids.snowflake(), None)
    if subcommand is not None:
        command_id, scope = double.command_target(name, dm=False)
    data = interaction_payloads.command_data(
        name, [], command_id=command_id, guild_id=scope, subcommand=subcommand
    )
    return interaction_payloads.interaction(
        interaction_payloads.APPLICATION_COMMAND,
        data,
        invoker=world.invoker(),
        application_id=world.application_id,
    )


@pytest.mark.parametrize(
    ("name", "subcommand", "shown"),
    [("faq", None, "/faq"), ("faq-admin", "purge", "/faq-admin purge")],
    ids=["unknown command", "unknown subcommand"],
)
async def test_an_unknown_command_gets_a_private_out_of_date_note_and_one_warning(
    bot: FaqBot,
    discord_double: DiscordDouble,
    caplog: pytest.LogCaptureFixture,
    eventually: Any,
    name: str,
    subcommand: str | None,
    shown: str,
) -> None:
    sent = await discord_double.send_interaction(
        unknown_command(discord_double, name, subcommand=subcommand)
    )
    body = await discord_double.interaction_response(sent["id"])
    assert body["type"] == 4
    assert body["data"]["flags"] & EPHEMERAL
    assert body["data"]["content"] == COMMAND_OUT_OF_DATE
    assert body["data"]["content"].startswith("This command is out of date; ")
    assert "`/ask`" in body["data"]["content"]

    def warnings() -> list[logging.LogRecord]:
        return [r for r in caplog.records if r.levelno >= logging.WARNING]

    await eventually(warnings, what="the warning")
    again = await discord_double.slash_command("ask", {"question": "tsubame status"})
    await discord_double.interaction_response(again["id"])
    [record] = warnings()
    assert record.levelno == logging.WARNING
    assert record.exc_info is None
    assert sent["id"] in record.getMessage()
    assert f"{shown}," in record.getMessage()
    assert "\n" not in record.getMessage()
    discord_double.assert_clean()
