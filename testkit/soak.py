"""The soak: mixed traffic through the Discord double at a bounded number in flight.

The run itself, shared by bench/soak.py (20,000 interactions, which prints the report and
explains the figures) and tests/scenarios/test_soak.py (a short run with validation on).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import random
import time
from array import array
from collections import Counter, deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.client import FaqBot
from knowledge.matching import Decision, Matcher
from testkit.bench_harness import (
    CONNECTION_TASK,
    GC_PAUSES,
    peak_rss_mb,
    question_mix,
    settle_handlers,
    settled_rss_mb,
    task_census,
)
from testkit.discord_double import (
    DiscordDouble,
    RecordedRequest,
    Violation,
)
from testkit.discord_double.handlers import CALLBACK, WEBHOOK

COUNT = 20_000
# Tuned on the 2-core development machine (6,000 interactions each, other work running):
# throughput was flat from 4 to 50 in flight (581-665/s, within the noise; one event loop
# does the bot's and the double's work), while p99 latency rose from 16 to 370 ms and the
# HTTP pool from 4 to 47 connections. 16 keeps that many handlers interleaved at the same
# throughput, with p99 near 100 ms, far inside the 3 s acknowledgement deadline.
IN_FLIGHT = 16
WARMUP = 1_000  # mixed interactions before the baseline (not in --count)
WARMUP_MENTIONS = 1_000  # then mentions, to fill discord.py's message cache (max_messages)
CLEAR_EVERY = 1_000  # interactions between clearings of the double's records
RSS_EVERY = 2_000  # interactions between RSS samples (at a clearing)
ANSWER_TIMEOUT = 10.0  # seconds to wait for an answer before calling it missing
TASK_SETTLE = 5.0  # seconds the task census may take to return to the baseline
RSS_GROWTH_MB = 10.0
POOL = 50  # recent bot messages kept to click buttons on

# What the live asyncio tasks are, by coroutine name (see task_census).
TASK_LEGEND = {
    "Client.start": "the bot: bot.start()",
    "Shard.worker": "the bot's gateway shard",
    "KnowledgeService.watch": "the bot's FAQ reloader",
    "FaqBot._purge_daily": "the bot's log purge",
    "Heartbeat.run": "the bot's health file",
    CONNECTION_TASK: "the double: one per open connection",
    "RequestHandler._handle_request": "the double: the gateway websocket being served",
    "run_script": "the soak's main task",
    "Replies._run": "the soak's request indexer",
    "Event.wait": "the indexer waiting for the double's next record",
}
CHANNEL_MESSAGES = "/channels/{channel_id}/messages"
Payload = dict[str, Any]

# What the mix holds, by weight (percent). Kind codes index this tuple.
MIX: tuple[tuple[str, int], ...] = (
    ("/ask, answered", 18),
    ("/ask, did you mean", 8),
    ("/ask, not covered", 8),
    ("autocomplete", 20),
    ("button: related question", 10),
    ("button: feedback vote", 10),
    ("button: did-you-mean pick", 8),
    ("mention", 18),
)
ASK_ANSWER, ASK_SUGGEST, ASK_NONE, AUTOCOMPLETE, RELATED, VOTE, PICK, MENTION = range(len(MIX))
CLICKS = (RELATED, VOTE, PICK)
# What each kind's reply must be (a mention's depends on its question; see Questions).
EXPECTED = {
    ASK_ANSWER: "answer",
    ASK_SUGGEST: "suggest",
    ASK_NONE: "text",
    AUTOCOMPLETE: "choices",
    RELATED: "answer",
    VOTE: "text",
    PICK: "answer",
}


# --- what the bot replied -------------------------------------------------------------


def custom_ids(components: Any) -> list[str]:
    found: list[str] = []
    for component in components or []:
        if isinstance(component, dict):
            if "custom_id" in component:
                found.append(str(component["custom_id"]))
            found.extend(custom_ids(component.get("components")))
    return found


def message_kind(data: Payload) -> str:
    """answer (an embed), suggest (did-you-mean buttons), text (words alone, or with the menu
    a 👎 asks what was wrong with), other."""
    if data.get("embeds"):
        return "answer"
    ids = custom_ids(data.get("components"))
    if any(i.startswith("faq:pick:") for i in ids):
        return "suggest"
    if data.get("content") and all(i.startswith("faq:why:") for i in ids):
        return "text"
    return "other"


DEFERRED = "deferred"  # callback type 5: "thinking…", a follow-up to come
# Callback type 7 without an answer: the clicked message was edited (a private did-you-mean
# now says what was picked) and the answer is a follow-up.
UPDATED = "updated"


def reply_kind(request: RecordedRequest) -> str:
    body = request.body if isinstance(request.body, dict) else {}
    if request.template != CALLBACK:
        return message_kind(body)
    if body.get("type") == 8:
        return "choices"
    if body.get("type") == 4:
        return message_kind(body.get("data") or {})
    if body.get("type") == 5:
        return DEFERRED
    if body.get("type") == 7:
        kind = message_kind(body.get("data") or {})
        return kind if kind == "answer" else UPDATED
    return f"callback type {body.get('type')}"


# --- log capture ----------------------------------------------------------------------


class LogCapture(logging.Handler):
    """Counts records at WARNING and above anywhere in the process; keeps the first few."""

    KEEP = 5

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.errors = 0
        self.warnings = 0
        self.first_errors: list[str] = []
        self.first_warnings: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        line = f"{record.levelname} {record.name}: {record.getMessage()}"
        if record.exc_info and record.exc_info[1] is not None:
            line += f" ({record.exc_info[1]!r})"
        if record.levelno >= logging.ERROR:
            self.errors += 1
            kept = self.first_errors
        else:
            self.warnings += 1
            kept = self.first_warnings
        if len(kept) < self.KEEP:
            kept.append(line)


@contextlib.contextmanager
def capture_log() -> Iterator[LogCapture]:
    capture = LogCapture()
    root = logging.getLogger()
    root.addHandler(capture)
    try:
        yield capture
    finally:
        root.removeHandler(capture)


# --- finding the bot's answers --------------------------------------------------------


class Replies:
    """Indexes the double's request log as it grows, waking on the double's change signal:
    the first answered callback of each interaction (key: its id), the first follow-up of
    each interaction (key: "followup:" + its token) and the first answered reply to each
    message (key: "reply:" + its id). One indexer for all the workers, so a
    recorded request costs one look, however many are in flight."""

    def __init__(self, double: DiscordDouble) -> None:
        self.double = double
        self._read = 0
        self._open: list[RecordedRequest] = []  # recorded, not yet answered by the double
        self._found: dict[str, RecordedRequest] = {}  # answered, not yet claimed
        self._waiting: dict[str, asyncio.Future[RecordedRequest]] = {}
        self._stopping = False
        self._failed: BaseException | None = None
        self._task: asyncio.Task[None] | None = None
        self.strays = 0  # second callbacks or replies, and answers nobody waited for

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="soak-replies")

    async def stop(self) -> None:
        self._stopping = True
        self.double.changes.notify()
        if self._task is not None:
            with contextlib.suppress(Exception):
                await self._task

    async def _run(self) -> None:
        try:
            await self.double.changes.wait_for(self._scan, timeout=1e9, what="the soak's end")
        except BaseException as error:
            self._failed = error  # the bot died: fail every wait at once
            for future in self._waiting.values():
                if not future.done():
                    future.set_exception(RuntimeError(f"indexing replies failed: {error!r}"))
            self._waiting.clear()
            raise

    @staticmethod
    def _key(request: RecordedRequest) -> str | None:
        if request.template == CALLBACK:
            return request.path.split("/")[2]
        if request.template == WEBHOOK and request.method == "POST":
            return f"followup:{request.path.split('/')[3]}"
        if request.method == "POST" and request.template == CHANNEL_MESSAGES:
            body = request.body if isinstance(request.body, dict) else {}
            reference = body.get("message_reference")
            if isinstance(reference, dict) and reference.get("message_id") is not None:
                return f"reply:{reference['message_id']}"
        return None

    def _scan(self) -> bool | None:
        requests = self.double.requests
        if len(requests) > self._read:
            self._open.extend(requests[self._read :])
            self._read = len(requests)
        still_open: list[RecordedRequest] = []
        for request in self._open:
            if not request.status:
                still_open.append(request)
                continue
            key = self._key(request)
            if key is None:
                continue
            future = self._waiting.pop(key, None)
            if future is not None and not future.done():
                future.set_result(request)
            elif key in self._found:
                self.strays += 1
            else:
                self._found[key] = request
        self._open = still_open
        return True if self._stopping else None

    async def wait(self, key: str, within: float) -> RecordedRequest | None:
        """The answered request for `key`, or None after `within` seconds."""
        if self._failed is not None:
            raise RuntimeError("indexing replies failed") from self._failed
        found = self._found.pop(key, None)
        if found is not None:
            return found
        future: asyncio.Future[RecordedRequest] = asyncio.get_running_loop().create_future()
        self._waiting[key] = future
        try:
            return await asyncio.wait_for(future, within)
        except TimeoutError:
            self._waiting.pop(key, None)
            return None

    def reset(self) -> None:
        """Forget the log (the double's records were just cleared, nothing in flight)."""
        self.strays += len(self._found)  # answers that arrived after their wait gave up
        self._found.clear()
        self._open.clear()
        self._read = 0


def forget_delivered_dispatches(double: DiscordDouble) -> int:
    """Drop the dispatches the bot has already received from each gateway session's log.

    The double logs every dispatch of a session so that a RESUME can replay the ones a
    client missed, and never trims that log: a soak would measure it as growth (about 2 KB
    an interaction). Called only when the bot has answered everything sent, when a RESUME
    could replay nothing from the dropped part. Defensive: the gateway is being reworked,
    and a session without the attributes is left alone. Returns how many were dropped.
    """
    dropped = 0
    for session in getattr(double.gateway, "sessions", ()):
        log, delivered = getattr(session, "log", None), getattr(session, "delivered", None)
        if isinstance(log, list) and isinstance(delivered, int):
            kept = [d for d in log if getattr(d, "seq", 0) > delivered]
            dropped += len(log) - len(kept)
            log[:] = kept
    return dropped


# --- the plan -------------------------------------------------------------------------


@dataclass
class Plan:
    count: int = COUNT
    in_flight: int = IN_FLIGHT
    warmup: int = WARMUP
    warmup_mentions: int = WARMUP_MENTIONS
    clear_every: int = CLEAR_EVERY
    rss_every: int = RSS_EVERY
    rss_growth_mb: float = RSS_GROWTH_MB
    seed: int = 11


@dataclass
class Questions:
    """Questions sorted by what the bot's matcher makes of them."""

    answer: list[str]  # answered by /ask (FAQ questions verbatim included: a picked choice)
    suggest: list[str]
    none: list[str]
    mentions: list[tuple[str, str]]  # (question, the reply kind a mention of it gets)
    partials: list[str]

    @classmethod
    def sorted_by(cls, matcher: Matcher) -> Questions:
        questions, partials = question_mix()
        verbatim = {e.question for e in matcher.knowledge_base.entries}
        kind = {Decision.ANSWER: "answer", Decision.SUGGEST: "suggest", Decision.NONE: "text"}
        by: dict[Decision, list[str]] = {d: [] for d in kind}
        mentions: list[tuple[str, str]] = []
        for question in questions:
            decision = matcher.match(question).decision
            if decision is Decision.SMALL_TALK:
                continue  # the soak measures FAQ answering; small talk has tests of its own
            mentions.append((question, kind[decision]))
            by[Decision.ANSWER if question in verbatim else decision].append(question)
        empty = [d.value for d, qs in by.items() if not qs]
        if empty:
            raise RuntimeError(f"no question in the mix gets the outcome(s) {empty}")
        return cls(by[Decision.ANSWER], by[Decision.SUGGEST], by[Decision.NONE], mentions, partials)


Op = tuple[int, str, str]  # (kind, text, expected reply kind); clicks choose text when run


def make_ops(
    questions: Questions, count: int, rng: random.Random, kinds: Sequence[int]
) -> list[Op]:
    weights = [MIX[k][1] for k in kinds]
    positions = Counter[int]()
    texts = {
        ASK_ANSWER: questions.answer,
        ASK_SUGGEST: questions.suggest,
        ASK_NONE: questions.none,
        AUTOCOMPLETE: questions.partials,
    }
    ops: list[Op] = []
    for kind in rng.choices(kinds, weights, k=count):
        i = positions[kind]
        positions[kind] += 1
        if kind == MENTION:
            text, expected = questions.mentions[i % len(questions.mentions)]
        elif kind in texts:
            text, expected = texts[kind][i % len(texts[kind])], EXPECTED[kind]
        else:
            text, expected = "", EXPECTED[kind]
        ops.append((kind, text, expected))
    return ops


# --- the results ----------------------------------------------------------------------


@dataclass
class Results:
    plan: Plan
    log: LogCapture
    ack_deadline_ms: float = 3_000.0
    validate: bool = False
    latency_ms: array[float] = field(default_factory=lambda: array("d"))  # NaN: no answer
    kinds: bytearray = field(default_factory=bytearray)  # the kind each op ran as
    unanswered: Counter[str] = field(default_factory=Counter)  # by kind, warm-up included
    unexpected: Counter[str] = field(default_factory=Counter)  # "kind: got" -> count
    deferred: Counter[str] = field(default_factory=Counter)  # by kind: "thinking…", follow-up
    strays: int = 0
    violations: list[Violation] = field(default_factory=list)
    double_no_ack: int = 0  # the double's own count of unacknowledged interactions
    seconds: float = 0.0  # the measured run, pauses to clear records included
    pause_seconds: float = 0.0
    warmup_seconds: float = 0.0
    rss_start: float = 0.0
    rss_end: float = 0.0
    rss_trend: list[tuple[int, float]] = field(default_factory=list)
    peak_rss: float = 0.0
    tasks_start: Counter[str] = field(default_factory=Counter)
    tasks_end: Counter[str] = field(default_factory=Counter)
    task_settle_seconds: float = 0.0
    pooled_start: int = 0
    pooled_end: int = 0
    cached_messages: tuple[int, int] = (0, 0)
    load_average: tuple[float, float, float] = field(default_factory=os.getloadavg)
    gc: str = ""

    @property
    def answered(self) -> list[float]:
        return [x for x in self.latency_ms if not math.isnan(x)]

    @property
    def throughput(self) -> float:
        return self.plan.count / self.seconds if self.seconds else 0.0

    @property
    def rss_growth(self) -> float:
        return self.rss_end - self.rss_start

    def error_counts(self) -> dict[str, int]:
        return {
            "unanswered": sum(self.unanswered.values()),
            "double violations": len(self.violations),
            "ERROR log records": self.log.errors,
            "unexpected replies": sum(self.unexpected.values()) + self.strays,
        }

    @property
    def errors(self) -> int:
        return sum(self.error_counts().values())

    @property
    def connection_limit(self) -> int:
        # discord.py's pool keeps a connection per request once in flight; +1: the gateway.
        return max(self.tasks_start[CONNECTION_TASK], self.plan.in_flight + 1)

    @property
    def tasks_back(self) -> bool:
        start, end = Counter(self.tasks_start), Counter(self.tasks_end)
        connections = end.pop(CONNECTION_TASK, 0)
        start.pop(CONNECTION_TASK, None)
        return start == end and connections <= self.connection_limit

    def failures(self) -> list[str]:
        failed = []
        if self.errors:
            failed.append(f"{self.errors} error(s)")
        answered = self.answered
        if not answered or max(answered) > self.ack_deadline_ms:
            failed.append("latency over the acknowledgement deadline")
        if self.rss_growth > self.plan.rss_growth_mb:
            failed.append(f"RSS grew {self.rss_growth:.1f} MB")
        if not self.tasks_back:
            failed.append("asyncio tasks did not return to the baseline")
        return failed


# --- the run --------------------------------------------------------------------------


class Soak:
    def __init__(self, bot: FaqBot, double: DiscordDouble, plan: Plan, results: Results) -> None:
        self.bot = bot
        self.double = double
        self.plan = plan
        self.results = results
        self.rng = random.Random(plan.seed)
        self.replies = Replies(double)
        # Bot messages to click on: (message, related-question ids, vote ids); (message, picks).
        self.answers: deque[tuple[Payload, list[str], list[str]]] = deque(maxlen=POOL)
        self.with_related: deque[tuple[Payload, list[str], list[str]]] = deque(maxlen=POOL)
        self.suggestions: deque[tuple[Payload, list[str]]] = deque(maxlen=POOL)
        self.fallback = ""  # an answered question, for a click with nothing to click yet
        # Mentions go round the guild's text channels and thread: discord.py sends one
        # message at a time per channel (the double sends no rate-limit headers, so each
        # channel's bucket stays at its default limit of 1).
        world = double.world
        self.channels = [c["id"] for c in world.channels if c.get("type") == 0]
        self.channels += [t["id"] for t in world.threads]
        self.mentions_sent = 0

    # --- one interaction ---

    def _click(self, kind: int) -> tuple[str, Payload] | None:
        if kind == PICK and self.suggestions:
            # A did-you-mean is used once, as a member would: it is then taken from the pool.
            chosen = self.rng.choice(self.suggestions)
            self.suggestions.remove(chosen)
            message, picks = chosen
            return self.rng.choice(picks), message
        if kind == RELATED and self.with_related:
            message, related, _ = self.rng.choice(self.with_related)
            return self.rng.choice(related), message
        if kind == VOTE and self.answers:
            message, _, votes = self.rng.choice(self.answers)
            return self.rng.choice(votes), message
        return None

    async def one(self, op: Op, index: int) -> None:
        """Send one interaction or mention and wait for its answer; index < 0: warm-up."""
        double, results = self.double, self.results
        kind, text, expected = op
        click = self._click(kind) if kind in CLICKS else None
        if kind in CLICKS and click is None:  # nothing posted yet to click on
            kind, text, expected = ASK_ANSWER, self.fallback, EXPECTED[ASK_ANSWER]
        if kind == MENTION:
            channel = self.channels[self.mentions_sent % len(self.channels)]
            self.mentions_sent += 1
            started = time.monotonic()
            sent = await double.user_message(text, mention_bot=True, channel_id=channel)
            key = f"reply:{sent['id']}"
        else:
            if kind == AUTOCOMPLETE:
                sent = await double.autocomplete("ask", {"question": text}, focused="question")
            elif click is not None:
                sent = await double.click_button(click[0], message=click[1])
            else:
                sent = await double.slash_command("ask", {"question": text})
            key = str(sent["id"])
            started = double.interactions[key].dispatched_at
        request = await self.replies.wait(key, ANSWER_TIMEOUT)
        if index >= 0:
            results.kinds[index] = kind
        if request is None or not 200 <= request.status < 300:
            results.unanswered[MIX[kind][0]] += 1
            return
        if index >= 0:
            results.latency_ms[index] = (request.received_at - started) * 1e3
        got = reply_kind(request)
        if got in (DEFERRED, UPDATED):  # acknowledged in time; the reply is a follow-up
            if got == DEFERRED:
                results.deferred[MIX[kind][0]] += 1
            request = await self.replies.wait(f"followup:{sent['token']}", ANSWER_TIMEOUT)
            if request is None or not 200 <= request.status < 300:
                results.unanswered[MIX[kind][0]] += 1
                return
            got = message_kind(request.body if isinstance(request.body, dict) else {})
        if got != expected:
            results.unexpected[f"{MIX[kind][0]}: {got} instead of {expected}"] += 1
        elif got in ("answer", "suggest"):
            self._keep(key, request, got)

    def _keep(self, key: str, request: RecordedRequest, got: str) -> None:
        """Remember a message the bot posted, to click its buttons later."""
        if request.template == CALLBACK:
            record = self.double.interactions[key]
            message = self.double.messages.get(record.original_message_id or "")
        else:
            message = request.response if isinstance(request.response, dict) else None
        if message is None:
            return
        ids = custom_ids(message.get("components"))
        if got == "suggest":
            picks = [i for i in ids if i.startswith("faq:pick:")]
            self.suggestions.append((message, picks))
            return
        related = [i for i in ids if i.startswith("faq:related:")]
        votes = [i for i in ids if i.startswith("faq:vote:")]
        if votes:
            self.answers.append((message, related, votes))
        if related:
            self.with_related.append((message, related, votes))

    # --- many ---

    async def run_ops(self, ops: Sequence[Op], measured: bool) -> None:
        """Every op, --in-flight workers at a time, clearing the double's records (and
        sampling RSS when measured) every clear_every."""
        plan = self.plan
        for start in range(0, len(ops), plan.clear_every):
            end = min(start + plan.clear_every, len(ops))
            indices = iter(range(start, end))

            async def worker(indices: Iterator[int] = indices) -> None:
                for i in indices:
                    await self.one(ops[i], i if measured else -1)

            async with asyncio.TaskGroup() as group:
                for _ in range(min(plan.in_flight, end - start)):
                    group.create_task(worker())
            if end == len(ops):
                break  # the caller clears after the last chunk
            paused = time.monotonic()
            await self.clear()
            if measured and end % plan.rss_every < plan.clear_every:
                self.results.rss_trend.append((end, settled_rss_mb()))
            self.results.pause_seconds += time.monotonic() - paused

    async def clear(self) -> None:
        """Forget the double's records once the bot's handlers are done with them."""
        if not await settle_handlers(self.bot):
            logging.getLogger("soak").error("the bot's handlers were still running after 10 s")
        self.replies._scan()  # index what was answered since the last wake-up
        self.results.double_no_ack += len(self.double.unacknowledged())
        self.double.requests.clear()
        self.double.interactions.clear()
        self.double.messages.clear()
        self.trimmed_dispatches += forget_delivered_dispatches(self.double)
        self.replies.reset()

    trimmed_dispatches = 0

    def pooled_connections(self) -> int:
        connector = getattr(self.bot.http, "connector", None)  # aiohttp.TCPConnector
        return sum(len(c) for c in getattr(connector, "_conns", {}).values())

    async def settle_tasks(self) -> None:
        """Census until it is back at the baseline, or TASK_SETTLE has passed."""
        results = self.results
        started = time.monotonic()
        while True:
            results.tasks_end = task_census()
            results.task_settle_seconds = time.monotonic() - started
            if results.tasks_back or results.task_settle_seconds >= TASK_SETTLE:
                return
            await asyncio.sleep(0.05)

    async def run(self) -> Results:
        plan, results, bot = self.plan, self.results, self.bot
        questions = Questions.sorted_by(bot.knowledge.current.matcher)
        self.fallback = questions.answer[0]
        warmup = make_ops(questions, plan.warmup, random.Random(plan.seed + 1), range(len(MIX)))
        mentions = make_ops(
            questions, plan.warmup_mentions, random.Random(plan.seed + 2), [MENTION]
        )
        ops = make_ops(questions, plan.count, self.rng, range(len(MIX)))
        results.latency_ms = array("d", [math.nan]) * plan.count
        results.kinds = bytearray(plan.count)
        self.replies.start()
        try:
            started = time.monotonic()
            await self.run_ops(warmup, measured=False)
            await self.clear()
            await self.run_ops(mentions, measured=False)
            await self.clear()
            results.warmup_seconds = time.monotonic() - started
            del warmup, mentions

            results.rss_start = settled_rss_mb()
            results.tasks_start = task_census()
            results.pooled_start = self.pooled_connections()
            cached_start = len(bot.cached_messages)
            GC_PAUSES.reset()
            GC_PAUSES.start()
            started = time.monotonic()
            await self.run_ops(ops, measured=True)
            results.seconds = time.monotonic() - started
            GC_PAUSES.stop()
            results.gc = GC_PAUSES.summary()

            await self.clear()
            results.rss_end = settled_rss_mb()
            results.peak_rss = peak_rss_mb()
            results.pooled_end = self.pooled_connections()
            results.cached_messages = (cached_start, len(bot.cached_messages))
            await self.settle_tasks()
        finally:
            GC_PAUSES.stop()
            await self.replies.stop()
        results.strays = self.replies.strays
        results.violations = list(self.double.violations)
        return results


async def run_soak(
    bot: FaqBot, double: DiscordDouble, plan: Plan, log: LogCapture, *, validate: bool
) -> Results:
    """Soak a running bot (see running_bot) through its double; log must be capturing."""
    results = Results(plan, log, ack_deadline_ms=double.ack_deadline * 1e3, validate=validate)
    return await Soak(bot, double, plan, results).run()
