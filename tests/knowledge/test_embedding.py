"""The embedding model: verified files, real vectors, batch and single agree, the exact
vectors on every x86 processor."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime
import pytest
from tokenizers import Tokenizer

from knowledge import SHIPPED_FAQ_DIR
from knowledge.embedding import (
    DIMENSIONS,
    MODEL_FILE,
    SOURCE_MODEL_FILE,
    TOKENIZER_FILE,
    ModelError,
    ModelFile,
    SentenceEncoder,
    verified,
)
from knowledge.loader import load_knowledge_base
from knowledge.semantic import shared_phrase_embeddings


def test_the_installed_and_built_model_files_are_the_pinned_ones() -> None:
    assert verified(SOURCE_MODEL_FILE).name == "model.onnx"
    assert verified(TOKENIZER_FILE).name == "tokenizer.json"
    assert verified(MODEL_FILE).name == "all-MiniLM-L6-v2-dynamic-int8.onnx"


def test_a_model_that_was_never_built_is_one_line_that_says_how_to_build_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "unbuilt_package"
    package.mkdir()
    (package / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    unbuilt = ModelFile("unbuilt_package", MODEL_FILE.name, 1, "0" * 64, MODEL_FILE.remedy)
    with pytest.raises(ModelError) as error:
        SentenceEncoder(model=unbuilt)
    assert "\n" not in str(error.value)
    assert "is missing" in str(error.value)
    assert "python -m knowledge.model_build" in str(error.value)


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


def test_a_phrase_loaded_with_others_gets_exactly_its_vector_as_a_question() -> None:
    # The quantised model scales activations per run: a phrase embedded beside longer ones
    # must still get the very vector the same text gets when it is asked alone.
    encoder = shared_phrase_embeddings().encoder
    texts = ["owl", "where do swallows migrate in winter and why do they come back", "x" * 40]
    bulk = encoder.encode(texts)
    for text, row in zip(texts, bulk, strict=True):
        assert np.array_equal(encoder.encode_one(text), row)


def exact_hidden_states(texts: list[str]) -> list[np.ndarray]:
    """The built model's raw output for each text, with 8-bit products computed exactly on
    every x86 processor (onnxruntime's session option for that), by a session of its own."""
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.add_session_config_entry("session.x64quantprecision", "1")
    session = onnxruntime.InferenceSession(
        str(verified(MODEL_FILE)), options, providers=["CPUExecutionProvider"]
    )
    tokenizer = Tokenizer.from_file(str(verified(TOKENIZER_FILE)))
    tokenizer.no_padding()
    outputs = []
    for text in texts:
        ids = np.array([tokenizer.encode(text).ids], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
        if "token_type_ids" in {i.name for i in session.get_inputs()}:
            feeds["token_type_ids"] = np.zeros_like(ids)
        outputs.append(session.run(["last_hidden_state"], feeds)[0])
    return outputs


def test_the_encoder_computes_the_exact_vectors_on_every_x86_processor() -> None:
    # On x86 processors without VNNI, onnxruntime's fast product of unsigned activations and
    # signed weights saturates: without exact products the bot gave other vectors (and other
    # answers) there than on a VNNI machine. The encoder's vectors must be the exact ones.
    # (Where VNNI is present both are exact, and this cannot fail; it fails where it matters.)
    knowledge_base = load_knowledge_base(SHIPPED_FAQ_DIR).knowledge_base
    assert knowledge_base is not None
    texts = [phrase for entry in knowledge_base.entries[:20] for phrase in entry.phrases[:2]]
    encoder = SentenceEncoder()
    for text, hidden in zip(texts, exact_hidden_states(texts), strict=True):
        pooled = hidden[0].mean(axis=0)
        exact = pooled / np.linalg.norm(pooled)
        assert np.allclose(encoder.encode_one(text), exact, rtol=0, atol=1e-6), text
