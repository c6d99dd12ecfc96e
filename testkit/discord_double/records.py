"""What the double records: requests, violations, and a way to await either."""

# ruff: noqa: ASYNC109 -- waits take timeout= so a TimeoutError can name what was awaited

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

ViolationKind = Literal[
    "spec",
    "unknown_route",
    "late_ack",
    "no_ack",
    "duplicate_ack",
    "unknown_interaction",
    "followup_before_ack",
    "mentions",
    "content_length",
    "autocomplete_choices",
    "missing_access",
    "double_error",
]


@dataclass
class RecordedRequest:
    method: str
    path: str  # relative to /api/v10, e.g. "/channels/1187.../messages"
    template: str | None  # spec form, e.g. "/channels/{channel_id}/messages"
    query: dict[str, str]
    headers: dict[str, str]
    body: Any  # parsed JSON (payload_json for multipart), None without a body
    files: list[tuple[str, str, int]] = field(default_factory=list)  # (field, filename, bytes)
    received_at: float = field(default_factory=time.monotonic)
    status: int = 0  # filled in once answered
    response: Any = None  # the JSON the double answered with

    @property
    def route(self) -> str:
        return f"{self.method} {self.template or self.path}"

    @property
    def authorization(self) -> str | None:
        return self.headers.get("Authorization")


@dataclass(frozen=True)
class Violation:
    kind: ViolationKind
    where: str  # "POST /channels/{channel_id}/messages" or "interaction 123 (slash /faq)"
    detail: str

    def __str__(self) -> str:
        return f"[{self.kind}] {self.where}: {self.detail}"


class DoubleViolations(AssertionError):
    """Raised by DiscordDouble.assert_clean with every violation listed."""

    def __init__(self, violations: list[Violation]) -> None:
        self.violations = violations
        lines = "\n".join(f"  {v}" for v in violations)
        super().__init__(f"Discord double recorded {len(violations)} violation(s):\n{lines}")


T = TypeVar("T")


class Changes:
    """Wakes waiters whenever something is recorded, so waits poll nothing.

    abort() returning an exception ends every wait at once (the bot under test died).
    """

    def __init__(self, abort: Callable[[], BaseException | None] = lambda: None) -> None:
        self._event = asyncio.Event()
        self._abort = abort

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait_for(self, find: Callable[[], T | None], *, timeout: float, what: str) -> T:
        """Return find()'s first non-None result, re-checked on each change, or time out."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            found = find()
            if found is not None:
                return found
            if (error := self._abort()) is not None:
                raise RuntimeError(f"Discord double: the bot died while awaiting {what}") from error
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(
                    f"Discord double: timed out after {timeout:g}s waiting for {what}"
                )
            event = self._event
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                continue
