"""The semantic stage's index and its cache across FAQ versions."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from knowledge.embedding import SentenceEncoder
from knowledge.loader import load_knowledge_base
from knowledge.matching import Matcher
from knowledge.semantic import PhraseEmbeddings, SemanticIndex, shared_phrase_embeddings

MINI_FAQ = Path(__file__).parents[1] / "data" / "mini-faq"


def test_each_owner_scores_its_closest_phrase() -> None:
    vectors = np.array([[1, 0], [0, 1], [0.6, 0.8]], dtype=np.float32)
    # Owner 1 has no phrase and scores 0; owner 2 has two and takes the better.
    index = SemanticIndex(vectors, [0, 2, 2], owner_count=3)
    scores = index.best_by_owner(np.array([0, 1], dtype=np.float32))
    assert scores.tolist() == [0.0, 0.0, 1.0]


def test_a_reload_that_edits_one_entry_embeds_only_its_new_phrases() -> None:
    knowledge_base = load_knowledge_base(MINI_FAQ).knowledge_base
    assert knowledge_base is not None
    embeddings = PhraseEmbeddings(shared_phrase_embeddings().encoder)
    Matcher(knowledge_base, embeddings=embeddings)
    first = embeddings.embedded
    assert first == sum(len(e.phrases) for e in knowledge_base.entries) + sum(
        len(k.phrases) for k in knowledge_base.small_talk
    )
    edited = dataclasses.replace(
        knowledge_base.entries[0], alternates=("a brand new way to ask about migration",)
    )
    new_version = dataclasses.replace(knowledge_base, entries=(edited, *knowledge_base.entries[1:]))
    matcher = Matcher(new_version, embeddings=embeddings)
    assert embeddings.embedded == first + 1
    assert matcher.rank("a brand new way to ask about migration")[0].entry.id == edited.id


def test_a_question_that_is_an_faq_phrase_reuses_its_vector() -> None:
    embeddings = PhraseEmbeddings(shared_phrase_embeddings().encoder)
    (phrase_vector,) = embeddings.vectors(["owl night vision"])
    assert embeddings.query("owl night vision") is not None
    assert np.array_equal(embeddings.query("owl night vision"), phrase_vector)


def test_the_encoder_can_be_made_more_than_once() -> None:
    # Loading is not a process-wide singleton by accident: two encoders agree.
    a, b = SentenceEncoder(), shared_phrase_embeddings().encoder
    assert np.allclose(a.encode_one("tsubame"), b.encode_one("tsubame"), atol=1e-6)
