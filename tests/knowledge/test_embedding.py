"""The embedding model: verified files, real vectors, batch and single agree."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from knowledge.embedding import DIMENSIONS, MODEL_FILE, ModelError, ModelFile, verified
from knowledge.semantic import shared_phrase_embeddings


def test_the_installed_model_files_are_the_pinned_ones() -> None:
    assert verified(MODEL_FILE).name == "model.onnx"


def test_a_file_with_the_wrong_hash_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "fake_model_package"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "model.onnx").write_bytes(b"x" * MODEL_FILE.size)
    monkeypatch.syspath_prepend(str(tmp_path))
    fake = ModelFile("fake_model_package", "model.onnx", MODEL_FILE.size, MODEL_FILE.sha256)
    with pytest.raises(ModelError, match="is not the expected file"):
        verified(fake)


def test_a_missing_package_is_reported_in_one_line() -> None:
    with pytest.raises(ModelError) as error:
        verified(ModelFile("no_such_model_package", "model.onnx", 1, "0" * 64))
    assert "\n" not in str(error.value)
    assert "is missing" in str(error.value)


def test_vectors_are_unit_length_and_close_for_close_meanings() -> None:
    encoder = shared_phrase_embeddings().encoder
    vectors = encoder.encode(
        ["who pays for the training centre", "how is the centre funded", "best ramen in osaka"]
    )
    assert vectors.shape == (3, DIMENSIONS)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2


def test_a_batch_gives_the_same_vectors_as_one_at_a_time() -> None:
    # Texts of different lengths in one batch: padding must not change any vector.
    encoder = shared_phrase_embeddings().encoder
    texts = ["owl", "where do swallows migrate in winter and why do they come back"]
    batch = encoder.encode(texts)
    for text, row in zip(texts, batch, strict=True):
        assert np.allclose(encoder.encode_one(text), row, atol=1e-4)
