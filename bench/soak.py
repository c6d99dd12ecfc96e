"""Soak the real bot with mixed traffic through the loopback Discord API double.

Run with `.venv/bin/python bench/soak.py` (`--count N`, `--in-flight N`, `--validate`; see
`--help`). It sends --count interactions (20,000 by default), mixed as MIX below says:

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

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for _path in (ROOT / "tests", ROOT):  # discord_double, and bench._double_harness
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

import argparse  # noqa: E402
import asyncio  # noqa: E402
import contextlib  # noqa: E402
import logging  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from array import array  # noqa: E402
from collections import Counter, deque  # noqa: E402
from collections.abc import Iterator, Sequence  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from typing import Any  # noqa: E402

from discord_double import (  # noqa: E402
    DiscordDouble,
    RecordedRequest,
    Violation,
    pointed_at,
    running_bot,
)
from discord_double.handlers import CALLBACK, WEBHOOK  # noqa: E402
from discord_double.spec import HOW_TO_GET_SPEC, SpecValidator, load_spec, spec_path  # noqa: E402

from bench._double_harness import (  # noqa: E402
    CONNECTION_TASK,
    GC_PAUSES,
    configure_script_logging,
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
from bot.client import FaqBot  # noqa: E402
from knowledge.matching import Decision, Matcher  # noqa: E402

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
    """answer (an embed), suggest (did-you-mean buttons), text (words alone), other."""
    if data.get("embeds"):
        return "answer"
    ids = custom_ids(data.get("components"))
    if any(i.startswith("faq:pick:") for i in ids):
        return "suggest"
    if data.get("content") and not ids:
        return "text"
    return "other"


DEFERRED = "deferred"  # callback type 5: "thinking…", a follow-up to come


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
            message, picks = self.rng.choice(self.suggestions)
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
        if got == DEFERRED:  # acknowledged in time; the reply is a follow-up
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
        questions = Questions.sorted_by(bot.knowledge.current)
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


async def run_script(spec: SpecValidator | None, plan: Plan, log: LogCapture) -> Results:
    with tempfile.TemporaryDirectory(prefix="faqbot-soak-") as tmp:
        async with (
            DiscordDouble(spec=spec) as double,
            pointed_at(double),
            running_bot(FaqBot(settings_in(Path(tmp))), double) as bot,
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
        results = asyncio.run(run_script(spec, plan, log))
    report(results, wall=time.monotonic() - started)
    return 1 if results.failures() else 0


if __name__ == "__main__":
    sys.exit(main())
