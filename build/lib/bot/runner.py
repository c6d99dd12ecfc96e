"""Starting and stopping the bot process: `faqbot run`, `faqbot sync`, `python -m bot`."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from pathlib import Path

import aiohttp
import discord
from pydantic import SecretStr

from bot.client import FaqBot
from bot.config import ConfigError, Settings, load_settings, require_token
from bot.knowledge_service import KnowledgeError
from bot.logs import configure_logging
from knowledge import cli as knowledge_cli
from knowledge.embedding import ModelError

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_CONFIG = 2


def command_run(faq_dir: Path, *, or_chat: bool = False) -> int:
    """Run the bot over ``faq_dir``; without a token and with ``or_chat``, the local chat."""
    try:
        settings = _settings_for(faq_dir)
        if settings.token is None and or_chat:
            print("No DISCORD_TOKEN set, so starting a local chat over the FAQ instead.")
            return knowledge_cli.chat(faq_dir)
        token = require_token(settings)
    except ConfigError as error:
        print(f"faqbot: {error}", file=sys.stderr)
        return EXIT_CONFIG
    configure_logging(settings.log_level, settings.log_format)
    return asyncio.run(_run_until_stopped(settings, token))


def command_sync(faq_dir: Path) -> int:
    """Upload the command definitions globally now, whatever the stored hash says."""
    try:
        settings = _settings_for(faq_dir)
        token = require_token(settings)
    except ConfigError as error:
        print(f"faqbot: {error}", file=sys.stderr)
        return EXIT_CONFIG
    configure_logging(settings.log_level, settings.log_format)
    return asyncio.run(_sync_once(settings, token))


async def _sync_once(settings: Settings, token: SecretStr) -> int:
    bot = _make_bot(settings)
    if bot is None:
        return EXIT_FAILED
    async with bot:
        try:
            await bot.login(token.get_secret_value())
        except discord.LoginFailure:
            print("faqbot: Discord rejected the token", file=sys.stderr)
            return EXIT_CONFIG
        await bot.sync_commands(force=True)
    return EXIT_OK


def _settings_for(faq_dir: Path) -> Settings:
    # --faq-dir defaults to the FAQBOT_FAQ_DIR setting, so this is the setting unless the
    # command line named another directory.
    return load_settings().model_copy(update={"faq_dir": faq_dir})


def _make_bot(settings: Settings) -> FaqBot | None:
    """The bot, or None after saying (in a few lines) why the FAQ cannot be served."""
    # discord.py warns at start-up that voice libraries are missing; this bot has no voice.
    discord.VoiceClient.warn_nacl = False
    discord.VoiceClient.warn_dave = False
    try:
        return FaqBot(settings)
    except KnowledgeError as error:
        print(f"faqbot: the FAQ has errors:\n{error}", file=sys.stderr)
        return None
    except ModelError as error:
        # Never a silent fall-back to lexical matching: the model is part of the product.
        print(f"faqbot: {error}", file=sys.stderr)
        return None


async def _run_until_stopped(settings: Settings, token: SecretStr) -> int:
    bot = _make_bot(settings)
    if bot is None:
        return EXIT_FAILED
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with bot:
        running = asyncio.create_task(bot.start(token.get_secret_value()), name="bot")
        stopping = asyncio.create_task(stop.wait(), name="stop-signal")
        done, _ = await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if stopping in done:
            log.info("stop signal received; shutting down")
            await bot.shutdown()
        stopping.cancel()
        try:
            await running
        except discord.LoginFailure:
            print("faqbot: Discord rejected the token (check DISCORD_TOKEN)", file=sys.stderr)
            return EXIT_CONFIG
        except discord.PrivilegedIntentsRequired:
            print("faqbot: Discord refused the requested intents", file=sys.stderr)
            return EXIT_CONFIG
        except (OSError, aiohttp.ClientError) as error:
            # Before the first connection there is nothing to resume: say why and stop.
            print(f"faqbot: cannot reach Discord: {error}", file=sys.stderr)
            return EXIT_FAILED
    log.info("stopped cleanly")
    return EXIT_OK
