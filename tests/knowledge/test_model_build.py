"""The build step that makes the model the bot runs from the registry's export."""

from __future__ import annotations

from pathlib import Path

from knowledge.embedding import MODEL_FILE, fingerprint
from knowledge.model_build import build


def test_building_the_model_again_gives_the_pinned_file_byte_for_byte(tmp_path: Path) -> None:
    # build() itself refuses a result that is not the pinned file; this checks what it wrote.
    output = tmp_path / "models" / "model.onnx"
    build(output)
    assert fingerprint(output) == (MODEL_FILE.size, MODEL_FILE.sha256)
    assert [p.name for p in output.parent.iterdir()] == ["model.onnx"], "no scratch files left"
