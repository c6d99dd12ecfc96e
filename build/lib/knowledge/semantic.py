"""The semantic stage of matching: how close in meaning a question is to each FAQ phrase.

Word overlap cannot see that "who pays for the centre in bangkok" asks "how is the AJCCBC
funded"; sentence embeddings can. Each phrase is embedded once per FAQ version, and a cache
keyed by model and phrase text carries vectors across versions, so a reload that edits one
entry embeds only that entry's new phrases.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from knowledge.embedding import SentenceEncoder, Vectors

# The cache may hold this many vectors (1.5 kB each) beyond the latest FAQ's before it drops
# the phrases that FAQ no longer has: a bot that reloads edits all day keeps about one FAQ's
# worth, and a process that indexes several FAQs (tests, benchmarks) does not re-embed each.
CACHE_SLACK = 5_000


class PhraseEmbeddings:
    """An encoder with a cache of phrase vectors, shared by every FAQ version it indexes."""

    def __init__(self, encoder: SentenceEncoder) -> None:
        self.encoder = encoder
        self._cache: dict[tuple[str, str], Vectors] = {}
        self._lock = threading.Lock()
        # How many phrases the encoder has embedded: tests prove a reload embeds only new ones.
        self.embedded = 0

    def vectors(self, phrases: Sequence[str]) -> Vectors:
        """A row per phrase; phrases not in the cache are embedded now."""
        model = self.encoder.model_id
        with self._lock:
            unique = list(dict.fromkeys(phrases))
            missing = [p for p in unique if (model, p) not in self._cache]
            if missing:
                for phrase, vector in zip(missing, self.encoder.encode(missing), strict=True):
                    self._cache[(model, phrase)] = vector
                self.embedded += len(missing)
            rows = [self._cache[(model, p)] for p in phrases]
            if len(self._cache) > len(unique) + CACHE_SLACK:
                self._cache = {(model, p): self._cache[(model, p)] for p in unique}
        if not rows:
            return np.zeros((0, self.encoder.dimensions), dtype=np.float32)
        return np.vstack(rows)

    def query(self, text: str) -> Vectors:
        """The vector of a question; a question that is an FAQ phrase reuses its vector."""
        cached = self._cache.get((self.encoder.model_id, text))
        return cached if cached is not None else self.encoder.encode_one(text)


@functools.cache
def shared_phrase_embeddings() -> PhraseEmbeddings:
    """One per process, made on first use: the model loads once, and a vector is a pure
    function of its text, so every matcher in the process can share the cache.

    Raises ModelError (one line) when the model files are missing or not the expected ones.
    """
    return PhraseEmbeddings(SentenceEncoder())


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
