"""The build step that makes the model the bot runs from the registry's export."""

from __future__ import annotations

import logging
from pathlib import Path

from knowledge.embedding import MODEL_FILE, fingerprint
from knowledge.model_build import build


def test_building_the_model_again_gives_the_pinned_file_and_leaves_logging_as_it_was(
    tmp_path: Path,
) -> None:
    # One test, not two: a build takes seconds, and xdist may run a module's tests (and so
    # a module fixture) on two workers.
    output = tmp_path / "models" / "model.onnx"
    before = logging.getLogger().level
    build(output)
    # build() itself refuses a result that is not the pinned file; this checks what it wrote.
    assert fingerprint(output) == (MODEL_FILE.size, MODEL_FILE.sha256)
    assert [p.name for p in output.parent.iterdir()] == ["model.onnx"], "scratch left"
    # The quantiser's noise is silenced on the root logger for its call only: a process
    # that builds the model (the test suite among them) still logs warnings afterwards.
    assert logging.getLogger().level == before
