"""The bot's own handler tasks that are answering someone: what a graceful shutdown waits for.

Each handler that answers an interaction or a message registers the task it runs in when it
starts, and the task leaves the set when it ends. Tracking the work the bot starts itself,
rather than finding discord.py's tasks by the names it gives them, keeps the drain on public
API: those names are private and may change in any release.
"""

from __future__ import annotations

import asyncio
from typing import Any


class InFlight:
    """Handler tasks that have started answering and not yet finished."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def __len__(self) -> int:
        return len(self._tasks)

    def track_current_task(self) -> None:
        """Count the running task as answering someone until it ends."""
        task = asyncio.current_task()
        if task is None or task in self._tasks:
            return
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self, grace: float) -> bool:
        """Wait up to ``grace`` seconds for every tracked task; True if none is left.

        Tasks that start while it waits are waited for too: a question that arrives during
        shutdown is still turned away with a reply, and that reply should go out before the
        connection closes. The caller's own task is never waited for. (A bound, not a timeout
        that raises: shutdown closes the bot whether or not every answer finished.)
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        me = asyncio.current_task()
        while True:
            waiting = self._tasks - {me} if me is not None else set(self._tasks)
            if not waiting:
                return True
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            await asyncio.wait(waiting, timeout=remaining)
