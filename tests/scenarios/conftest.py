"""The bot fixtures (tests/support/bot_fixtures.py) and the Discord double, for these tests,
and a PostgreSQL server a test may stop and start."""

from collections.abc import Iterator

import pytest
from support.bot_fixtures import (
    as_server_manager,
    bot,
    eventually,
    faq_dir,
    settings,
    start_bot,
)
from support.postgres_server import PostgresServer

from testkit.discord_double import discord_double

__all__ = [
    "as_server_manager",
    "bot",
    "discord_double",
    "eventually",
    "faq_dir",
    "settings",
    "start_bot",
]


@pytest.fixture
def own_server(postgres_server: PostgresServer) -> Iterator[PostgresServer]:
    """A server of this test's own, as it is stopped and started; same binaries."""
    server = PostgresServer(postgres_server.bindir)
    server.start()
    try:
        yield server
        server.stop(mode="immediate")
    finally:
        server.remove()


@pytest.fixture
def quick_pool_timeouts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Waits on a stopped server of 1 s instead of the bot's 5 s: an outage scenario waits
    out a timeout per write batch, which is what makes it slow, not what it tests."""
    monkeypatch.setattr("bot.storage.postgres.CONNECT_TIMEOUT_SECONDS", 1)
