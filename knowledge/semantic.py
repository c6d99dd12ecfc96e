"""The semantic stage of matching: how close in meaning a question is to each FAQ phrase.

Word overlap cannot see that "who pays for the centre in bangkok" asks "how is the AJCCBC
funded"; sentence embeddings can. Each phrase is embedded once per FAQ version, and a cache
keyed by model and phrase text carries vectors across versions, so a reload that edits one
entry embeds only that entry's new phrases.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import logging
import os
import tempfile
import threading
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from knowledge.embedding import SentenceEncoder, Vectors

log = logging.getLogger(__name__)

# The cache may hold this many vectors (1.5 kB each) beyond the latest FAQ's before it drops
# the phrases that FAQ no longer has: a bot that reloads edits all day keeps about one FAQ's
# worth, and a process that indexes several FAQs (tests, benchmarks) does not re-embed each.
CACHE_SLACK = 5_000


class VectorFile:
    """Phrase vectors kept in a file between runs: a start embeds only phrases it has not
    seen (the model runs ~1.5 ms a phrase, most of a cold start). Only the FAQ's own phrases
    are kept, never a question. It is only a cache: a file that is missing, unreadable or
    another model's is ignored, and the vectors are made again.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Held while a process embeds phrases missing from the file and writes them, so that
        processes starting together on one file (shards on one machine) embed a phrase once:
        the others wait, then read it. An advisory lock on a file beside this one; where it
        cannot be taken (a read-only directory), the work goes on without it."""
        lock_path = self.path.with_name(self.path.name + ".lock")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle = open(lock_path, "a")  # noqa: SIM115 - closed below, after the unlock
        except OSError as exc:
            log.debug("phrase vectors in %s are made without a lock: %s", self.path, exc)
            yield
            return
        with handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def read(self, model_id: str) -> dict[str, Vectors]:
        try:
            with np.load(self.path, allow_pickle=False) as stored:
                if str(stored["model"]) != model_id:
                    return {}
                texts, vectors = stored["texts"], stored["vectors"]
                return {str(t): vectors[i] for i, t in enumerate(texts)}
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, KeyError, IndexError, zipfile.BadZipFile) as exc:
            log.warning(
                "phrase vectors in %s are not usable, so they are made again: %s", self.path, exc
            )
            return {}

    def write(self, model_id: str, vectors: dict[str, Vectors]) -> None:
        """Replace the file at once (another process reading it sees the old or the new)."""
        texts = list(vectors)
        temporary: str | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.path.parent, suffix=".npz")
            with os.fdopen(handle, "wb") as out:
                np.savez(
                    out,
                    model=np.array(model_id),
                    texts=np.array(texts, dtype=str),
                    vectors=np.vstack([vectors[t] for t in texts]),
                )
            os.replace(temporary, self.path)
            temporary = None
        except OSError as exc:
            log.warning("could not keep phrase vectors in %s: %s", self.path, exc)
        finally:
            if temporary is not None:  # a half-written file is not left beside the cache
                Path(temporary).unlink(missing_ok=True)


class PhraseEmbeddings:
    """An encoder with a cache of phrase vectors, shared by every FAQ version it indexes,
    and kept in ``store`` between runs when one is given."""

    def __init__(self, encoder: SentenceEncoder, store: VectorFile | None = None) -> None:
        self.encoder = encoder
        self._cache: dict[tuple[str, str], Vectors] = {}
        self._lock = threading.Lock()
        # How many phrases the encoder has embedded: tests prove a reload embeds only new ones.
        self.embedded = 0
        self._store = store
        if store is not None:
            model = encoder.model_id
            self._cache = {(model, t): v for t, v in store.read(model).items()}

    def vectors(self, phrases: Sequence[str]) -> Vectors:
        """A row per phrase; phrases not in the cache are embedded now."""
        model = self.encoder.model_id
        with self._lock:
            unique = list(dict.fromkeys(phrases))
            missing = [p for p in unique if (model, p) not in self._cache]
            if missing and self._store is not None:
                with self._store.locked():
                    # Another process may have embedded them since this one read the file.
                    for text, vector in self._store.read(model).items():
                        self._cache.setdefault((model, text), vector)
                    self._embed([p for p in missing if (model, p) not in self._cache])
                    kept = {text: v for (owner, text), v in self._cache.items() if owner == model}
                    self._store.write(model, kept)
            elif missing:
                self._embed(missing)
            rows = [self._cache[(model, p)] for p in phrases]
            if len(self._cache) > len(unique) + CACHE_SLACK:
                self._cache = {(model, p): self._cache[(model, p)] for p in unique}
        if not rows:
            return np.zeros((0, self.encoder.dimensions), dtype=np.float32)
        return np.vstack(rows)

    def _embed(self, phrases: list[str]) -> None:
        if not phrases:
            return
        model = self.encoder.model_id
        for phrase, vector in zip(phrases, self.encoder.encode(phrases), strict=True):
            self._cache[(model, phrase)] = vector
        self.embedded += len(phrases)

    def query(self, text: str) -> Vectors:
        """The vector of a question; a question that is an FAQ phrase reuses its vector."""
        cached = self._cache.get((self.encoder.model_id, text))
        return cached if cached is not None else self.encoder.encode_one(text)


def shared_phrase_embeddings(store: Path | None = None) -> PhraseEmbeddings:
    """One per process and ``store`` (the file to keep vectors in between runs), made on
    first use: every matcher in the process can share its cache, since a vector is a pure
    function of its text, and every one of them shares one encoder, so the model loads once.

    Raises ModelError (one line) when the model files are missing or not the expected ones.
    """
    # Normalised here: the cache below keys on its arguments as written, and f() and f(None)
    # would otherwise be two caches, each embedding the whole FAQ.
    return _phrase_embeddings_for(store.resolve() if store is not None else None)


@functools.cache
def _phrase_embeddings_for(store: Path | None) -> PhraseEmbeddings:
    return PhraseEmbeddings(_shared_encoder(), VectorFile(store) if store else None)


@functools.cache
def _shared_encoder() -> SentenceEncoder:
    return SentenceEncoder()


class SemanticIndex:
    """Phrase vectors grouped by owner (an FAQ entry or a kind of small talk)."""

    def __init__(self, vectors: Vectors, owners: Sequence[int], owner_count: int) -> None:
        # Phrases arrive grouped by owner, so each owner's best phrase is one reduceat away.
        self._vectors = vectors
        owners_array = np.asarray(owners, dtype=np.int64)
        if len(owners_array) and np.any(np.diff(owners_array) < 0):
            raise ValueError("phrases must be grouped by owner, in owner order")
        self._starts = np.searchsorted(owners_array, np.arange(owner_count))
        self._present = np.isin(np.arange(owner_count), owners_array)
        self._owner_count = owner_count

    def best_by_owner(self, query: Vectors) -> npt.NDArray[np.float32]:
        """For each owner, the cosine similarity of its closest phrase to the query."""
        scores = np.zeros(self._owner_count, dtype=np.float32)
        if not len(self._vectors):
            return scores
        similarities = self._vectors @ query
        present = self._present
        best = np.maximum.reduceat(similarities, self._starts[present])
        scores[present] = best
        return scores
