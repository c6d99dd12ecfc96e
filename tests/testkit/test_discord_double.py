"""Proves the double against the real, unmodified discord.py client."""

from __future__ import annotations

import asyncio
import io
import json
import time
from pathlib import Path
from typing import Any

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.ext import commands

from testkit.discord_double import ids, interaction_payloads
from testkit.discord_double.fixtures import running_bot
from testkit.discord_double.records import DoubleViolations
from testkit.discord_double.server import DiscordDouble
from testkit.discord_double.spec import REQUIRE_ENV, SPEC_ENV, require_spec

GUILD_COMMANDS = "/applications/{application_id}/guilds/{guild_id}/commands"
CHANNEL_MESSAGES = "/channels/{channel_id}/messages"
CALLBACK = "/interactions/{interaction_id}/{interaction_token}/callback"
NO_MENTIONS = discord.AllowedMentions.none()
FAQ_FILE = b"Q: JC3?\nA: Japan Cybercrime Control Center"


class FaqView(discord.ui.View):
    """A button and a select, to prove component clicks reach View callbacks."""

    def __init__(self) -> None:
        super().__init__(timeout=30)
        self.clicked: asyncio.Event = asyncio.Event()
        self.chosen: list[str] = []

    @discord.ui.button(label="More", custom_id="faq:more", style=discord.ButtonStyle.primary)
    async def more(
        self, interaction: discord.Interaction, button: discord.ui.Button[FaqView]
    ) -> None:
        self.clicked.set()
        await interaction.response.edit_message(content="More detail.", view=None)

    @discord.ui.select(
        custom_id="faq:topic",
        options=[discord.SelectOption(label="Treaties"), discord.SelectOption(label="Drills")],
    )
    async def topic(
        self, interaction: discord.Interaction, select: discord.ui.Select[FaqView]
    ) -> None:
        self.chosen = list(select.values)
        await interaction.response.send_message(f"You chose {self.chosen[0]}.", ephemeral=True)


class AskModal(discord.ui.Modal, title="Ask the FAQ"):
    def __init__(self) -> None:
        super().__init__(custom_id="faq:ask")

    question: discord.ui.TextInput[AskModal] = discord.ui.TextInput(
        label="Question", custom_id="question"
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"Noted: {self.question.value}", ephemeral=True)


def make_bot(
    double: DiscordDouble,
    *,
    bot_class: type[commands.Bot] | type[commands.AutoShardedBot] = commands.Bot,
    allowed_mentions: discord.AllowedMentions | None = NO_MENTIONS,
    views: list[FaqView] | None = None,
    **kwargs: Any,
) -> commands.Bot | commands.AutoShardedBot:
    """A small bot: guild slash commands (good and deliberately bad), a view, mention replies."""
    intents = discord.Intents.default()
    intents.message_content = True
    bot = bot_class(
        command_prefix="!", intents=intents, allowed_mentions=allowed_mentions, **kwargs
    )
    guild = discord.Object(int(double.world.guild_id))

    @bot.tree.command(name="faq", description="Look up an FAQ entry", guild=guild)
    @app_commands.describe(topic="What to look up")
    async def faq(interaction: discord.Interaction, topic: str) -> None:
        embed = discord.Embed(title=f"FAQ: {topic}", description="The answer.")
        await interaction.response.send_message(embed=embed, allowed_mentions=NO_MENTIONS)

    @faq.autocomplete("topic")
    async def faq_topics(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        count = 26 if current == "many" else 3
        return [app_commands.Choice(name=f"topic {i}", value=f"t{i}") for i in range(count)]

    @bot.tree.command(name="announce", description="Pings (wrongly)", guild=guild)
    async def announce(interaction: discord.Interaction) -> None:
        await interaction.response.send_message(
            # AllowedMentions() would not do: its unset fields inherit the client's none().
            "@everyone read the FAQ",
            allowed_mentions=discord.AllowedMentions.all(),
        )

    @bot.tree.command(name="long", description="Too long", guild=guild)
    async def long(interaction: discord.Interaction) -> None:
        embed = discord.Embed(title="T" * 300)
        await interaction.response.send_message("x" * 2001, embed=embed)

    @bot.tree.command(name="menu", description="Shows buttons", guild=guild)
    async def menu(interaction: discord.Interaction) -> None:
        view = FaqView()
        if views is not None:
            views.append(view)
        await interaction.response.send_message("Pick one:", view=view)

    @bot.tree.command(name="slow", description="Answers late", guild=guild)
    async def slow(interaction: discord.Interaction) -> None:
        await asyncio.sleep(0.4)
        await interaction.response.send_message("Sorry, late.")

    @bot.tree.command(name="think", description="Defers, then follows up", guild=guild)
    async def think(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await interaction.edit_original_response(content="Thought about it.")
        await interaction.followup.send("And one more thing.")

    @bot.tree.command(name="help", description="Global help, usable in DMs")
    async def help_command(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("Ask me with /faq.", ephemeral=True)

    @bot.tree.command(name="file", description="Sends an attachment", guild=guild)
    async def file(interaction: discord.Interaction) -> None:
        attachment = discord.File(io.BytesIO(FAQ_FILE), "faq.txt")
        await interaction.response.send_message("See attached.", file=attachment)

    @bot.tree.command(name="ask", description="Opens a question form", guild=guild)
    async def ask(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(AskModal())

    @bot.event
    async def on_message(message: discord.Message) -> None:
        if message.author.bot or bot.user is None:
            return
        if bot.user in message.mentions or message.guild is None:
            await message.reply(f"You said: {message.content}")

    async def setup_hook() -> None:
        await bot.tree.sync(guild=guild)
        await bot.tree.sync()

    bot.setup_hook = setup_hook  # type: ignore[method-assign]
    return bot


async def test_login_ready_and_guild_commands_synced(discord_double: DiscordDouble) -> None:
    bot = make_bot(discord_double)
    async with running_bot(bot, discord_double):
        sync = await discord_double.wait_for_request("PUT", GUILD_COMMANDS)
        assert {c["name"] for c in sync.body} >= {"faq", "menu"}
        assert all(c["id"] for c in sync.response)
        assert sync.authorization == f"Bot {discord_double.token}"
        assert bot.user is not None
        assert str(bot.user.id) == ids.BOT_USER_ID
        guild = bot.get_guild(int(ids.GUILD_ID))
        assert guild is not None
        assert guild.get_channel(int(ids.GENERAL_CHANNEL_ID)) is not None
        assert guild.get_thread(int(ids.THREAD_ID)) is not None
        assert guild.get_role(int(ids.MODERATOR_ROLE_ID)) is not None
        assert guild.me is not None
        identify = await discord_double.wait_for_identify()
        assert identify["intents"] == bot.intents.value
        assert "shard" not in identify
        session = discord_double.gateway.sessions[0]
        assert session.path == "/"
        # discord.py asks for zlib-stream yet reads the double's uncompressed text frames.
        assert session.query["compress"] == "zlib-stream"
        assert session.heartbeats >= 1  # sent right after HELLO, answered with op 11
    discord_double.assert_clean()


async def test_slash_command_answered_with_embed_is_clean(discord_double: DiscordDouble) -> None:
    async with running_bot(make_bot(discord_double), discord_double):
        interaction = await discord_double.slash_command("faq", {"topic": "treaties"})
        body = await discord_double.interaction_response(interaction["id"])
    assert body["type"] == 4
    assert body["data"]["embeds"][0]["title"] == "FAQ: treaties"
    assert body["data"]["allowed_mentions"] == {"parse": []}
    discord_double.assert_clean()


async def test_global_command_in_a_dm(discord_double: DiscordDouble) -> None:
    async with running_bot(make_bot(discord_double), discord_double):
        interaction = await discord_double.slash_command("help", dm=True)
        body = await discord_double.interaction_response(interaction["id"])
        with pytest.raises(LookupError, match="not registered in a DM"):
            await discord_double.slash_command("faq", {"topic": "x"}, dm=True)
    assert "user" in interaction
    assert "member" not in interaction
    assert interaction["channel"]["type"] == 1
    assert body["data"]["content"] == "Ask me with /faq."
    assert body["data"]["flags"] == 64
    discord_double.assert_clean()


async def test_attachment_is_sent_as_multipart(discord_double: DiscordDouble) -> None:
    async with running_bot(make_bot(discord_double), discord_double):
        interaction = await discord_double.slash_command("file")
        callback = await discord_double.interaction_callback(interaction["id"])
    assert callback.files == [("files[0]", "faq.txt", len(FAQ_FILE))]
    assert callback.body["data"]["attachments"][0]["filename"] == "faq.txt"
    message = discord_double.original_message(interaction["id"])
    assert message["attachments"][0]["size"] == len(FAQ_FILE)
    discord_double.assert_clean()


async def test_modal_submit_reaches_on_submit(discord_double: DiscordDouble) -> None:
    async with running_bot(make_bot(discord_double), discord_double):
        opened = await discord_double.slash_command("ask")
        assert (await discord_double.interaction_response(opened["id"]))["type"] == 9
        submitted = await discord_double.submit_modal("faq:ask", {"question": "Who runs JC3?"})
        body = await discord_double.interaction_response(submitted["id"])
    assert body["data"]["content"] == "Noted: Who runs JC3?"
    discord_double.assert_clean()


async def test_autocomplete_choices_clean(discord_double: DiscordDouble) -> None:
    async with running_bot(make_bot(discord_double), discord_double):
        interaction = await discord_double.autocomplete("faq", {"topic": "tre"}, focused="topic")
        body = await discord_double.interaction_response(interaction["id"])
    assert body["type"] == 8
    assert len(body["data"]["choices"]) == 3
    discord_double.assert_clean()


async def test_autocomplete_26_choices_is_a_violation(discord_double: DiscordDouble) -> None:
    require_spec()  # asserts on what the OpenAPI checks report
    async with running_bot(make_bot(discord_double), discord_double):
        interaction = await discord_double.autocomplete("faq", {"topic": "many"}, focused="topic")
        await discord_double.interaction_response(interaction["id"])
    with pytest.raises(DoubleViolations) as caught:
        discord_double.assert_clean()
    kinds = {v.kind for v in caught.value.violations}
    assert "autocomplete_choices" in kinds
    spec = [v for v in caught.value.violations if v.kind == "spec"]
    assert any("data/choices" in v.detail for v in spec), spec


async def test_default_allowed_mentions_is_a_violation(discord_double: DiscordDouble) -> None:
    async with running_bot(make_bot(discord_double), discord_double):
        interaction = await discord_double.slash_command("announce")
        await discord_double.interaction_response(interaction["id"])
    with pytest.raises(DoubleViolations, match=r"allowed_mentions/parse") as caught:
        discord_double.assert_clean()
    assert {v.kind for v in caught.value.violations} == {"mentions"}


async def test_missing_allowed_mentions_is_a_violation(discord_double: DiscordDouble) -> None:
    bot = make_bot(discord_double, allowed_mentions=None)
    async with running_bot(bot, discord_double):
        await discord_double.user_message("hi", mention_bot=True)
        reply = await discord_double.wait_for_request("POST", CHANNEL_MESSAGES)
    assert "allowed_mentions" not in reply.body
    with pytest.raises(DoubleViolations, match="allowed_mentions is missing"):
        discord_double.assert_clean()


async def test_spec_violation_names_the_body_path(discord_double: DiscordDouble) -> None:
    require_spec()  # asserts on what the OpenAPI checks report
    async with running_bot(make_bot(discord_double), discord_double):
        interaction = await discord_double.slash_command("long")
        callback = await discord_double.interaction_callback(interaction["id"])
    # Rejected like Discord would (50035), so the interaction is never acknowledged either.
    assert callback.status == 400
    assert callback.response["code"] == 50035
    details = [str(v) for v in discord_double.violations if v.kind == "spec"]
    assert any("at data/content" in d and "maxLength" in d for d in details), details
    assert any("at data/embeds/0/title" in d for d in details), details
    kinds = {v.kind for v in discord_double.violations}
    assert "content_length" in kinds
    with pytest.raises(DoubleViolations, match="no_ack"):
        discord_double.assert_clean()


async def test_mention_gets_a_reply_in_guild_and_dm(discord_double: DiscordDouble) -> None:
    async with running_bot(make_bot(discord_double), discord_double):
        asked = await discord_double.user_message("what is JC3?", mention_bot=True)
        reply = await discord_double.wait_for_request("POST", CHANNEL_MESSAGES)
        assert reply.path == f"/channels/{ids.GENERAL_CHANNEL_ID}/messages"
        assert reply.body["content"].endswith("what is JC3?")
        assert str(reply.body["message_reference"]["message_id"]) == asked["id"]
        assert reply.response["referenced_message"]["id"] == asked["id"]

        await discord_double.user_message("hello in private", dm=True)
        dm_reply = await discord_double.wait_for_request("POST", CHANNEL_MESSAGES)
        assert dm_reply.path == f"/channels/{ids.DM_CHANNEL_ID}/messages"
        assert dm_reply.body["content"] == "You said: hello in private"
    discord_double.assert_clean()


async def test_button_click_reaches_the_view(discord_double: DiscordDouble) -> None:
    views: list[FaqView] = []
    async with running_bot(make_bot(discord_double, views=views), discord_double):
        interaction = await discord_double.slash_command("menu")
        await discord_double.interaction_response(interaction["id"])
        message = discord_double.original_message(interaction["id"])
        assert message["components"][0]["components"][0]["custom_id"] == "faq:more"

        click = await discord_double.click_button("faq:more", message=message)
        body = await discord_double.interaction_response(click["id"])
        assert views[0].clicked.is_set()
        assert body["type"] == 7
        assert discord_double.messages[message["id"]]["content"] == "More detail."

        select = await discord_double.choose_select("faq:topic", ["Drills"], message=message)
        chosen = await discord_double.interaction_response(select["id"])
        assert chosen["data"]["content"] == "You chose Drills."
    discord_double.assert_clean()


async def test_deferred_answer_then_followup(discord_double: DiscordDouble) -> None:
    async with running_bot(make_bot(discord_double), discord_double):
        interaction = await discord_double.slash_command("think")
        assert (await discord_double.interaction_response(interaction["id"]))["type"] == 5
        edit = await discord_double.wait_for_request(
            "PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/@original"
        )
        followup = await discord_double.wait_for_request(
            "POST", "/webhooks/{webhook_id}/{webhook_token}"
        )
    assert edit.response["content"] == "Thought about it."
    assert followup.body["content"] == "And one more thing."
    assert discord_double.original_message(interaction["id"])["flags"] & 128 == 0
    discord_double.assert_clean()


async def test_late_acknowledgement_is_a_violation(discord_double: DiscordDouble) -> None:
    discord_double.ack_deadline = 0.2  # the command sleeps 0.4 s; 3 s would slow the suite
    async with running_bot(make_bot(discord_double), discord_double):
        interaction = await discord_double.slash_command("slow")
        callback = await discord_double.interaction_callback(interaction["id"])
    assert callback.status == 404
    with pytest.raises(DoubleViolations, match="late_ack"):
        discord_double.assert_clean()
    discord_double.assert_clean(ignore={"late_ack", "no_ack"})


async def test_unknown_route_is_recorded(discord_double: DiscordDouble) -> None:
    require_spec()  # asserts on what the OpenAPI checks report
    bot = make_bot(discord_double)
    async with running_bot(bot, discord_double):
        with pytest.raises(discord.NotFound):
            await bot.fetch_guild(int(ids.GUILD_ID))
    assert [r.path for r in discord_double.unknown_routes] == [f"/guilds/{ids.GUILD_ID}"]
    with pytest.raises(DoubleViolations, match=r"unknown_route.*/guilds/\{guild_id\}"):
        discord_double.assert_clean()


async def test_rate_limit_is_retried_and_gateway_resumes(discord_double: DiscordDouble) -> None:
    async with running_bot(make_bot(discord_double), discord_double):
        discord_double.fail_next("POST", CHANNEL_MESSAGES, status=429, retry_after=0.05)
        await discord_double.user_message("first", mention_bot=True)
        limited = await discord_double.wait_for_request("POST", CHANNEL_MESSAGES)
        retried = await discord_double.wait_for_request("POST", CHANNEL_MESSAGES)
        assert (limited.status, retried.status) == (429, 200)

        await discord_double.drop_gateway(code=4000)
        resumed = await discord_double.gateway.session_for(None, timeout=5.0)
        assert resumed.resumed
        assert resumed.path == "/resume"
        await discord_double.user_message("after resume", mention_bot=True)
        again = await discord_double.wait_for_request("POST", CHANNEL_MESSAGES)
        assert again.body["content"].endswith("after resume")
    discord_double.assert_clean()


async def test_fixed_shards_identify_without_gateway_bot(discord_double: DiscordDouble) -> None:
    # With shard_count given, discord.py 2.7.1 skips GET /gateway/bot and uses DEFAULT_GATEWAY.
    bot = make_bot(discord_double, bot_class=commands.AutoShardedBot, shard_count=2, shard_ids=[1])
    async with running_bot(bot, discord_double):
        identify = await discord_double.wait_for_identify()
    assert identify["shard"] == [1, 2]
    assert not [r for r in discord_double.requests if r.path == "/gateway/bot"]
    discord_double.assert_clean()


async def test_auto_sharded_bot_asks_gateway_bot(discord_double: DiscordDouble) -> None:
    discord_double.gateway_bot_shards = 2
    bot = make_bot(discord_double, bot_class=commands.AutoShardedBot)

    async def no_identify_delay(shard_id: int | None, *, initial: bool = False) -> None:
        """discord.py waits 5 s between shard IDENTIFYs by default."""

    bot.before_identify_hook = no_identify_delay  # type: ignore[method-assign]
    async with running_bot(bot, discord_double):
        await discord_double.wait_for_request("GET", "/gateway/bot")
        await discord_double.wait_for_identify(count=2)
    shards = sorted(tuple(i["shard"]) for i in discord_double.identifies)
    assert shards == [(0, 2), (1, 2)]
    assert {s.path for s in discord_double.gateway.sessions} == {"/gateway"}
    discord_double.assert_clean()


async def test_http_contract_without_a_bot(discord_double: DiscordDouble) -> None:
    """Exact JSON content-type; a callback without with_response is a bare 204."""
    headers = {"Authorization": f"Bot {discord_double.token}"}
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{discord_double.api_base}/users/@me", headers=headers) as me:
            assert me.headers["Content-Type"] == "application/json"
            assert (await me.json())["id"] == ids.BOT_USER_ID
        async with http.get(f"{discord_double.api_base}/gateway/bot", headers=headers) as gw:
            data = await gw.json()
            assert data["url"] == discord_double.gateway_url + "gateway"
            assert data["session_start_limit"]["max_concurrency"] == 1
        async with http.get(f"{discord_double.api_base}/users/@me") as anonymous:
            assert anonymous.status == 401
        # An interaction tracked but dispatched to no one: this test answers it itself.
        payload = interaction_payloads.interaction(
            interaction_payloads.APPLICATION_COMMAND,
            {"id": "1", "name": "faq", "type": 1},
            invoker=discord_double.world.invoker(),
            application_id=discord_double.world.application_id,
        )
        interaction = discord_double.track_interaction(payload)
        url = f"{discord_double.api_base}/interactions/{payload['id']}/{payload['token']}/callback"
        body = json.dumps({"type": 4, "data": {"content": "hi", "allowed_mentions": {"parse": []}}})
        json_headers = {"Content-Type": "application/json"}
        async with http.post(url, data=body, headers=json_headers) as answered:
            assert answered.status == 204
            assert "Content-Type" not in answered.headers
    assert interaction.acked_at is not None
    assert [r.path for r in discord_double.requests_without_bot_auth()] == ["/users/@me"]
    discord_double.assert_clean()


async def test_message_content_intent_is_enforced(discord_double: DiscordDouble) -> None:
    seen: list[str] = []
    all_seen = asyncio.Event()
    bot = commands.Bot(command_prefix="!", intents=discord.Intents.default())

    @bot.event
    async def on_message(message: discord.Message) -> None:
        seen.append(message.content)
        if len(seen) == 3:
            all_seen.set()

    async with running_bot(bot, discord_double):
        await discord_double.user_message("not for the bot")
        await discord_double.user_message("for the bot", mention_bot=True)
        await discord_double.user_message("in private", dm=True)
        await asyncio.wait_for(all_seen.wait(), 5)
    assert seen == ["", f"<@{ids.BOT_USER_ID}> for the bot", "in private"]
    with pytest.raises(TimeoutError, match=r"waiting for POST /channels/\{channel_id\}/messages"):
        await discord_double.wait_for_request("POST", CHANNEL_MESSAGES, timeout=0.05)
    discord_double.assert_clean()


async def _dispatch_and_see_the_bot_die(double: DiscordDouble, message: dict[str, Any]) -> None:
    async with running_bot(make_bot(double), double):
        await double.dispatch("MESSAGE_CREATE", message, guild_id=ids.GUILD_ID)
        with pytest.raises(RuntimeError, match="the bot died") as caught:
            await double.wait_for_request("POST", CHANNEL_MESSAGES, timeout=4)
        assert isinstance(caught.value.__cause__, KeyError)


async def test_unparseable_payload_fails_the_wait_fast(discord_double: DiscordDouble) -> None:
    # discord.py indexes message['type']: without it the parser raises and bot.start() dies.
    message = {"id": ids.snowflake(), "channel_id": ids.GENERAL_CHANNEL_ID, "content": "x"}
    started = time.monotonic()
    # Leaving running_bot re-raises the bot's own error.
    with pytest.raises(KeyError, match="type"):
        await _dispatch_and_see_the_bot_die(discord_double, message)
    assert time.monotonic() - started < 3, "the wait should fail at once, not at its timeout"


async def test_privileged_intents_can_be_refused(discord_double: DiscordDouble) -> None:
    discord_double.deny_privileged_intents = True  # the bot's message_content is privileged
    with pytest.raises(RuntimeError, match="PrivilegedIntentsRequired"):
        async with running_bot(make_bot(discord_double), discord_double):
            pass
    discord_double.assert_clean()


def test_spec_validator_judges_command_bodies() -> None:
    spec = require_spec()
    template = spec.template_for(
        f"/applications/{ids.APPLICATION_ID}/guilds/{ids.GUILD_ID}/commands"
    )
    assert template == GUILD_COMMANDS
    good = [{"name": "faq", "description": "Look up", "type": 1}]
    assert spec.validate("PUT", template, good) == []
    bad = [{"name": "f" * 40, "description": "Look up", "type": 1}]
    errors = spec.validate("PUT", template, bad)
    assert [e.body_path for e in errors] == ["0/name"]


def test_spec_validator_accepts_int_snowflakes_only_where_ids_are_snowflakes() -> None:
    spec = require_spec()
    template = spec.template_for(f"/channels/{ids.GENERAL_CHANNEL_ID}/messages")
    assert template == CHANNEL_MESSAGES
    reply = {
        "content": "hi",
        "allowed_mentions": {"parse": [], "users": [int(ids.MEMBER_USER_ID)]},
        "message_reference": {"message_id": 1187000000000009999, "fail_if_not_exists": False},
    }
    assert spec.validate("POST", template, reply) == []
    button = {"type": 2, "style": 1, "label": "x", "custom_id": "c", "id": "not-an-int"}
    bad = {"content": "hi", "components": [{"type": 1, "components": [button]}]}
    errors = spec.validate("POST", template, bad)
    assert errors
    assert all(e.body_path.startswith("components/0") for e in errors), errors
    webhook_message = spec.template_for("/webhooks/1/tok/messages/@original")
    assert webhook_message == "/webhooks/{webhook_id}/{webhook_token}/messages/@original"


def test_missing_spec_skips_with_how_to(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(REQUIRE_ENV, raising=False)
    monkeypatch.setenv(SPEC_ENV, str(tmp_path / "absent.json"))
    with pytest.raises(pytest.skip.Exception) as caught:
        require_spec()
    reason = str(caught.value)
    assert "../shared/discord-api-spec/" in reason
    assert SPEC_ENV in reason


def test_missing_spec_fails_when_required(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(REQUIRE_ENV, "1")
    with pytest.raises(pytest.fail.Exception, match=REQUIRE_ENV):
        require_spec(tmp_path / "absent.json")


async def test_rate_limit_faults_carry_discords_headers(discord_double: DiscordDouble) -> None:
    headers = {"Authorization": f"Bot {discord_double.token}"}
    url = f"{discord_double.api_base}/users/@me"
    discord_double.fail_next("GET", "/users/@me", status=429, retry_after=1.5, scope="user")
    discord_double.fail_next("GET", "/users/@me", status=429, retry_after=0.2, scope="global")
    async with aiohttp.ClientSession() as http:
        async with http.get(url, headers=headers) as route:
            assert route.status == 429
            assert route.headers["Via"] == "1.1 google"  # without it discord.py gives up
            assert route.headers["Retry-After"] == "2"  # whole seconds, rounded up
            assert route.headers["X-RateLimit-Scope"] == "user"
            assert route.headers["X-RateLimit-Remaining"] == "0"
            assert route.headers["X-RateLimit-Reset-After"] == "1.500"
            assert {"X-RateLimit-Limit", "X-RateLimit-Reset", "X-RateLimit-Bucket"} <= set(
                route.headers
            )
            assert "X-RateLimit-Global" not in route.headers
            assert await route.json() == {
                "message": "You are being rate limited.",
                "retry_after": 1.5,
                "global": False,
            }
        async with http.get(url, headers=headers) as everything:
            assert everything.status == 429
            assert everything.headers["X-RateLimit-Global"] == "true"
            assert everything.headers["X-RateLimit-Scope"] == "global"
            assert "X-RateLimit-Bucket" not in everything.headers
            assert (await everything.json())["global"] is True
        async with http.get(url, headers=headers) as fine:
            assert fine.status == 200
    discord_double.assert_clean()


async def test_resume_replays_what_the_session_missed_in_order(
    discord_double: DiscordDouble,
) -> None:
    """A raw client: IDENTIFY, lose the connection, RESUME from sequence 1."""
    token = discord_double.token
    async with aiohttp.ClientSession() as http:
        async with http.ws_connect(discord_double.gateway_url) as ws:
            assert (await ws.receive_json())["op"] == 10  # HELLO
            await ws.send_json({"op": 2, "d": {"token": token, "intents": 0}})
            ready = await ws.receive_json()
            guilds = [await ws.receive_json() for _ in discord_double.world.guild_payloads()]
            await ws.close(code=4000)  # a code that keeps the session resumable
        session_id = ready["d"]["session_id"]
        assert ready["s"] == 1
        assert [g["s"] for g in guilds] == list(range(2, 2 + len(guilds)))
        # Sent while no connection is up: queued for the session.
        data = {"channel_id": ids.GENERAL_CHANNEL_ID, "guild_id": ids.GUILD_ID}
        queued = await discord_double.dispatch("CHANNEL_PINS_UPDATE", data, guild_id=ids.GUILD_ID)
        assert queued == 2 + len(guilds)

        async with http.ws_connect(discord_double.gateway_url + "resume") as ws:
            await ws.receive_json()  # HELLO
            claim = {"token": token, "session_id": session_id, "seq": queued + 5}
            await ws.send_json({"op": 6, "d": claim})
            # Sequence numbers the session never sent: Discord cannot resume that.
            assert await ws.receive_json() == {"op": 9, "d": False, "s": None, "t": None}
            resume = {"token": token, "session_id": session_id, "seq": 1}
            await ws.send_json({"op": 6, "d": resume})
            frames = [await ws.receive_json() for _ in range(len(guilds) + 2)]
    assert [(f["s"], f["t"]) for f in frames] == [
        *[(g["s"], "GUILD_CREATE") for g in guilds],
        (queued, "CHANNEL_PINS_UPDATE"),
        (queued + 1, "RESUMED"),
    ]
    resumed = discord_double.gateway.sessions[-1]
    assert resumed.resumed
    assert resumed.replayed == [g["s"] for g in guilds] + [queued]
    discord_double.assert_clean()


async def test_held_dispatches_arrive_when_the_hold_ends_without_a_fault(
    discord_double: DiscordDouble,
) -> None:
    async with running_bot(make_bot(discord_double), discord_double):
        async with discord_double.hold_dispatches():
            await discord_double.user_message("held back", mention_bot=True)
            with pytest.raises(TimeoutError):
                await discord_double.wait_for_request("POST", CHANNEL_MESSAGES, timeout=0.2)
        reply = await discord_double.wait_for_request("POST", CHANNEL_MESSAGES)
        assert reply.body["content"].endswith("held back")
        assert len(discord_double.gateway.sessions) == 1  # the same connection throughout
    discord_double.assert_clean()
