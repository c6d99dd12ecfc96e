"""Benchmark the real bot end to end against the loopback Discord API double.

Run with `.venv/bin/python -m bench.discord_roundtrip` (`--quick` for a smoke run of a few
seconds, `--help` for the sizes). Prints the machine and a Markdown table with a target
and a pass/fail column for each figure:

1. sequential /ask round trips: p50 / p99 / max latency;
2. a burst of concurrent /ask interactions: how many were acknowledged, the time from the
   first dispatch to the last callback, the worst latency;
3. autocomplete interactions on partial text (prefixes of questions): p50 / p99;
4. resident memory (VmRSS from /proc/self/status) before the runs and after --total
   interactions in all, its growth, and the number of live asyncio tasks before and after.

Run it from the project root as `python -m bench.discord_roundtrip`: the double
(testkit/discord_double/) and the helpers this shares with the soak (testkit/bench_harness.py)
are imported from the project root, which `-m` puts on the path. The bot is FaqBot built from
Settings the way tests/support/bot_fixtures.py builds them (a temporary copy of the shipped
FAQ, a temporary database, ask_rate high, burst_seconds 0), run in this process with
running_bot() against DiscordDouble on 127.0.0.1.

What a latency is: the double's own timestamps, both time.monotonic(). The start is
InteractionRecord.dispatched_at, taken when the double starts the INTERACTION_CREATE
(before it is encoded and written to the gateway socket); the end is the received_at of the
callback's RecordedRequest, taken once the double has read the request body and before it
validates it. So a figure covers gateway encode/send, discord.py's parsing and dispatch, the
bot's handler (matching, rendering), discord.py's HTTP request and aiohttp on both sides.

Bot and double share one process and one event loop: the RSS and the task counts are the
two together, and each figure includes the double's own work for the interactions in flight
(with validation on, checking every request body against Discord's OpenAPI spec). The
double keeps every request, interaction and message it sees; the script clears those
records (after checking them, outside the measured round trips) every 100 interactions
and after the burst, so the RSS growth is the bot's, not the double's logs.

Spec validation: by default the double validates every REST body against the OpenAPI spec
(../shared/discord-api-spec/openapi.json, or $FAQBOT_DISCORD_SPEC); if the spec is absent
the script exits with a message. --no-validate runs the double with spec=None (its
constructor's documented way to skip validation) and needs no spec.

--bursts 1000,2000,3000 runs only bursts of those sizes instead (after the warm-up, one at a
time, the bot settled in between) and prints how many of each burst were answered within
Discord's 3 seconds, how many callbacks came too late (refused with 10062, as Discord
refuses them), how many the bot dropped unanswered because they were already too old to
answer in time (its own count), and when the last in-time answer came. A burst larger than
the machine can answer in 3 s is expected to lose some; what matters is that it degrades
(answers about as many as it can) rather than collapses (works on everything, answers
almost nothing in time). Violations are expected there (late and missing acknowledgements)
and do not fail the run.

Exit status: 0 when the run completed, whatever the performance figures; 1 when the double
recorded a violation (late, missing or duplicate acknowledgement, spec error, ...) or an
interaction went unanswered; 2 when the spec is missing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.client import FaqBot
from testkit.bench_harness import (
    GC_PAUSES,
    Outcome,
    configure_script_logging,
    cycle,
    latencies_ms,
    machine_line,
    peak_rss_mb,
    percentile,
    question_mix,
    settings_in,
    settle_handlers,
    settled_rss_mb,
    task_census,
    verdict,
)
from testkit.discord_double import (
    DiscordDouble,
    RecordedRequest,
    Violation,
    pointed_at,
    running_bot,
)
from testkit.discord_double.handlers import CALLBACK
from testkit.discord_double.spec import HOW_TO_GET_SPEC, SpecValidator, load_spec, spec_path

# Targets: (figure, limit).
SEQUENTIAL_P99_MS = 5.0
BURST_WITHIN_S = 1.0
AUTOCOMPLETE_P99_MS = 3.0
RSS_LIMIT_MB = 120.0
RSS_GROWTH_MB = 10.0

WARMUP = 20  # of each kind, before anything is measured; counted in --total
TASK_LEGEND = {
    "RequestHandler.start": "the double's aiohttp server task for each open HTTP connection "
    "(discord.py's connector has no limit, so a burst opens one connection per request and "
    "keeps them alive in its pool)",
    "BaseView.__timeout_task_impl": "discord.py's timeout task of a View the bot sent "
    "(an ephemeral response's View with timeout=None gets 15 minutes)",
}
SOAK_WAVE = 50  # interactions in flight at once during the memory run
CLEAR_EVERY = 100  # interactions between clearings of the double's records (not in a burst)
RSS_EVERY = 1_000  # interactions between RSS samples in the memory run
ANSWER_TIMEOUT = 30.0  # seconds to wait for callbacks before calling them missing

Payload = dict[str, object]


# --- driving the double ---------------------------------------------------------------


class Harness:
    """Sends interactions through the double and collects their callbacks.

    Callback requests are indexed by interaction id as they arrive, reading the double's
    request log incrementally, so waiting stays cheap however long the log grows.
    """

    def __init__(self, double: DiscordDouble, bot: FaqBot) -> None:
        self.double = double
        self.bot = bot
        self.callbacks: dict[str, RecordedRequest] = {}
        self._read = 0
        self.interactions_sent = 0
        self.unacknowledged: list[Violation] = []

    def _index(self) -> None:
        requests = self.double.requests
        for request in requests[self._read :]:
            if request.template == CALLBACK:
                self.callbacks.setdefault(request.path.split("/")[2], request)
        self._read = len(requests)

    async def ask(self, question: str) -> str:
        payload = await self.double.slash_command("ask", {"question": question})
        self.interactions_sent += 1
        return str(payload["id"])

    async def autocomplete(self, partial: str) -> str:
        payload = await self.double.autocomplete("ask", {"question": partial}, focused="question")
        self.interactions_sent += 1
        return str(payload["id"])

    async def wait_answered(self, ids: Iterable[str]) -> None:
        """Until each interaction's callback has been answered by the double (or timeout:
        after ANSWER_TIMEOUT the missing ones show as unacknowledged)."""
        pending = set(ids)

        def find() -> bool | None:
            self._index()
            done = [i for i in pending if (r := self.callbacks.get(i)) is not None and r.status]
            pending.difference_update(done)
            return True if not pending else None

        with contextlib.suppress(TimeoutError):
            await self.double.changes.wait_for(find, timeout=ANSWER_TIMEOUT, what="callbacks")

    def outcome(self, interaction_id: str) -> Outcome:
        record = self.double.interactions[interaction_id]
        request = self.callbacks.get(interaction_id)
        if request is None:
            return Outcome(record.dispatched_at)
        return Outcome(record.dispatched_at, request.received_at, request.status)

    async def one(self, send: Callable[[str], Awaitable[str]], text: str) -> Outcome:
        interaction_id = await send(text)
        await self.wait_answered([interaction_id])
        return self.outcome(interaction_id)

    async def many(self, send: Callable[[str], Awaitable[str]], texts: Sequence[str]) -> list[str]:
        """Dispatch all at once, then wait for every callback."""
        ids = await asyncio.gather(*(send(t) for t in texts))
        await self.wait_answered(ids)
        return list(ids)

    async def settle(self) -> None:
        """Wait for the bot's handlers to finish (the /ask handler logs the question to
        SQLite after its callback), so nothing is in flight when records are cleared."""
        await settle_handlers(self.bot)

    async def clear_records(self) -> None:
        """Forget the double's per-interaction records once they have been checked."""
        await self.settle()
        self._index()
        self.unacknowledged.extend(self.double.unacknowledged())
        self.double.requests.clear()
        self.double.interactions.clear()
        self.double.messages.clear()
        self.callbacks.clear()
        self._read = 0


# --- the run --------------------------------------------------------------------------


@dataclass
class Sizes:
    sequential: int
    burst: int
    autocomplete: int
    total: int


@dataclass
class Results:
    sequential: list[Outcome] = field(default_factory=list)
    burst: list[Outcome] = field(default_factory=list)
    autocomplete: list[Outcome] = field(default_factory=list)
    soak: list[Outcome] = field(default_factory=list)
    rss_at_ready: float = 0.0
    rss_before: float = 0.0
    rss_after: float = 0.0
    rss_trend: list[tuple[str, float]] = field(default_factory=list)
    peak_rss: float = 0.0
    tasks_before: Counter[str] = field(default_factory=Counter)
    tasks_after: Counter[str] = field(default_factory=Counter)
    interactions: int = 0
    violations: list[Violation] = field(default_factory=list)
    phase_seconds: dict[str, float] = field(default_factory=dict)
    gc: str = ""
    pooled: int = 0  # HTTP connections in discord.py's pool at the end


async def run(spec: SpecValidator | None, sizes: Sizes) -> Results:
    results = Results()
    questions, partials = question_mix()
    with tempfile.TemporaryDirectory(prefix="faqbot-bench-") as tmp:
        settings = settings_in(Path(tmp))
        async with (
            DiscordDouble(spec=spec) as double,
            pointed_at(double),
            running_bot(FaqBot(settings), double) as bot,
        ):
            h = Harness(double, bot)
            results.rss_at_ready = settled_rss_mb()
            await h.settle()
            results.tasks_before = task_census()

            # Warm-up: first-use costs (spec validators compiled, caches filled).
            await h.many(h.ask, cycle(questions, WARMUP, 1000))
            await h.many(h.autocomplete, cycle(partials, WARMUP, 1000))
            await h.clear_records()
            results.rss_before = settled_rss_mb()
            GC_PAUSES.start()

            started = time.monotonic()
            for i, question in enumerate(cycle(questions, sizes.sequential), 1):
                results.sequential.append(await h.one(h.ask, question))
                if i % CLEAR_EVERY == 0:
                    await h.clear_records()  # outside the measured round trips
            results.phase_seconds["sequential"] = time.monotonic() - started
            await h.clear_records()
            results.rss_trend.append(("after sequential", settled_rss_mb()))

            started = time.monotonic()
            ids = await h.many(h.ask, cycle(questions, sizes.burst, 7))
            results.burst = [h.outcome(i) for i in ids]
            results.phase_seconds["burst"] = time.monotonic() - started
            await h.clear_records()
            results.rss_trend.append(("after burst", settled_rss_mb()))

            started = time.monotonic()
            for i, partial in enumerate(cycle(partials, sizes.autocomplete), 1):
                results.autocomplete.append(await h.one(h.autocomplete, partial))
                if i % CLEAR_EVERY == 0:
                    await h.clear_records()
            results.phase_seconds["autocomplete"] = time.monotonic() - started
            await h.clear_records()
            results.rss_trend.append(("after autocomplete", settled_rss_mb()))

            # Memory run: /ask and autocomplete half and half, SOAK_WAVE in flight at once,
            # until --total interactions have been sent in all.
            started = time.monotonic()
            since_clear = since_sample = 0
            offset = 0
            while h.interactions_sent < sizes.total:
                wave = min(SOAK_WAVE, sizes.total - h.interactions_sent)
                asks = cycle(questions, (wave + 1) // 2, offset)
                parts = cycle(partials, wave // 2, offset)
                offset += wave
                ask_ids, ac_ids = await asyncio.gather(
                    h.many(h.ask, asks), h.many(h.autocomplete, parts)
                )
                results.soak.extend(h.outcome(i) for i in (*ask_ids, *ac_ids))
                since_clear += wave
                since_sample += wave
                if since_clear >= CLEAR_EVERY:
                    await h.clear_records()
                    since_clear = 0
                if since_sample >= RSS_EVERY:
                    since_sample = 0
                    results.rss_trend.append((f"{h.interactions_sent:,}", settled_rss_mb()))
            results.phase_seconds["memory run"] = time.monotonic() - started

            await h.clear_records()
            results.rss_after = settled_rss_mb()
            results.peak_rss = peak_rss_mb()
            results.tasks_after = task_census()
            GC_PAUSES.stop()
            results.gc = GC_PAUSES.summary()
            connector = getattr(bot.http, "connector", None)  # aiohttp.TCPConnector
            results.pooled = sum(len(c) for c in getattr(connector, "_conns", {}).values())
            results.interactions = h.interactions_sent
            results.violations = [*double.violations, *h.unacknowledged]
    return results


@dataclass
class BurstResult:
    size: int
    in_time: int  # callbacks accepted (within the double's 3 s deadline)
    late: int  # callbacks refused as too late (10062, a late_ack violation)
    unanswered: int  # no callback at all
    dropped: int  # the bot's own count of interactions it dropped as too old
    last_in_time: float  # seconds from the first dispatch to the last accepted callback
    settled: float  # seconds from the first dispatch until the bot's handlers were done


def dropped_so_far(bot: FaqBot) -> int:
    """The bot's count of interactions dropped as too late (0 for a bot that has none)."""
    late = getattr(bot, "late", None)
    return int(getattr(late, "dropped_total", 0))


async def run_bursts(spec: SpecValidator | None, bursts: Sequence[int]) -> list[BurstResult]:
    questions, partials = question_mix()
    found: list[BurstResult] = []
    with tempfile.TemporaryDirectory(prefix="faqbot-bench-") as tmp:
        settings = settings_in(Path(tmp))
        async with (
            DiscordDouble(spec=spec) as double,
            pointed_at(double),
            running_bot(FaqBot(settings), double) as bot,
        ):
            h = Harness(double, bot)
            await h.many(h.ask, cycle(questions, WARMUP, 1000))
            await h.many(h.autocomplete, cycle(partials, WARMUP, 1000))
            await h.clear_records()
            for size in bursts:
                dropped_before = dropped_so_far(bot)
                started = time.monotonic()
                ids = await asyncio.gather(*(h.ask(q) for q in cycle(questions, size, 7)))
                # Every answer that can still count has come 3 s after the last dispatch;
                # then wait for the bot to finish whatever it is still doing.
                await asyncio.sleep(
                    max(0.0, started + double.ack_deadline + 0.5 - time.monotonic())
                )
                await settle_handlers(bot, within=120.0)
                settled = time.monotonic() - started
                h._index()
                outcomes = [h.outcome(i) for i in ids]
                first = min(o.dispatched_at for o in outcomes)
                in_time = [o for o in outcomes if o.acknowledged]
                found.append(
                    BurstResult(
                        size=size,
                        in_time=len(in_time),
                        late=sum(
                            o.received_at is not None and not o.acknowledged for o in outcomes
                        ),
                        unanswered=sum(o.received_at is None for o in outcomes),
                        dropped=dropped_so_far(bot) - dropped_before,
                        last_in_time=max((o.received_at or 0) - first for o in in_time)
                        if in_time
                        else 0.0,
                        settled=settled,
                    )
                )
                double.violations.clear()
                await h.clear_records()
                h.unacknowledged.clear()
                await asyncio.sleep(1.0)  # let the pool's connections and the loop go quiet
    return found


def report_bursts(found: Sequence[BurstResult], validate: bool) -> None:
    print(machine_line())
    print(
        "Bursts of concurrent /ask through the double "
        f"(spec validation {'ON' if validate else 'OFF (--no-validate)'}), one at a time, "
        "the bot settled in between.\n"
    )
    print(
        "| burst | answered in time | share | answered too late (10062) | dropped by the bot "
        "| no callback | last in-time answer | bot busy for |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for b in found:
        print(
            f"| {b.size:,} | {b.in_time:,} | {b.in_time / b.size:.0%} | {b.late:,} "
            f"| {b.dropped:,} | {b.unanswered:,} | {b.last_in_time:.2f} s | {b.settled:.1f} s |"
        )


# --- the report -----------------------------------------------------------------------


def report(results: Results, sizes: Sizes, validate: bool, wall: float) -> None:
    print(machine_line())
    print(
        "Bot and Discord double in one process and one asyncio event loop on 127.0.0.1 "
        f"(the double's spec validation {'ON' if validate else 'OFF (--no-validate)'}); "
        "RSS and task counts are the two together."
    )
    print(
        "Latency = callback received by the double minus INTERACTION_CREATE dispatched by "
        f"the double (its own monotonic timestamps). Warm-up of {WARMUP} /ask + {WARMUP} "
        "autocomplete before measuring.\n"
    )

    rows: list[tuple[str, str, str, str]] = []
    seq = latencies_ms(results.sequential)
    if seq:
        seq_p99 = percentile(seq, 99)
        n = f"{len(results.sequential):,}"
        rows += [
            (f"/ask sequential ({n}): p50", f"{percentile(seq, 50):.2f} ms", "", ""),
            (
                f"/ask sequential ({n}): p99",
                f"{seq_p99:.2f} ms",
                f"≤ {SEQUENTIAL_P99_MS:g} ms",
                verdict(seq_p99 <= SEQUENTIAL_P99_MS),
            ),
            (f"/ask sequential ({n}): max", f"{max(seq):.2f} ms", "", ""),
        ]
    if results.burst:
        n = f"{len(results.burst):,}"
        acked = sum(o.acknowledged for o in results.burst)
        burst = latencies_ms(results.burst)
        first = min(o.dispatched_at for o in results.burst)
        answered = [o.received_at for o in results.burst if o.received_at is not None]
        span = (max(answered) - first) if answered else float("inf")
        complete = acked == len(results.burst)
        rows += [
            (
                f"/ask burst of {n}: acknowledged",
                f"{acked:,} / {len(results.burst):,}",
                "all",
                verdict(complete),
            ),
            (
                f"/ask burst of {n}: first dispatch → last callback",
                f"{span * 1e3:.0f} ms",
                f"≤ {BURST_WITHIN_S * 1e3:.0f} ms, all answered",
                verdict(complete and span <= BURST_WITHIN_S),
            ),
            (
                f"/ask burst of {n}: max latency",
                f"{max(burst):.0f} ms" if burst else "n/a",
                "",
                "",
            ),
        ]
    ac = latencies_ms(results.autocomplete)
    if ac:
        ac_p99 = percentile(ac, 99)
        n = f"{len(results.autocomplete):,}"
        rows += [
            (f"autocomplete ({n}): p50", f"{percentile(ac, 50):.2f} ms", "", ""),
            (
                f"autocomplete ({n}): p99",
                f"{ac_p99:.2f} ms",
                f"≤ {AUTOCOMPLETE_P99_MS:g} ms",
                verdict(ac_p99 <= AUTOCOMPLETE_P99_MS),
            ),
        ]
    soak = latencies_ms(results.soak)
    if soak:
        rows.append(
            (
                f"memory run ({len(results.soak):,}, {SOAK_WAVE} in flight): p50 / p99",
                f"{percentile(soak, 50):.2f} / {percentile(soak, 99):.2f} ms",
                "",
                "",
            )
        )
    growth = results.rss_after - results.rss_before
    total = f"{results.interactions:,}"
    rows += [
        ("RSS once the bot is ready", f"{results.rss_at_ready:.1f} MB", "", ""),
        ("RSS before the runs (after warm-up)", f"{results.rss_before:.1f} MB", "", ""),
        (
            f"RSS after {total} interactions",
            f"{results.rss_after:.1f} MB",
            f"≤ {RSS_LIMIT_MB:g} MB",
            verdict(results.rss_after <= RSS_LIMIT_MB),
        ),
        (
            "RSS growth over the runs",
            f"{growth:+.1f} MB",
            f"≤ {RSS_GROWTH_MB:g} MB",
            verdict(growth <= RSS_GROWTH_MB),
        ),
        ("peak RSS (VmHWM)", f"{results.peak_rss:.1f} MB", "", ""),
        (
            "live asyncio tasks before / after",
            f"{sum(results.tasks_before.values())} / {sum(results.tasks_after.values())}",
            "",
            "",
        ),
    ]
    kinds = Counter(v.kind for v in results.violations)
    rows.append(
        (
            "double violations (late_ack, no_ack, spec, ...)",
            ", ".join(f"{k} {c}" for k, c in sorted(kinds.items())) or "0",
            "0",
            verdict(not results.violations),
        )
    )

    print("| measure | figure | target | result |")
    print("| --- | ---: | --- | --- |")
    for name, figure, target, result in rows:
        print(f"| {name} | {figure} | {target} | {result} |")

    print()
    if results.rss_trend:
        trend = ", ".join(f"{label} {mb:.1f}" for label, mb in results.rss_trend)
        print(
            f"RSS (MB) from {results.rss_before:.1f} before the runs: {trend}, "
            f"end {results.rss_after:.1f}"
            + (
                " (a bare number: interactions sent so far)"
                if any(label[0].isdigit() for label, _ in results.rss_trend)
                else ""
            )
        )
    extra = results.tasks_after - results.tasks_before
    gone = results.tasks_before - results.tasks_after
    if extra or gone:
        diff = [f"+{c} {name}" for name, c in extra.most_common()]
        diff += [f"-{c} {name}" for name, c in gone.most_common()]
        print(f"Task difference (after - before): {', '.join(diff)}")
        known = [f"{name}: {why}" for name, why in TASK_LEGEND.items() if name in extra]
        if known:
            print("  " + "; ".join(known))
    if results.sequential and seq:
        per_trip = results.phase_seconds["sequential"] / len(results.sequential) * 1e3
        print(
            f"Sequential /ask took {per_trip:.2f} ms per round trip of wall time against "
            f"{statistics.fmean(seq):.2f} ms mean latency: the rest is mostly the double "
            "checking and answering each callback after receiving it"
            + (" (OpenAPI validation included)" if validate else "")
            + " and the harness noticing the answer."
        )
    if results.pooled:
        print(f"discord.py's HTTP pool ends holding {results.pooled} open connections.")
    print(f"GC pauses during the runs (they stop bot and double alike): {results.gc}")
    phases = ", ".join(f"{k} {v:.1f} s" for k, v in results.phase_seconds.items())
    print(f"Phases: {phases}; whole run {wall:.1f} s (start-up and shutdown included)")
    print(
        f"Sizes: sequential {sizes.sequential:,}, burst {sizes.burst:,}, autocomplete "
        f"{sizes.autocomplete:,}, total {sizes.total:,} (warm-up and memory run included)"
    )
    if results.violations:
        print(f"\nThe double recorded {len(results.violations)} violation(s):")
        for violation in results.violations[:20]:
            print(f"  {violation}")
        if len(results.violations) > 20:
            print(f"  ... and {len(results.violations) - 20} more")


def main() -> int:
    parser = argparse.ArgumentParser(
        description="Round trips of the real bot against the loopback Discord double."
    )
    parser.add_argument("--sequential", type=int, default=1_000, help="sequential /ask (1000)")
    parser.add_argument("--burst", type=int, default=500, help="concurrent /ask burst (500)")
    parser.add_argument("--autocomplete", type=int, default=1_000, help="autocompletes (1000)")
    parser.add_argument(
        "--total",
        type=int,
        default=10_000,
        help="interactions in all before the final RSS reading; the memory run makes up "
        "the difference (10000)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: 100 / 50 / 100, 1000 in all"
    )
    parser.add_argument(
        "--no-validate",
        action="store_true",
        help="run the double with spec=None: no OpenAPI validation, no spec file needed",
    )
    parser.add_argument(
        "--bursts",
        type=lambda text: [int(n) for n in text.split(",")],
        help="only bursts of these sizes, e.g. 1000,2000,3000: answered in time vs dropped",
    )
    args = parser.parse_args()
    if args.quick:
        sizes = Sizes(sequential=100, burst=50, autocomplete=100, total=1_000)
    else:
        sizes = Sizes(args.sequential, args.burst, args.autocomplete, args.total)

    spec: SpecValidator | None = None
    if not args.no_validate:
        where = spec_path()
        if not where.is_file():
            print(
                f"discord_roundtrip: {HOW_TO_GET_SPEC.format(path=where)}; "
                "or pass --no-validate to benchmark without spec validation",
                file=sys.stderr,
            )
            return 2
        spec = load_spec(where.resolve())

    configure_script_logging()
    if args.bursts:
        report_bursts(asyncio.run(run_bursts(spec, args.bursts)), validate=spec is not None)
        return 0
    started = time.monotonic()
    results = asyncio.run(run(spec, sizes))
    report(results, sizes, validate=spec is not None, wall=time.monotonic() - started)
    outcomes = (*results.sequential, *results.burst, *results.autocomplete, *results.soak)
    answered = all(o.acknowledged for o in outcomes)
    return 1 if results.violations or not answered else 0


if __name__ == "__main__":
    sys.exit(main())
