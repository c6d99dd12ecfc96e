"""Fixtures for running the real bot against the loopback Discord double.

The unit tests of the Discord layer (tests/bot/) and the scenario suites (tests/scenarios/)
both use them: each directory's conftest.py imports the ones it offers.
"""

# ruff: noqa: ASYNC109 -- waits take timeout= so a TimeoutError can say what was awaited

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import inspect
import os
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import discord
import pytest
import pytest_asyncio
from support.phrase_vectors import phrase_embeddings, run_vector_file

from bot.client import FaqBot
from bot.config import Settings, variable
from bot.knowledge_service import FaqSnapshot, KnowledgeService
from testkit.discord_double import DiscordDouble, interaction_payloads, running_bot
from testkit.discord_double.payloads import Payload

SHIPPED_FAQ = Path(__file__).resolve().parents[2] / "knowledge" / "faq"

# What this test process has loaded, by the content of the FAQ directory: most tests start
# their bot on an unchanged copy of the shipped FAQ, and loading and indexing it was most of
# a bot's start (hundreds of starts per run).
_LOADED: dict[str, FaqSnapshot] = {}


def directory_digest(directory: Path) -> str:
    """A digest of every name in ``directory`` and what it holds (a link by its target)."""
    digest = hashlib.sha256()
    for path in sorted(directory.rglob("*")):
        digest.update(str(path.relative_to(directory)).encode() + b"\0")
        if path.is_symlink():
            digest.update(b"link:" + os.readlink(path).encode())
        elif path.is_file():
            digest.update(b"file:" + path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def knowledge_for(faq_dir: Path) -> KnowledgeService:
    """The FAQ in ``faq_dir`` to serve, loaded as the bot would, or reused from an earlier
    load of a directory with the same content."""
    key = directory_digest(faq_dir)
    if (loaded := _LOADED.get(key)) is not None:
        return KnowledgeService(faq_dir, embeddings=phrase_embeddings(), loaded=loaded)
    service = KnowledgeService(faq_dir, embeddings=phrase_embeddings())
    _LOADED[key] = service.current
    return service


@pytest.fixture
def faq_dir(tmp_path: Path) -> Path:
    """A copy of the shipped FAQ that a test may edit."""
    target = tmp_path / "faq"
    shutil.copytree(SHIPPED_FAQ, target)
    return target


@pytest.fixture
def settings(tmp_path: Path, faq_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    # Settings() reads the environment and .env besides its arguments: the developer's own
    # settings stay out of the tests (and out of the bot processes they start).
    ours = {variable(field) for field in Settings.model_fields}
    for name in list(os.environ):
        if name.upper() in ours:
            monkeypatch.delenv(name)
    return Settings(
        _env_file=None,
        faq_dir=faq_dir,
        database=tmp_path / "data" / "faqbot.sqlite3",
        health_file=tmp_path / "data" / "health.json",
        # Generous limits: tests that exercise cooldowns and bursts set their own.
        ask_rate=1000,
        burst_seconds=0,
        reload_seconds=0.1,
        vector_cache=run_vector_file(),
    )


@pytest_asyncio.fixture
async def bot(settings: Settings, discord_double: DiscordDouble) -> AsyncIterator[FaqBot]:
    faq_bot = FaqBot(settings, knowledge=knowledge_for(settings.faq_dir))
    async with running_bot(faq_bot, discord_double):
        yield faq_bot


def with_settings(settings: Settings, **changes: object) -> Settings:
    return settings.model_copy(update=changes)


StartBot = Callable[..., contextlib.AbstractAsyncContextManager[FaqBot]]


@pytest.fixture
def start_bot(settings: Settings, discord_double: DiscordDouble) -> StartBot:
    """``async with start_bot(ask_rate=1) as bot:`` runs a FaqBot with changed settings."""

    @contextlib.asynccontextmanager
    async def start(**changes: object) -> AsyncIterator[FaqBot]:
        changed = with_settings(settings, **changes)
        faq_bot = FaqBot(changed, knowledge=knowledge_for(changed.faq_dir))
        async with running_bot(faq_bot, discord_double):
            yield faq_bot

    return start


async def wait_until(
    check: Callable[[], Any], *, timeout: float = 5.0, interval: float = 0.02, what: str = ""
) -> Any:
    """Poll ``check`` (sync or async) until it returns something truthy; that value."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = check()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value
        if loop.time() > deadline:
            raise TimeoutError(f"not true within {timeout:g}s: {what or check}")
        await asyncio.sleep(interval)


@pytest.fixture
def eventually() -> Callable[..., Awaitable[Any]]:
    """``await eventually(check, timeout=5, what=...)``: poll until check() is truthy."""
    return wait_until


# Discord resolves a guild owner's permissions to every permission there is.
OWNER_PERMISSIONS = discord.Permissions.all().value

AdminCommand = Callable[..., Awaitable[Payload]]


@pytest.fixture
def as_server_manager(discord_double: DiscordDouble) -> AdminCommand:
    """``await as_server_manager("stats", {"days": 7})``: /faq-admin from the guild owner.

    The double resolves every invoker's permissions to the @everyone role's, so the owner's
    interaction is built here with the permissions Discord sends for an owner.
    """

    async def send(subcommand: str, options: dict[str, Any] | None = None) -> Payload:
        world = discord_double.world
        command_id, scope = discord_double.command_target("faq-admin", dm=False)
        data = interaction_payloads.command_data(
            "faq-admin",
            interaction_payloads.options_from(options),
            command_id=command_id,
            guild_id=scope,
            subcommand=subcommand,
        )
        invoker = dataclasses.replace(
            world.invoker(user=world.owner), permissions=OWNER_PERMISSIONS
        )
        payload = interaction_payloads.interaction(
            interaction_payloads.APPLICATION_COMMAND,
            data,
            invoker=invoker,
            application_id=world.application_id,
        )
        return await discord_double.send_interaction(payload)

    return send
