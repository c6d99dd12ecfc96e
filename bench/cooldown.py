"""Benchmark the per-user cooldown: the cost of one question as more distinct users ask.

Run with `.venv/bin/python bench/cooldown.py`. Prints a Markdown table: for 1,000, 10,000 and
100,000 distinct users all asking within one cooldown window (the worst case: nobody has gone
idle long enough to be forgotten), the mean and p99 time of `Cooldown.retry_after`, and how
many users the cooldown remembers at the end.

The cooldown's own clock is simulated (each question moves it on by window / users, so every
user asks once per window, round and round); the cost is measured with time.perf_counter_ns
in batches of BATCH calls, so the timer's own cost is spread over a batch.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from pathlib import Path

from bot.rate_limits import Cooldown

ROOT = Path(__file__).resolve().parents[1]
RATE, PER = 5, 30.0  # the bot's defaults: 5 questions per 30 s
BATCH = 1_000


class SimulatedClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def measure(users: int, questions: int) -> tuple[float, float, int]:
    """(mean µs, p99 µs of the batch means, users remembered) once every user has asked."""
    clock = SimulatedClock()
    cooldown = Cooldown(RATE, PER, clock=clock)
    step = PER / users
    for user in range(users):  # warm-up: every user asks once
        cooldown.retry_after(user)
        clock.now += step
    batches: list[float] = []
    user = 0
    for _ in range(max(1, questions // BATCH)):
        started = time.perf_counter_ns()
        for _ in range(BATCH):
            cooldown.retry_after(user)
            clock.now += step
            user = (user + 1) % users
        batches.append((time.perf_counter_ns() - started) / BATCH / 1_000)
    batches.sort()
    p99 = batches[min(len(batches) - 1, round(0.99 * (len(batches) - 1)))]
    remembered = len(cooldown)
    return statistics.fmean(batches), p99, remembered


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=200_000, help="measured calls per row")
    args = parser.parse_args()
    print(f"Python {platform.python_version()} on {platform.machine()}; {RATE} per {PER:g} s\n")
    print(
        "| distinct users in one window | µs per question (mean) | p99 of batch means | "
        "users remembered |"
    )
    print("| ---: | ---: | ---: | ---: |")
    for users in (1_000, 10_000, 100_000):
        mean, p99, remembered = measure(users, args.questions)
        print(f"| {users:,} | {mean:.2f} | {p99:.2f} | {remembered:,} |")


if __name__ == "__main__":
    main()
