"""Interactions that arrived too late to answer: dropped before any work, counted, summarised.

Discord accepts an interaction's acknowledgement only within 3 seconds of creating it. In a
burst bigger than the bot can answer in that time, every handler used to start at once: each
did its work (matching, rendering, building the request) before any answer went out, then the
answers queued behind each other for the HTTP connections, and nearly all arrived late
together (of 2,000 at once, 31 were answered in time; the rest were refused, each with a
WARNING). Now handlers take turns, oldest first, as many at once as there are connections
for their answers, and one that has grown too old to be answered in time while waiting for
its turn is dropped without any work: the bot answers what it can and degrades instead.

How old an interaction is: its id is a snowflake stamped with the moment Discord created it,
on Discord's clock. That is the only measure that includes the time spent before the bot's
code sees the event, which is where a burst's waiting happens; the moment the event reaches
a handler is the end of the wait, not its start. But the bot's clock is not Discord's: a host
clock 3 s fast would make every interaction look expired, and the bot would drop them all.
So the bot's clock is corrected by the smallest lag it has recently seen between an id's time
and its arrival (clock offset plus network delay, with no queueing), which makes an age the
time an interaction spent waiting beyond the best recent case. Arrival times are read from
the monotonic clock (anchored to the wall clock once), so a wall-clock step while the bot
runs does not move the estimate either.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable

import discord

log = logging.getLogger(__name__)

ACK_DEADLINE_SECONDS = 3.0
# An interaction at least this old when its turn comes is dropped. The rest of the 3 s covers
# the handler's own work (milliseconds), the callback's round trip to Discord and the
# gateway's delivery, which the age leaves out (see above).
DROP_AFTER_SECONDS = 2.7
SUMMARY_SECONDS = 10.0
# Interactions worked on at once, by default; FaqBot passes its number of HTTP connections.
TURNS = 32
# How far back the smallest lag (the clock offset) is taken from: long enough to outlast a
# sustained overload, in which every recent interaction has waited; clocks drift by far less
# than a millisecond in that time.
OFFSET_WINDOW_SECONDS = 600.0


def steady_wall_clock() -> Callable[[], float]:
    """Wall-clock seconds that move with the monotonic clock: immune to clock steps."""
    anchor = time.time() - time.monotonic()
    return lambda: anchor + time.monotonic()


class RecentMinimum:
    """The smallest value added within the last ``window`` seconds (to one bucket's width)."""

    BUCKETS = 10

    def __init__(self, window: float) -> None:
        self._width = window / self.BUCKETS
        self._minima: deque[tuple[int, float]] = deque()

    def add(self, now: float, value: float) -> float:
        """Add ``value`` seen at ``now``; the smallest value of the window, this one included."""
        bucket = int(now // self._width)
        if self._minima and self._minima[-1][0] == bucket:
            if value < self._minima[-1][1]:
                self._minima[-1] = (bucket, value)
        else:
            self._minima.append((bucket, value))
        while self._minima[0][0] <= bucket - self.BUCKETS:
            self._minima.popleft()
        return min(minimum for _, minimum in self._minima)


class LateInteractions:
    """Decides which interactions are too old to answer, and counts those it drops."""

    def __init__(
        self,
        *,
        drop_after: float = DROP_AFTER_SECONDS,
        summary_seconds: float = SUMMARY_SECONDS,
        clock: Callable[[], float] | None = None,
        turns: int = TURNS,
    ) -> None:
        self.drop_after = drop_after
        self.summary_seconds = summary_seconds
        self.dropped_total = 0
        self._clock = clock or steady_wall_clock()
        self._offset = RecentMinimum(OFFSET_WINDOW_SECONDS)
        self._dropped = 0  # since the last summary
        self._oldest = 0.0
        self._first_dropped_at = 0.0
        self._summary: asyncio.TimerHandle | None = None
        self._turns = asyncio.Semaphore(turns)
        # By object, not id: Discord may deliver one interaction twice (a replay on resume).
        self._holding: set[discord.Interaction] = set()

    def age(self, interaction_id: int) -> float:
        """Seconds the interaction has waited beyond the smallest recent lag (see above)."""
        now = self._clock()
        lag = now - discord.utils.snowflake_time(interaction_id).timestamp()
        return lag - self._offset.add(now, lag)

    def too_late(self, interaction: discord.Interaction) -> bool:
        """True, and counted, when ``interaction`` should get no answer and no work at all.

        Call it first thing for every interaction: each one also keeps the clock offset
        current.
        """
        age = self.age(interaction.id)
        if age < self.drop_after:
            return False
        self.dropped_total += 1
        self._dropped += 1
        self._oldest = max(self._oldest, age)
        if self._summary is None:
            self._first_dropped_at = self._clock()
            loop = asyncio.get_running_loop()
            self._summary = loop.call_later(self.summary_seconds, self.summarise)
        return True

    async def admit(self, interaction: discord.Interaction) -> bool:
        """Wait for a turn to answer ``interaction``; False (and counted) when too late.

        At most ``turns`` interactions are between here and their acknowledgement at once,
        taken oldest first. In a burst, every handler would otherwise do its work (matching,
        rendering, building the request) before any answer could go out, and the answers
        would then queue for the HTTP connections behind each other: all late together.
        With turns, those being answered go out at once, and one that has grown too old
        while waiting for its turn is dropped instead of started. The turn is given back by
        ``acknowledged`` or, at the latest, when the handler's task ends.
        """
        if self.too_late(interaction):
            return False
        await self._turns.acquire()
        if self.too_late(interaction):
            self._turns.release()
            return False
        self._holding.add(interaction)
        task = asyncio.current_task()
        if task is not None:
            task.add_done_callback(lambda _: self.acknowledged(interaction))
        return True

    def acknowledged(self, interaction: discord.Interaction) -> None:
        """``interaction`` has its response (or deferral): its turn goes to the next one."""
        if interaction in self._holding:
            self._holding.discard(interaction)
            self._turns.release()

    def summarise(self) -> None:
        """One line for the drops since the last one (also called when the bot closes)."""
        if self._summary is not None:
            self._summary.cancel()
            self._summary = None
        if not self._dropped:
            return
        log.warning(
            "dropped %s interaction(s) that arrived too late to answer in the last %.0f s "
            "(the oldest had waited %.1f s; Discord allows %g s): more came at once than the "
            "bot could answer in time",
            f"{self._dropped:,}",
            max(1.0, self._clock() - self._first_dropped_at),
            self._oldest,
            ACK_DEADLINE_SECONDS,
        )
        self._dropped, self._oldest = 0, 0.0
