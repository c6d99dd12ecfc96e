"""One file of phrase vectors for the whole test run, shared by every process in it.

Embedding the shipped FAQ's phrases takes the model several seconds of CPU. The run's
processes (xdist's workers and the bots they start) keep the vectors in one file in the
run's temporary directory, so the first to need a phrase embeds it and the others read it
(``VectorFile.locked`` makes the others wait rather than embed it too).
"""

from __future__ import annotations

import os
from pathlib import Path

from knowledge.semantic import PhraseEmbeddings, shared_phrase_embeddings

# Set by tests/conftest.py. (Not a FAQBOT_ name, which the settings fixture would clear from
# the environment.)
VECTOR_FILE = "FAQBOT_TESTS_VECTOR_FILE"


def run_vector_file() -> Path | None:
    """This run's file of phrase vectors, or None outside a test run."""
    shared = os.environ.get(VECTOR_FILE)
    return Path(shared) if shared else None


def phrase_embeddings() -> PhraseEmbeddings:
    """The process's embeddings, keeping their vectors in this run's file."""
    return shared_phrase_embeddings(run_vector_file())


def shared_vector_cache() -> dict[str, str]:
    """The setting that makes a bot process keep its phrase vectors in this run's file, or
    nothing outside a test run."""
    shared = run_vector_file()
    return {"FAQBOT_VECTOR_CACHE": str(shared)} if shared else {}
