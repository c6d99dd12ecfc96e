"""The bot's one matching thread, and how much work is queued for it.

Matching is CPU-bound (~10 ms of model time per question) and holds the GIL in its Python
parts, so it runs on one worker thread: more threads only starve the event loop (a 500-question
burst: 214 acknowledged in time with asyncio's six default threads, 495 with one;
bench/discord_roundtrip.py --bursts). The backlog tells the answering code when a question
will wait long enough that it should be acknowledged first and answered by a follow-up.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from knowledge.matching import Matcher, MatchResult


class MatchingQueue:
    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="faqbot-match")
        self._queued = 0

    @property
    def backlog(self) -> int:
        """Questions submitted and not yet matched."""
        return self._queued

    async def match(self, matcher: Matcher, question: str) -> MatchResult:
        self._queued += 1
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._executor, matcher.match, question)
        finally:
            self._queued -= 1

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
