"""The build step that makes the model the bot runs from the registry's export."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import pytest

from knowledge.embedding import MODEL_FILE, fingerprint
from knowledge.model_build import build


@dataclass(frozen=True)
class Built:
    output: Path
    root_level_before: int
    root_level_after: int


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """One build (it takes seconds) for the checks below."""
    output = tmp_path_factory.mktemp("build") / "models" / "model.onnx"
    before = logging.getLogger().level
    build(output)
    return Built(output, before, logging.getLogger().level)


def test_building_the_model_again_gives_the_pinned_file_byte_for_byte(built: Built) -> None:
    # build() itself refuses a result that is not the pinned file; this checks what it wrote.
    assert fingerprint(built.output) == (MODEL_FILE.size, MODEL_FILE.sha256)
    assert [p.name for p in built.output.parent.iterdir()] == ["model.onnx"], "scratch left"


def test_building_the_model_leaves_the_callers_logging_as_it_was(built: Built) -> None:
    # The quantiser's noise is silenced on the root logger for its call only: a process
    # that builds the model (the test suite among them) still logs warnings afterwards.
    assert built.root_level_after == built.root_level_before
