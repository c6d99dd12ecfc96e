"""A PostgreSQL server that stops and comes back while the store is writing: writes in the
gap are reported as not saved (logged once), health says so, and the store reconnects by
itself when the server returns, with every acknowledged row kept."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from support.postgres_server import PostgresServer

from bot.storage import Store

FRESH = timedelta(seconds=30)


async def ask(store: Store, n: int) -> bool:
    return await store.record_question(
        question=f"question {n}",
        decision="none",
        entry_id=None,
        score=0.0,
        guild_id=1,
        source="slash",
    )


async def test_a_restarted_server_is_used_again_and_no_acknowledged_row_is_lost(
    own_server: PostgresServer, caplog: pytest.LogCaptureFixture, quick_pool_timeouts: None
) -> None:
    now = [datetime(2025, 3, 1, tzinfo=UTC)]
    url = own_server.create_database()
    store = Store(url, voter_key=bytes(32), clock=lambda: now[0])
    await store.open()
    acknowledged: dict[int, bool] = {}

    async def traffic(numbers: range) -> None:
        results = await asyncio.gather(*(ask(store, n) for n in numbers))
        acknowledged.update(zip(numbers, results, strict=True))

    await traffic(range(100))
    assert store.storage_health(FRESH)[0]

    own_server.stop(mode="fast")
    for wave in range(3):  # several batches, while the server is down
        await traffic(range(100 + wave * 10, 110 + wave * 10))
    assert not store.healthy
    now[0] += FRESH + timedelta(seconds=1)
    ok, why = store.storage_health(FRESH)
    assert not ok
    assert "no write accepted for 31 s (last failure: question log not recorded" in why
    errors = [r for r in caplog.records if r.name == "bot.storage" and r.levelno >= logging.ERROR]
    assert len(errors) == 1, [r.getMessage() for r in errors]

    own_server.start()  # the same port: the pool finds it again without the store reopening
    # The pool retries with a growing pause (psycopg_pool's backoff), so the first writes
    # after the return may still fail; within a minute one must get through.
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60
    while not await store.probe():
        assert loop.time() < deadline, "the store never reconnected"
        await asyncio.sleep(0.5)
    await traffic(range(200, 300))
    assert store.healthy
    assert store.storage_health(FRESH)[0]
    await store.close()

    assert all(acknowledged[n] for n in range(100))
    assert not any(acknowledged[n] for n in range(100, 130))
    assert all(acknowledged[n] for n in range(200, 300))
    with psycopg.connect(url) as db:
        stored = {
            int(q.split()[1]) for (q,) in db.execute("SELECT question FROM questions").fetchall()
        }
    assert stored == {n for n, ok in acknowledged.items() if ok}
