"""Fixtures for running the real bot against the loopback Discord double."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from discord_double import DiscordDouble, discord_double, running_bot

from bot.client import FaqBot
from bot.config import Settings

SHIPPED_FAQ = Path(__file__).parents[2] / "knowledge" / "faq"

__all__ = ["discord_double"]


@pytest.fixture
def faq_dir(tmp_path: Path) -> Path:
    """A copy of the shipped FAQ that a test may edit."""
    target = tmp_path / "faq"
    shutil.copytree(SHIPPED_FAQ, target)
    return target


@pytest.fixture
def settings(tmp_path: Path, faq_dir: Path) -> Settings:
    return Settings(
        faq_dir=faq_dir,
        database=tmp_path / "data" / "faqbot.sqlite3",
        health_file=tmp_path / "data" / "health.json",
        # Generous limits: tests that exercise cooldowns and bursts set their own.
        ask_rate=1000,
        burst_seconds=0,
        reload_seconds=0.1,
    )


@pytest_asyncio.fixture
async def bot(settings: Settings, discord_double: DiscordDouble) -> AsyncIterator[FaqBot]:
    faq_bot = FaqBot(settings)
    async with running_bot(faq_bot, discord_double):
        yield faq_bot


def with_settings(settings: Settings, **changes: object) -> Settings:
    return dataclasses.replace(settings, **changes)  # type: ignore[arg-type]
