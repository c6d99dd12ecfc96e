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
    """At most ``rate`` uses per ``per`` seconds for each key (a user id).

    Constant time per use however many users ask: keys are kept in order of their last use,
    so those idle for a whole window are at the front and are forgotten from there (their
    uses would all have expired anyway), and at most ``max_keys`` are kept. Only more than
    ``max_keys`` users asking within one window evicts one still inside its window (the least
    recently active), which lets that user ask again early: memory stays bounded.
    """

    MAX_KEYS = 10_000

    def __init__(
        self,
        rate: int,
        per: float,
        clock: Callable[[], float] = time.monotonic,
        *,
        max_keys: int = MAX_KEYS,
    ) -> None:
        self.rate = rate
        self.per = per
        self.max_keys = max_keys
        self._clock = clock
        self._uses: OrderedDict[Hashable, deque[float]] = OrderedDict()

    def __len__(self) -> int:
        """How many keys are remembered."""
        return len(self._uses)

    def retry_after(self, key: Hashable) -> float:
        """0 and record a use when allowed; otherwise the seconds until the next use is."""
        if self.rate <= 0:
            return 0.0
        now = self._clock()
        self._forget_idle(now)
        uses = self._uses.get(key)
        if uses is None:
            uses = self._uses[key] = deque()
        while uses and now - uses[0] >= self.per:
            uses.popleft()
        if len(uses) >= self.rate:
            return self.per - (now - uses[0])
        uses.append(now)
        self._uses.move_to_end(key)
        while len(self._uses) > self.max_keys:
            self._uses.popitem(last=False)
        return 0.0

    def _forget_idle(self, now: float) -> None:
        while self._uses:
            last_use = next(iter(self._uses.values()))
            if last_use and now - last_use[-1] < self.per:
                return
            self._uses.popitem(last=False)


class BurstGuard:
    """Answers the same question in the same channel once per window.

    When a link is shared and ten people ask the same thing at once, one answer in the
    channel is enough; the others are told it was just answered. Keys are kept in order of
    their last answer, so expired ones are forgotten from the front: constant time per
    question and at most ``_MAX_KEYS`` remembered.
    """

    _MAX_KEYS = 5_000

    def __init__(self, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.window = window
        self._clock = clock
        self._seen: OrderedDict[tuple[int, str], float] = OrderedDict()

    def __len__(self) -> int:
        """How many (channel, question) keys are remembered."""
        return len(self._seen)

    def first(self, channel_id: int, question: str) -> bool:
        if self.window <= 0:
            return True
        now = self._clock()
        while self._seen and now - next(iter(self._seen.values())) >= self.window:
            self._seen.popitem(last=False)
        key = (channel_id, normalise(question))
        last = self._seen.get(key)
        if last is not None and now - last < self.window:
            return False
        self._seen[key] = now
        self._seen.move_to_end(key)
        while len(self._seen) > self._MAX_KEYS:
            self._seen.popitem(last=False)
        return True
