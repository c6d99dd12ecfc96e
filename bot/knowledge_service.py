"""The FAQ the bot is serving right now, and the watcher that swaps in valid edits.

A request reads ``service.current`` once and uses that snapshot throughout, so it never sees
half of an old FAQ and half of a new one: a reload builds a complete new snapshot off the
event loop and replaces the reference in one assignment.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from knowledge.loader import load_knowledge_base
from knowledge.matching import Matcher
from knowledge.problems import Problem

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReloadOutcome:
    changed: bool
    version: str
    problems: Sequence[Problem]

    @property
    def ok(self) -> bool:
        return not any(p.is_error for p in self.problems)


class KnowledgeError(RuntimeError):
    """The FAQ could not be loaded at start-up; the message lists the problems."""


def _fingerprint(directory: Path) -> tuple[tuple[str, int, int], ...]:
    """Names, sizes and modification times: enough to notice a saved edit cheaply."""
    try:
        return tuple(
            sorted(
                (p.name, p.stat().st_size, p.stat().st_mtime_ns)
                for p in directory.iterdir()
                if p.suffix in {".yaml", ".yml"}
            )
        )
    except OSError:
        return ()


class KnowledgeService:
    def __init__(self, faq_dir: Path) -> None:
        self.faq_dir = faq_dir
        result = load_knowledge_base(faq_dir)
        if result.knowledge_base is None:
            raise KnowledgeError("\n".join(str(p) for p in result.errors))
        self.current = Matcher(result.knowledge_base)
        self._seen = _fingerprint(faq_dir)
        self._lock = asyncio.Lock()

    @property
    def version(self) -> str:
        return self.current.knowledge_base.version

    async def reload(self) -> ReloadOutcome:
        """Re-read the FAQ; swap it in only if the whole of it is valid."""
        async with self._lock:
            fingerprint = _fingerprint(self.faq_dir)
            result = await asyncio.to_thread(load_knowledge_base, self.faq_dir)
            self._seen = fingerprint
            if result.knowledge_base is None:
                for problem in result.errors:
                    log.error("FAQ edit refused, still serving %s: %s", self.version, problem)
                return ReloadOutcome(False, self.version, result.problems)
            matcher = await asyncio.to_thread(Matcher, result.knowledge_base)
            changed = result.knowledge_base.version != self.version
            self.current = matcher
            if changed:
                log.info(
                    "FAQ reloaded: version %s, %d entries",
                    self.version,
                    len(matcher.knowledge_base.entries),
                )
            return ReloadOutcome(changed, self.version, result.problems)

    async def watch(self, interval: float) -> None:
        """Poll the FAQ directory and reload after an edit has settled.

        Polling a dozen files every few seconds costs nothing and needs no dependency. A
        change is acted on once the directory looks the same on two polls in a row, so an
        editor's save in several steps is read when it is finished.
        """
        pending: tuple[tuple[str, int, int], ...] | None = None
        while True:
            await asyncio.sleep(interval)
            now = _fingerprint(self.faq_dir)
            if now == self._seen:
                pending = None
            elif now == pending:
                try:
                    await self.reload()
                except Exception:  # the watcher must outlive any one bad reload
                    log.exception("FAQ reload failed; still serving %s", self.version)
                pending = None
            else:
                pending = now
