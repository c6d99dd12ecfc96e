"""Build the embedding model the bot runs, from the registry's export: ``make`` and the
Dockerfile run ``python -m knowledge.model_build``.

Why a build step: the registry's all-MiniLM-L6-v2 export keeps its weights as int8 but turns
them back into floats with Cast and Mul nodes, which onnxruntime folds into fp32 constants
when it loads the model. The bot would then hold about 90 MB of fp32 weights and run every
product as an fp32 matrix multiply. Quantised dynamically instead (int8 weights, int8
MatMulInteger products), the model loads in a third of the time, takes about 85 MB less
memory and embeds a question in half the time (the README's "The model and its runtime").

Both steps are onnxruntime's own tools; nothing here touches the graph by hand:

1. the registry model is loaded with basic graph optimisation (semantics-preserving,
   hardware-independent constant folding) and the optimised graph saved: the Cast and Mul
   dequantisation becomes plain fp32 weights;
2. ``onnxruntime.quantization.quantize_dynamic`` quantises those weights to int8, per
   channel.

With the locked onnx and onnxruntime the result is the same file byte for byte, so its size
and hash are pinned in ``knowledge.embedding`` like the registry files, and a build that
gives anything else fails here rather than serving an unmeasured model.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from pathlib import Path

import onnxruntime

from knowledge.embedding import MODEL_FILE, SOURCE_MODEL_FILE, ModelError, fingerprint, verified


def build(output: Path) -> None:
    """Write the quantised model to ``output`` (atomically) and check it is the pinned file."""
    # Imported here: only this build step needs onnx, which never enters the image's venv.
    from onnxruntime.quantization import QuantType, quantize_dynamic

    source = verified(SOURCE_MODEL_FILE)
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=output.parent) as scratch:
        folded = Path(scratch) / "fp32.onnx"
        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_BASIC
        options.optimized_model_filepath = str(folded)
        onnxruntime.InferenceSession(str(source), options, providers=["CPUExecutionProvider"])
        quantised = Path(scratch) / "int8.onnx"
        # quantize_dynamic logs (on the root logger) a suggestion to run its pre-processing
        # (shape inference and graph optimisation); step 1 is that optimisation, and the
        # shapes are not needed for MatMul weights, so the suggestion is noise here. Quiet
        # for this call only: the caller's logging is left as it was.
        root = logging.getLogger()
        level = root.level
        root.setLevel(logging.ERROR)
        try:
            # Per channel: each output column of a weight matrix gets its own scale. With one
            # scale per matrix the vectors drift from the fp32 model's (mean cosine 0.967 to
            # them on eval questions, and worse matching); per channel they stay at 0.994.
            quantize_dynamic(folded, quantised, weight_type=QuantType.QInt8, per_channel=True)
        finally:
            root.setLevel(level)
        size, digest = fingerprint(quantised)
        if (size, digest) != (MODEL_FILE.size, MODEL_FILE.sha256):
            raise ModelError(
                f"the quantised model is not the pinned file (size {size}, sha256 "
                f"{digest[:12]}…, expected {MODEL_FILE.sha256[:12]}…): the locked onnx or "
                "onnxruntime changed; measure the new model and pin its hash"
            )
        os.replace(quantised, output)


def main() -> int:
    """Build the model where the encoder loads it, unless the pinned file is already there."""
    try:
        verified(MODEL_FILE)
        return 0
    except ModelError:
        pass  # not built yet, or not the pinned file: build it
    output = MODEL_FILE.path()
    try:
        build(output)
    except (ModelError, ImportError) as exc:
        print(f"model build failed: {exc}", file=sys.stderr)
        return 1
    print(f"built {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
