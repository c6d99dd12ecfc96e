"""pytest fixture and bot runner pointing the unmodified discord.py client at the double.

Only two class attributes are changed, and restored afterwards: Route.BASE (every REST
call, webhooks and interaction callbacks included, is built from it) and
DiscordWebSocket.DEFAULT_GATEWAY (a yarl.URL; a non-sharded client connects there
directly without asking GET /gateway/bot).
"""

# ruff: noqa: ASYNC109 -- waits take timeout= so a TimeoutError can name what was awaited

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import discord
import discord.gateway
import discord.http
import pytest_asyncio
import yarl

from .server import DiscordDouble
from .spec import optional_spec

GUILD_READY_TIMEOUT = 0.1


@contextlib.asynccontextmanager
async def pointed_at(double: DiscordDouble) -> AsyncIterator[DiscordDouble]:
    """Point discord.py at a started double for the duration of the block."""
    old_base = discord.http.Route.BASE
    old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = double.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(double.gateway_url)
    try:
        yield double
    finally:
        discord.http.Route.BASE = old_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway


@pytest_asyncio.fixture
async def discord_double() -> AsyncIterator[DiscordDouble]:
    """A started double that validates bodies against Discord's OpenAPI spec. Without the
    spec it still runs, with a warning that bodies are unchecked (a failure instead when
    FAQBOT_REQUIRE_DISCORD_SPEC=1); tests of the spec checks themselves skip."""
    spec = optional_spec()
    async with DiscordDouble(spec=spec) as double, pointed_at(double):
        yield double


@contextlib.asynccontextmanager
async def running_bot(
    bot: discord.Client,
    double: DiscordDouble,
    *,
    ready_timeout: float = 10.0,
    close_timeout: float = 10.0,
) -> AsyncIterator[discord.Client]:
    """Run bot.start(token) against the double until the block ends; waits for on_ready.

    guild_ready_timeout (how long discord.py waits for more GUILD_CREATEs before READY
    fires, 2 s by default) is cut to 0.1 s: the double sends every guild at once.
    """
    bot._connection.guild_ready_timeout = GUILD_READY_TIMEOUT
    double.bot_error = None
    task = asyncio.create_task(bot.start(double.token), name="discord-double-bot")
    # A payload discord.py cannot parse kills bot.start(); make pending waits say so.
    task.add_done_callback(lambda t: double.bot_exited(None if t.cancelled() else t.exception()))
    try:
        await _wait_ready(bot, task, ready_timeout)
        yield bot
    except BaseException as exc:
        died = double.bot_error
        if died is not None and died is not exc and died is not exc.__cause__:
            exc.add_note(f"meanwhile bot.start() had died with {died!r}")
        # The failure being raised is the one to report; closing must not replace it.
        with contextlib.suppress(Exception):
            await _close(bot, task, close_timeout)
        raise
    else:
        await _close(bot, task, close_timeout)  # re-raises the error if the bot died


async def _wait_ready(bot: discord.Client, task: asyncio.Task[None], timeout: float) -> None:
    # wait_until_ready() cannot be awaited before start() has set the client up, so poll.
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not bot.is_ready():
        if task.done():
            error = task.exception()
            raise RuntimeError(f"the bot stopped before READY: {error!r}") from error
        if loop.time() > deadline:
            raise TimeoutError(f"Discord double: the bot was not ready within {timeout:g}s")
        await asyncio.sleep(0.01)


async def _close(bot: discord.Client, task: asyncio.Task[None], timeout: float) -> None:
    if not bot.is_closed():
        await asyncio.wait_for(bot.close(), timeout)
    with contextlib.suppress(asyncio.CancelledError, discord.ConnectionClosed):
        await asyncio.wait_for(task, timeout)
