"""The FAQ the bot is serving right now, and the watcher that swaps in valid edits.

A request reads ``service.current`` (a ``FaqSnapshot``) once and uses it throughout, so it never
sees half of an old FAQ and half of a new one: a reload builds a complete new snapshot off the
event loop and replaces the reference in one assignment.

Nor does a reload read a file that is half written. A file saved in place (an editor without
atomic saves, a slow copy, a line-buffered script) passes through prefixes of itself, and a
prefix can be a valid FAQ: cut ``_vocabulary.yaml`` after any line and it still loads, with
fewer synonyms. So a reload first waits until no FAQ file has changed for ``settle`` seconds,
and throws away a read during which any file changed. A writer that pauses for longer than
``settle`` mid-file cannot be told from one that has finished; saving to a temporary file and
renaming it over the old one is the way to be safe from that too.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.faq_files import faq_file_paths
from knowledge.loader import PhrasePositions, load_knowledge_base, relative_to
from knowledge.matching import Matcher
from knowledge.model import KnowledgeBase
from knowledge.problems import Problem
from knowledge.semantic import PhraseEmbeddings

log = logging.getLogger(__name__)

# A file changed more recently than this may still be being written.
SETTLE_SECONDS = 0.25
# How long a reload waits for files to settle before refusing to read them.
SETTLE_LIMIT_SECONDS = 5.0

Fingerprint = tuple[tuple[str, int, int], ...]


@dataclass(frozen=True)
class ReloadOutcome:
    changed: bool
    version: str
    problems: Sequence[Problem]

    @property
    def ok(self) -> bool:
        return not any(p.is_error for p in self.problems)


@dataclass(frozen=True)
class FaqSnapshot:
    """One loaded FAQ and the matcher built on it, read together by one request."""

    knowledge_base: KnowledgeBase
    matcher: Matcher
    # Where each phrase is written (file relative to the FAQ directory, line, column): where
    # proposals for the FAQ say their lines go.
    positions: PhrasePositions = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        knowledge_base: KnowledgeBase,
        embeddings: PhraseEmbeddings,
        positions: PhrasePositions | None = None,
    ) -> FaqSnapshot:
        matcher = Matcher(knowledge_base, embeddings=embeddings)
        return cls(knowledge_base, matcher, positions or {})


class KnowledgeError(RuntimeError):
    """The FAQ could not be loaded at start-up; the message lists the problems."""


def _fingerprint(directory: Path) -> Fingerprint:
    """Names, sizes and modification times of the files the loader reads (hidden and editor
    files are not among them): enough to notice a saved edit cheaply."""
    try:
        paths = faq_file_paths(directory)
    except OSError:  # the directory itself is gone or unreadable; the loader says so
        return ()
    return tuple(sorted(_file_fingerprint(path) for path in paths))


def _file_fingerprint(path: Path) -> tuple[str, int, int]:
    """One file's entry; one that cannot be examined (a broken or looping symbolic link, a
    file deleted meanwhile) is listed with no size or time, which the loader reports.
    Without this, one such file would blank the whole fingerprint and no edit would be seen."""
    try:
        status = path.stat()
    except OSError:
        return (path.name, -1, -1)
    return (path.name, status.st_size, status.st_mtime_ns)


def _recently_changed(fingerprint: Fingerprint, settle: float) -> list[str]:
    """Names of files modified less than ``settle`` seconds ago.

    A modification time further in the future than that (a clock set wrong where the file
    was made) counts as settled, or the file could never be loaded.
    """
    now = time.time_ns()
    return [name for name, _, mtime in fingerprint if abs(now - mtime) < settle * 1e9]


def _differences(before: Fingerprint, after: Fingerprint) -> list[str]:
    return sorted({name for name, *_ in set(before) ^ set(after)})


class KnowledgeService:
    def __init__(
        self,
        faq_dir: Path,
        *,
        embeddings: PhraseEmbeddings,
        settle: float = SETTLE_SECONDS,
        settle_limit: float = SETTLE_LIMIT_SECONDS,
        loaded: FaqSnapshot | None = None,
    ) -> None:
        """Serve the FAQ in ``faq_dir``, loaded now, or ``loaded``: that FAQ, already loaded
        (the tests start hundreds of bots on one FAQ)."""
        self.faq_dir = faq_dir
        # The semantic stage is part of every matcher the bot serves; ModelError propagates.
        self._embeddings = embeddings
        self.settle = settle
        self.settle_limit = settle_limit
        # Messages name files as the FAQ's maintainers know them, not by this server's paths.
        self._display = relative_to(faq_dir)
        self.current = loaded or self._load()
        self._seen = _fingerprint(faq_dir)
        self._lock = asyncio.Lock()

    def _load(self) -> FaqSnapshot:
        result = load_knowledge_base(self.faq_dir, display=self._display)
        if result.knowledge_base is None:
            # Raised to whoever started the bot: files named as they would type them.
            errors = load_knowledge_base(self.faq_dir).errors
            raise KnowledgeError("\n".join(str(p) for p in errors))
        return FaqSnapshot.of(result.knowledge_base, self._embeddings, result.phrase_positions)

    @property
    def version(self) -> str:
        return self.current.knowledge_base.version

    async def reload(self) -> ReloadOutcome:
        """Re-read the FAQ; swap it in only if the whole of it is valid.

        Files still being written are waited for (up to ``settle_limit``), and a read during
        which a file changed is discarded; either refusal names the files. The watcher
        retries those, since what it last saw read is left as it was.
        """
        async with self._lock:
            fingerprint, writing = await self._settled()
            if writing:
                why = f"is still being written (still changing after {self.settle_limit:g} s)"
                return self._not_read(writing, why)
            result = await asyncio.to_thread(
                load_knowledge_base, self.faq_dir, display=self._display
            )
            changed_meanwhile = _differences(fingerprint, _fingerprint(self.faq_dir))
            if changed_meanwhile:
                return self._not_read(changed_meanwhile, "changed while it was being read")
            self._seen = fingerprint
            if result.knowledge_base is None:
                for problem in result.errors:
                    log.error("FAQ edit refused, still serving %s: %s", self.version, problem)
                return ReloadOutcome(False, self.version, result.problems)
            # Off the event loop: a reload embeds the phrases it has not seen before.
            snapshot = await asyncio.to_thread(
                FaqSnapshot.of, result.knowledge_base, self._embeddings, result.phrase_positions
            )
            changed = result.knowledge_base.version != self.version
            self.current = snapshot
            if changed:
                log.info(
                    "FAQ reloaded: version %s, %d entries",
                    self.version,
                    len(snapshot.knowledge_base.entries),
                )
            return ReloadOutcome(changed, self.version, result.problems)

    async def _settled(self) -> tuple[Fingerprint, list[str]]:
        """The directory's fingerprint once no file has changed for ``settle`` seconds, and
        the files that were still changing when ``settle_limit`` ran out (none if settled)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settle_limit
        while True:
            fingerprint = _fingerprint(self.faq_dir)
            writing = _recently_changed(fingerprint, self.settle)
            left = deadline - loop.time()
            if not writing or left <= 0:
                return fingerprint, writing
            await asyncio.sleep(min(self.settle / 4, left))

    def _not_read(self, names: list[str], why: str) -> ReloadOutcome:
        problems = tuple(
            Problem(self._display(self.faq_dir / name), 1, 1, f"not read: the file {why}")
            for name in names
        )
        for problem in problems:
            log.warning("FAQ edit refused, still serving %s: %s", self.version, problem)
        return ReloadOutcome(False, self.version, problems)

    async def watch(self, interval: float) -> None:
        """Poll the FAQ directory and reload after an edit has settled.

        Polling a dozen files every few seconds costs nothing and needs no dependency. A
        change is acted on once the directory looks the same on two polls in a row, so an
        editor's save in several steps is read when it is finished.
        """
        pending: Fingerprint | None = None
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
