"""Soak the real bot with mixed traffic through the loopback Discord API double.

Run from the project root with `.venv/bin/python -m bench.soak` (`--count N`, `--in-flight N`,
`--validate`; see `--help`). This script parses the options and prints the report; the run
itself (MIX, Soak, Results) is testkit/soak.py, which tests/scenarios/test_soak.py shares.
It sends --count interactions (20,000 by default), mixed as MIX says:

- /ask whose question the bot answers, whose question gets "did you mean" buttons, and
  whose question is not covered (each question sorted by the bot's own matcher first);
- autocomplete of /ask on partial questions;
- button clicks on messages the bot posted earlier in the run: a related-question button
  and a feedback vote on an answer, a did-you-mean pick on a suggestion;
- mentions: MESSAGE_CREATE mentioning the bot, round the guild's two text channels and its
  thread (discord.py sends one message at a time per channel, see Soak.__init__); the bot
  replies with a message.

A fixed number of workers (--in-flight) each send one interaction, wait for the bot's
answer, then send the next, so at most that many are in flight and the rate is the highest
the machine sustains (bot and double share one event loop, which a few in flight already
keep busy: more adds latency, not throughput; see IN_FLIGHT). The figures: throughput,
latency p50 / p99 / max, the errors, RSS after the warm-up and at the end, and live asyncio
tasks after the warm-up and at the end; Results.failures says what fails the run (exit
status 1).

What a latency is: the double's own time.monotonic() timestamps, as in
bench/discord_roundtrip.py: from InteractionRecord.dispatched_at (the double starts the
INTERACTION_CREATE) to the received_at of the bot's callback request. For a mention, from
just before the double sends MESSAGE_CREATE to the received_at of the bot's reply (POST
/channels/{id}/messages whose message_reference is the mention). An interaction the bot
defers (a slow store: "thinking…") counts the deferral as its acknowledgement, and its
follow-up message as its reply.

What counts as an error: an interaction or mention with no 2xx answer within
ANSWER_TIMEOUT; a violation the double recorded (late, duplicate or unknown callbacks,
unknown routes, mentions, spec errors with --validate...); a log record at ERROR or above
from anyone in the process (the bot's handlers log failures there, discord.py logs
exceptions it swallows there, asyncio logs lost task exceptions there), captured by a
handler on the root logger for the whole run, start-up and shutdown included; and a reply
of the wrong kind (an /ask that should be answered getting a text, say) or a reply nobody
asked for (a second callback or reply). The double's 3-second acknowledgement deadline is
checked by the double itself (a late callback is a violation), and the worst latency is
shown against it.

Memory: the double keeps every request, interaction and message, and each gateway session
keeps every dispatch it sent (for RESUME); the soak clears those records, and the
dispatches the bot has received, every CLEAR_EVERY interactions (pausing the workers: the
pauses are in the wall time), so RSS measures the bot. The warm-up runs the same mix
first, then WARMUP_MENTIONS mentions to fill discord.py's message cache (max_messages,
1,000 by default, which FaqBot keeps): a full bounded cache is the steady state, not
growth. RSS is read after a full gc.collect() after the warm-up and at the end.
Per-interaction results go into arrays allocated before the baseline, so they do not count
as growth. What still grows is bounded: a 60,000-interaction run levelled off at about
+5.5 MB from 30,000 on (SQLite's page cache, up to 2 MB, fills as the question log grows;
the one simulated user's cooldown keeps 30 s of timestamps, ~9,000 at this rate).

Tasks: bot and double share the process, so the census counts both (TASK_LEGEND names
each): the bot's (bot.start(), the gateway shard's worker, the FAQ watcher, the purge and
heartbeat loops; discord.py's keep-alive is a thread, not a task), the double's (aiohttp's
server runs one task per open connection: the gateway websocket and every HTTP keep-alive
connection in discord.py's pool, which has no limit and keeps one connection per request
that was in flight at once; plus the websocket's request, served for the connection's
life) and this script's (the main task and the request indexer, with its wait). Every
other task must be back at its baseline count a short settle after the run, and the
connection tasks must be no more than the baseline's or --in-flight plus the gateway's
(the pool shrinks when idle connections expire; it grows only with the number of requests
in flight).

Spec validation is off by default: the soak measures the bot, and checking every body
against the 1.2 MB OpenAPI spec would make the double the bottleneck (the suite's
tests/scenarios/test_soak.py runs a short soak with validation on). --validate turns it on and
needs the spec (exit status 2 without it).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
import tempfile
import time
from pathlib import Path

from bot.client import FaqBot
from testkit.bench_harness import (
    CONNECTION_TASK,
    configure_script_logging,
    machine_line,
    percentile,
    settings_in,
    verdict,
)
from testkit.discord_double import (
    DiscordDouble,
    pointed_at,
    running_bot,
)
from testkit.discord_double.spec import HOW_TO_GET_SPEC, SpecValidator, load_spec, spec_path
from testkit.soak import (
    COUNT,
    IN_FLIGHT,
    MIX,
    TASK_LEGEND,
    WARMUP,
    WARMUP_MENTIONS,
    LogCapture,
    Plan,
    Results,
    capture_log,
    run_soak,
)

# --- the report -----------------------------------------------------------------------


def report(results: Results, wall: float) -> None:
    plan = results.plan
    answered = results.answered
    load = ", ".join(f"{x:.2f}" for x in results.load_average)
    print(f"{machine_line()}; load average before the run {load}")
    print(
        f"Soak: {plan.count:,} mixed interactions, at most {plan.in_flight} in flight, after a "
        f"warm-up of {plan.warmup:,} mixed + {plan.warmup_mentions:,} mentions. Bot and Discord "
        "double in one process and one asyncio event loop on 127.0.0.1 (RSS and task counts "
        "are the two together)."
    )
    print(
        "The double's spec validation "
        + (
            "ON (--validate)."
            if results.validate
            else "OFF: the default for the soak, which measures the bot (--validate turns it on)."
        )
    )
    print(
        "Latency = the double's own monotonic timestamps: INTERACTION_CREATE (or "
        "MESSAGE_CREATE) dispatched to the bot's callback (or reply) received.\n"
    )
    counts = results.error_counts()
    deadline = results.ack_deadline_ms
    worst = max(answered) if answered else math.inf
    start, end = results.tasks_start, results.tasks_end
    rows = [
        ("interactions measured", f"{plan.count:,}", "", ""),
        (
            "throughput",
            f"{results.throughput:,.0f} interactions/s ({results.seconds:.1f} s)",
            "",
            "",
        ),
        (
            "latency p50 / p99",
            f"{percentile(answered, 50):.1f} / {percentile(answered, 99):.1f} ms"
            if answered
            else "n/a",
            "",
            "",
        ),
        (
            "latency max",
            f"{worst:.1f} ms",
            f"≤ {deadline:,.0f} ms (ack deadline)",
            verdict(worst <= deadline),
        ),
        (
            "errors",
            f"{results.errors} (" + ", ".join(f"{k} {v}" for k, v in counts.items()) + ")",
            "0",
            verdict(results.errors == 0),
        ),
        ("RSS at start (after warm-up)", f"{results.rss_start:.1f} MB", "", ""),
        ("RSS at end", f"{results.rss_end:.1f} MB", "", ""),
        (
            "RSS growth",
            f"{results.rss_growth:+.1f} MB",
            f"≤ {plan.rss_growth_mb:g} MB",
            verdict(results.rss_growth <= plan.rss_growth_mb),
        ),
        (
            "live asyncio tasks: baseline / end",
            f"{sum(start.values())} / {sum(end.values())} (connections "
            f"{start[CONNECTION_TASK]} / {end[CONNECTION_TASK]})",
            f"baseline; connections ≤ {results.connection_limit}",
            verdict(results.tasks_back),
        ),
    ]
    print("| measure | figure | target | result |")
    print("| --- | ---: | --- | --- |")
    for name, figure, target, result in rows:
        print(f"| {name} | {figure} | {target} | {result} |")

    print()
    print("| kind | share | count | p50 ms | p99 ms | max ms |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    by_kind: dict[int, list[float]] = {k: [] for k in range(len(MIX))}
    for kind, latency in zip(results.kinds, results.latency_ms, strict=True):
        by_kind[kind].append(latency)
    for kind, latencies in by_kind.items():
        got = [x for x in latencies if not math.isnan(x)]
        figures = (
            f"{percentile(got, 50):.1f} | {percentile(got, 99):.1f} | {max(got):.1f}"
            if got
            else "n/a | n/a | n/a"
        )
        share = len(latencies) / plan.count * 100 if plan.count else 0
        print(f"| {MIX[kind][0]} | {share:.1f}% | {len(latencies):,} | {figures} |")

    print()
    census = ", ".join(
        f"{name} {n}" + (f" ({TASK_LEGEND[name]})" if name in TASK_LEGEND else "")
        for name, n in sorted(start.items())
    )
    print(f"Tasks at the baseline, bot and double alike: {census}.")
    extra, gone = end - start, start - end
    if extra or gone:
        diff = [f"+{n} {name}" for name, n in extra.most_common()]
        diff += [f"-{n} {name}" for name, n in gone.most_common()]
        print(f"At the end (after {results.task_settle_seconds:.1f} s): {', '.join(diff)}.")
    print(
        f"{CONNECTION_TASK} is aiohttp's server task per open connection of the double: the "
        "bot's gateway websocket and each keep-alive HTTP connection in discord.py's pool "
        f"({results.pooled_start} pooled at the baseline, {results.pooled_end} at the end)."
    )
    cached = results.cached_messages
    print(
        f"discord.py's message cache held {cached[0]:,} messages at the baseline and "
        f"{cached[1]:,} at the end (bounded by max_messages)."
    )
    if results.rss_trend:
        trend = ", ".join(f"{n:,} {mb:.1f}" for n, mb in results.rss_trend)
        print(
            f"RSS (MB) after n interactions: 0 {results.rss_start:.1f}, {trend}, "
            f"end {results.rss_end:.1f}; peak (VmHWM) {results.peak_rss:.1f}."
        )
    print(f"GC pauses during the soak (they stop bot and double alike): {results.gc}.")
    print(
        f"Times: warm-up {results.warmup_seconds:.1f} s; soak {results.seconds:.1f} s, of which "
        f"{results.pause_seconds:.1f} s paused to clear the double's records and read RSS; "
        f"whole run {wall:.1f} s (start-up and shutdown included)."
    )
    if results.deferred:
        deferred = ", ".join(f"{kind} {n}" for kind, n in results.deferred.items())
        print(f'Deferred (a slow store: "thinking…", then a follow-up): {deferred}.')
    log = results.log
    if log.warnings:
        print(f"Log records at WARNING: {log.warnings} (not errors); first: {log.first_warnings}")
    problems: list[str] = [*log.first_errors]
    problems += [f"unanswered {kind}: {n}" for kind, n in results.unanswered.items()]
    problems += [f"unexpected reply, {what}: {n}" for what, n in results.unexpected.items()]
    if results.strays:
        problems.append(f"replies nobody asked for: {results.strays}")
    problems += [str(v) for v in results.violations[:20]]
    if results.double_no_ack:
        problems.append(f"the double's unacknowledged interactions: {results.double_no_ack}")
    if problems:
        print("\nProblems:")
        for problem in problems:
            print(f"  {problem}")
    failed = results.failures()
    print(f"\nResult: {'FAIL: ' + '; '.join(failed) if failed else 'pass'}")


async def run_script(
    spec: SpecValidator | None, plan: Plan, log: LogCapture, database: str | None
) -> Results:
    with tempfile.TemporaryDirectory(prefix="faqbot-soak-") as tmp:
        async with (
            DiscordDouble(spec=spec) as double,
            pointed_at(double),
            running_bot(FaqBot(settings_in(Path(tmp), database)), double) as bot,
        ):
            assert isinstance(bot, FaqBot)
            return await run_soak(bot, double, plan, log, validate=spec is not None)


def main() -> int:
    parser = argparse.ArgumentParser(
        description="Soak the real bot with mixed interactions through the Discord double."
    )
    parser.add_argument(
        "--count", type=int, default=COUNT, help=f"interactions measured ({COUNT:,})"
    )
    parser.add_argument(
        "--in-flight", type=int, default=IN_FLIGHT, help=f"at most in flight ({IN_FLIGHT})"
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=WARMUP,
        help=f"mixed interactions before the baseline ({WARMUP:,}; "
        f"then {WARMUP_MENTIONS:,} mentions fill discord.py's message cache)",
    )
    parser.add_argument(
        "--validate",
        action="store_true",
        help="validate every request body against Discord's OpenAPI spec (off by default: "
        "the soak measures the bot)",
    )
    parser.add_argument(
        "--database",
        metavar="URL",
        help="soak on this PostgreSQL database (an empty one: the soak fills it) instead of a"
        " temporary SQLite file",
    )
    args = parser.parse_args()
    if args.count < 1 or args.in_flight < 1 or args.warmup < 0:
        parser.error("--count and --in-flight must be at least 1, --warmup at least 0")
    plan = Plan(count=args.count, in_flight=args.in_flight, warmup=args.warmup)

    spec: SpecValidator | None = None
    if args.validate:
        where = spec_path()
        if not where.is_file():
            print(f"soak: {HOW_TO_GET_SPEC.format(path=where)}", file=sys.stderr)
            return 2
        spec = load_spec(where.resolve())

    configure_script_logging()
    started = time.monotonic()
    with capture_log() as log:
        results = asyncio.run(run_script(spec, plan, log, args.database))
    print(f"Database: {'PostgreSQL' if args.database else 'SQLite (a temporary file)'}.")
    report(results, wall=time.monotonic() - started)
    return 1 if results.failures() else 0


if __name__ == "__main__":
    sys.exit(main())
