"""Rate limits: how often one member may ask, and one answer per channel per window.

Plain objects on an injectable clock, with no Discord in them: the answering layer
(bot/answering/) applies them to every way a question reaches the bot.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from knowledge.text import normalise


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


@dataclass
class Posted:
    """An answer posted in a channel: when, and its link once the message exists."""

    at: float
    link: str | None = None


class BurstGuard:
    """Posts the same answer in the same channel once per window.

    When a link is shared and ten people ask the same thing at once, one answer in the
    channel is enough; the others are pointed to it. Keys are kept in order of their last
    answer, so expired ones are forgotten from the front: constant time per question and at
    most ``_MAX_KEYS`` remembered.
    """

    _MAX_KEYS = 5_000

    def __init__(self, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.window = window
        self._clock = clock
        self._seen: OrderedDict[tuple[int, str], Posted] = OrderedDict()

    def __len__(self) -> int:
        """How many (channel, key) pairs are remembered."""
        return len(self._seen)

    def earlier(self, channel_id: int, key: str) -> Posted | None:
        """The answer to ``key`` posted in the channel within the window, if any."""
        if self.window <= 0:
            return None
        now = self._clock()
        while self._seen and now - next(iter(self._seen.values())).at >= self.window:
            self._seen.popitem(last=False)
        return self._seen.get((channel_id, normalise(key)))

    def claim(self, channel_id: int, key: str) -> None:
        """Note that ``key`` is being answered in the channel now."""
        if self.window <= 0:
            return
        normalised = (channel_id, normalise(key))
        self._seen[normalised] = Posted(self._clock())
        self._seen.move_to_end(normalised)
        while len(self._seen) > self._MAX_KEYS:
            self._seen.popitem(last=False)

    def link(self, channel_id: int, key: str, link: str) -> None:
        """Where the answer claimed for ``key`` was posted, for those who ask next."""
        posted = self._seen.get((channel_id, normalise(key)))
        if posted is not None:
            posted.link = link

    def first(self, channel_id: int, key: str) -> bool:
        """True, and claimed, when nothing was posted for ``key`` in the window."""
        if self.earlier(channel_id, key) is not None:
            return False
        self.claim(channel_id, key)
        return True
