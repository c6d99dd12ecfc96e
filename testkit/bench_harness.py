"""What the benchmarks that run the real bot against the loopback Discord double share.

Used by bench/discord_roundtrip.py and testkit/soak.py (so by bench/soak.py and
tests/scenarios/test_soak.py): process measurements (RSS from /proc/self/status, garbage-collector
pauses, a census of live asyncio tasks), waiting for the bot's handlers to finish, the
question mix, the bot's settings, and the machine line of a report.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import platform
import random
import shutil
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import discord

from bot.client import FaqBot
from bot.config import Settings
from knowledge.evaluation import read_evaluation_set
from knowledge.loader import SHIPPED_FAQ_DIR, load_knowledge_base

ROOT = Path(__file__).resolve().parents[1]
EVAL_FILE = ROOT / "tests" / "data" / "eval.yaml"
SETTLE_TIMEOUT = 10.0  # seconds to wait for the bot's handler tasks to finish

# aiohttp's web server runs one task per open connection, under this coroutine name.
CONNECTION_TASK = "RequestHandler.start"


# --- measurements ---------------------------------------------------------------------


@dataclass
class Outcome:
    """One interaction as the double saw it."""

    dispatched_at: float
    received_at: float | None = None  # callback received; None if none came
    status: int = 0  # the double's answer to the callback

    @property
    def acknowledged(self) -> bool:
        return 200 <= self.status < 300

    @property
    def latency(self) -> float | None:
        return None if self.received_at is None else self.received_at - self.dispatched_at


def percentile(samples: Sequence[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def latencies_ms(outcomes: Iterable[Outcome]) -> list[float]:
    return [o.latency * 1e3 for o in outcomes if o.latency is not None]


def rss_mb() -> float:
    return _status_kb("VmRSS") / 1024


def peak_rss_mb() -> float:
    return _status_kb("VmHWM") / 1024


def _status_kb(key: str) -> int:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{key} not in /proc/self/status")


def settled_rss_mb() -> float:
    with GC_PAUSES.ignored():
        gc.collect()
    return rss_mb()


class GcPauses:
    """How long the garbage collector stopped the (shared) event loop, by generation: a
    full collection walks every object in the process and lands in whichever round trip
    is in flight, so it explains the worst latencies."""

    def __init__(self) -> None:
        self.pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
        self._started = 0.0
        self._recording = False

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if not self._recording:
            return
        if phase == "start":
            self._started = time.perf_counter()
        elif self._started:
            self.pauses[info["generation"]].append(time.perf_counter() - self._started)
            self._started = 0.0

    def start(self) -> None:
        if self._callback not in gc.callbacks:
            gc.callbacks.append(self._callback)
        self._recording = True

    def stop(self) -> None:
        self._recording = False
        if self._callback in gc.callbacks:
            gc.callbacks.remove(self._callback)

    def reset(self) -> None:
        for pauses in self.pauses.values():
            pauses.clear()

    @contextlib.contextmanager
    def ignored(self) -> Iterator[None]:
        """Leave out the script's own gc.collect() before an RSS reading."""
        recording, self._recording = self._recording, False
        try:
            yield
        finally:
            self._recording = recording

    def summary(self) -> str:
        return "; ".join(
            f"gen{g} {len(p)}x, longest {max(p) * 1e3:.1f} ms" if p else f"gen{g} 0x"
            for g, p in sorted(self.pauses.items(), reverse=True)
        )


GC_PAUSES = GcPauses()


def task_census() -> Counter[str]:
    """Live asyncio tasks by coroutine name (aiohttp's connection tasks have no name)."""
    return Counter(getattr(t.get_coro(), "__qualname__", t.get_name()) for t in asyncio.all_tasks())


async def settle_handlers(bot: FaqBot, within: float = SETTLE_TIMEOUT) -> bool:
    """Wait until none of the bot's handlers is answering (the /ask handler logs the
    question to SQLite after its callback); False if some still were after `within` s."""
    await asyncio.sleep(0)  # let handlers for events just delivered start and register
    return await bot.in_flight.drain(within)


# --- what is asked --------------------------------------------------------------------


def question_mix(seed: int = 5) -> tuple[list[str], list[str]]:
    """(questions for /ask, partial texts for autocomplete), in a fixed shuffled order.

    /ask: the evaluation set's in-scope and out-of-scope questions (as users type them)
    and the FAQ's own questions (what a picked autocomplete choice sends). Autocomplete:
    prefixes of the same questions, cut after a random number of characters.
    """
    evaluation = read_evaluation_set(EVAL_FILE)
    loaded = load_knowledge_base(SHIPPED_FAQ_DIR)
    assert loaded.knowledge_base is not None
    faq_questions = [e.question for e in loaded.knowledge_base.entries]
    questions = [q for q, _ in evaluation.in_scope] + list(evaluation.out_of_scope) + faq_questions
    rng = random.Random(seed)
    rng.shuffle(questions)
    partials = [q[: rng.randint(1, len(q))] for q in questions]
    rng.shuffle(partials)
    return questions, partials


def cycle(items: Sequence[str], count: int, start: int = 0) -> list[str]:
    return [items[(start + i) % len(items)] for i in range(count)]


def settings_in(tmp: Path, database: str | None = None) -> Settings:
    """The bot's settings as tests/support/bot_fixtures.py builds them: a temporary copy of the
    shipped FAQ and a temporary database (or ``database``, a postgresql:// URL)."""
    faq_dir = tmp / "faq"
    shutil.copytree(SHIPPED_FAQ_DIR, faq_dir)
    return Settings(
        _env_file=None,  # the developer's .env (a dev guild id, say) must not steer the bench
        faq_dir=faq_dir,
        database=database or tmp / "data" / "faqbot.sqlite3",
        data_dir=tmp / "data",
        health_file=tmp / "data" / "health.json",
        # One simulated user asks thousands of questions: no cooldown or burst refusals.
        ask_rate=1_000_000,
        burst_seconds=0,
    )


# --- reporting ------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_line() -> str:
    usable = len(os.sched_getaffinity(0))
    return (
        f"Machine: {cpu_model()}, {os.cpu_count()} cores ({usable} usable), "
        f"{platform.system()}, Python {platform.python_version()}, "
        f"discord.py {discord.__version__}"
    )


def verdict(ok: bool) -> str:
    return "pass" if ok else "**FAIL**"


def configure_script_logging() -> None:
    """Warnings and errors to stderr, without discord.py's start-up note that voice support
    is missing (the bot has no voice)."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("discord.client").addFilter(
        lambda record: "voice will NOT be supported" not in record.getMessage()
    )
