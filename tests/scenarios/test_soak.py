"""A short soak: mixed traffic through the double leaves nothing unanswered or behind.

The same run as bench/soak.py (testkit/soak.py, which does 20,000 without spec validation),
cut to COUNT interactions after a WARMUP of the same mix, with the fixture's double validating
every body against Discord's spec: /ask with each outcome, autocomplete, button clicks
on answers and suggestions the bot posted, and mentions, IN_FLIGHT at a time.
"""

from __future__ import annotations

import math
from typing import Any

from testkit.discord_double import DiscordDouble
from testkit.soak import MIX, Plan, capture_log, run_soak

COUNT = 600
WARMUP = 200
IN_FLIGHT = 16
# RSS is a noisy measure of a leak at this size: runs without a leak grew 0.4-1.1 MB
# (alone and after the other bot tests). What moves it: the double's records for one
# clearing's 200 interactions (~2 MB, freed but not necessarily returned to the OS),
# SQLite's page cache filling as the question log grows (up to 2 MB), validators the spec
# check compiles for body shapes the warm-up did not send, and allocator granularity
# (1 MiB pymalloc arenas, glibc's trim threshold). 10 MB leaves ~9x headroom and still
# fails a leak of ~17 KB an interaction (each interaction's payloads, message and View
# kept alive); bench/soak.py, 20,000 interactions against the same 10 MB, finds the slow
# leaks. Leaked tasks are checked exactly, not through RSS.
RSS_GROWTH_BOUND_MB = 10.0


async def test_a_short_soak_answers_everything_and_returns_to_its_baseline(
    start_bot: Any, discord_double: DiscordDouble
) -> None:
    plan = Plan(
        count=COUNT,
        in_flight=IN_FLIGHT,
        warmup=WARMUP,
        warmup_mentions=0,  # filling discord.py's 1,000-message cache would take longer
        clear_every=200,
        rss_every=COUNT,  # no RSS samples in between
        rss_growth_mb=RSS_GROWTH_BOUND_MB,
    )
    with capture_log() as log:
        async with start_bot(ask_rate=1_000_000) as bot:  # one user asks everything
            results = await run_soak(
                bot, discord_double, plan, log, validate=discord_double.spec is not None
            )

    assert log.errors == 0, log.first_errors  # start-up and shutdown included
    assert results.error_counts() == {
        "unanswered": 0,
        "double violations": 0,
        "ERROR log records": 0,
        "unexpected replies": 0,
    }, (results.unanswered, results.violations, results.unexpected, results.strays)
    # Every interaction was answered, each kind in the mix ran, the ack deadline held.
    assert not any(math.isnan(x) for x in results.latency_ms)
    assert results.double_no_ack == 0
    assert sorted(set(results.kinds)) == list(range(len(MIX)))
    assert max(results.latency_ms) < results.ack_deadline_ms
    # No task left behind (a View's 15-minute timeout, a handler stuck on the store...).
    assert results.tasks_back, (results.tasks_start, results.tasks_end)
    assert results.rss_growth < RSS_GROWTH_BOUND_MB, results.rss_growth
    assert results.failures() == []
    discord_double.assert_clean()
