"""What keeps the bot safe in a public server: no pings, a question length cap, rate limits."""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable

import discord

from knowledge.text import normalise

# Every message the bot sends uses this: FAQ answers and users' questions may contain
# @everyone, role or user mentions, and none of them may ever notify anyone.
NO_PINGS = discord.AllowedMentions.none()

# This bot's limit on a question (Discord allows 6,000 characters in a string option): /ask
# declares it as the option's max_length, and mentions are cut to the same length.
MAX_QUESTION_LENGTH = 300


class Cooldown:
    """At most ``rate`` uses per ``per`` seconds for each key (a user id)."""

    def __init__(self, rate: int, per: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.per = per
        self._clock = clock
        self._uses: dict[Hashable, deque[float]] = {}

    def retry_after(self, key: Hashable) -> float:
        """0 and record a use when allowed; otherwise the seconds until the next use is."""
        if self.rate <= 0:
            return 0.0
        now = self._clock()
        uses = self._uses.setdefault(key, deque())
        while uses and now - uses[0] >= self.per:
            uses.popleft()
        if len(uses) >= self.rate:
            return self.per - (now - uses[0])
        uses.append(now)
        if len(self._uses) > 10_000:  # forget idle users so the map cannot grow without end
            self._uses = {k: v for k, v in self._uses.items() if v and now - v[-1] < self.per}
        return 0.0


class BurstGuard:
    """Answers the same question in the same channel once per window.

    When a link is shared and ten people ask the same thing at once, one answer in the
    channel is enough; the others are told it was just answered.
    """

    _MAX_KEYS = 5_000

    def __init__(self, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.window = window
        self._clock = clock
        self._seen: OrderedDict[tuple[int, str], float] = OrderedDict()

    def first(self, channel_id: int, question: str) -> bool:
        if self.window <= 0:
            return True
        now = self._clock()
        key = (channel_id, normalise(question))
        last = self._seen.get(key)
        if last is not None and now - last < self.window:
            return False
        self._seen[key] = now
        self._seen.move_to_end(key)
        while len(self._seen) > self._MAX_KEYS:
            self._seen.popitem(last=False)
        return True
