"""Group commit: the store's writes, gathered into one transaction per short window.

A commit costs far more than the row it commits (a lock, a WAL write; a round trip to a
server), and under load each write used to wait behind every earlier write's own commit. Here
the first write of a batch waits at most ``window`` seconds for others, a batch holds at most
``max_rows`` writes, and while one batch is being committed the next one gathers. Each caller
is answered only once the commit holding its row has returned: an acknowledged row is one
the database has committed.

Each write runs in a savepoint of its own, so one bad row (a failed check) fails alone; a
commit that fails fails every write of its batch, none of which had been acknowledged.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

# A few milliseconds: short against the 3 s that Discord allows for an answer, long enough
# that a burst of votes shares one commit.
WINDOW_SECONDS = 0.002
MAX_ROWS = 100

Write = Callable[[Any], Any]
# Runs writes in one transaction: each write's result, or the exception it raised, in order;
# raises when the transaction as a whole fails (then no write of it is kept).
Commit = Callable[[Sequence[Write]], Awaitable[list[Any]]]


class WriteBatcher:
    def __init__(
        self, commit: Commit, *, window: float = WINDOW_SECONDS, max_rows: int = MAX_ROWS
    ) -> None:
        self._commit = commit
        self._window = window
        self._max_rows = max_rows
        self._pending: list[tuple[Write, asyncio.Future[Any]]] = []
        self._full = asyncio.Event()
        self._flusher: asyncio.Task[None] | None = None
        self._committing: list[asyncio.Future[Any]] = []  # the batch being committed

    async def submit(self, write: Write) -> Any:
        """``write``'s result once its batch has committed; its exception, or the commit's."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        # Marks the outcome seen even when its caller has stopped waiting, or asyncio would
        # log "exception was never retrieved" for a write that failed after a timeout.
        future.add_done_callback(lambda done: done.cancelled() or done.exception())
        self._pending.append((write, future))
        if len(self._pending) >= self._max_rows:
            self._full.set()
        if self._flusher is None:
            self._flusher = asyncio.create_task(self._flush(), name="faqbot-storage-batch")
        # Shielded: a caller that stops waiting (a timeout) leaves its row in the batch, and
        # the batch is committed for the others all the same.
        return await asyncio.shield(future)

    async def settled(self) -> None:
        """Wait until the writes submitted so far have been committed or have failed.

        Reads wait for this, so a process reads its own writes as it did when every write
        was its own commit; writes submitted meanwhile are not waited for, so a read is never
        held up for long by a steady stream of them.
        """
        waiting = [future for _, future in self._pending] + self._committing
        if waiting:
            self._full.set()  # no window: commit what is pending now
            await asyncio.wait(waiting)

    async def drain(self) -> None:
        """Wait until every write submitted so far has been committed (or has failed)."""
        while self._flusher is not None:
            self._full.set()
            await asyncio.shield(self._flusher)

    async def _flush(self) -> None:
        try:
            while self._pending:
                if len(self._pending) < self._max_rows:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._full.wait(), self._window)
                batch = self._pending[: self._max_rows]
                del self._pending[: self._max_rows]
                self._full.clear()
                if len(self._pending) >= self._max_rows:
                    self._full.set()
                await self._commit_batch(batch)
        finally:
            self._flusher = None

    async def _commit_batch(self, batch: list[tuple[Write, asyncio.Future[Any]]]) -> None:
        self._committing = [future for _, future in batch]
        try:
            results = await self._commit([write for write, _ in batch])
        except Exception as exc:
            results = [exc] * len(batch)
        finally:
            self._committing = []
        for (_, future), result in zip(batch, results, strict=True):
            if future.done():
                continue
            if isinstance(result, BaseException):
                future.set_exception(result)
            else:
                future.set_result(result)
