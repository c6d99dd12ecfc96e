"""Property-based tests: any input to the matcher or the loader ends in a clean outcome."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from knowledge.loader import SHIPPED_FAQ_DIR, load_knowledge_base
from knowledge.matching import THRESHOLDS, Decision, Matcher
from knowledge.text import MAX_INPUT_CHARS
from knowledge.yaml_source import parse_yaml_text

SHIPPED_FILES = sorted(SHIPPED_FAQ_DIR.glob("[!_]*.yaml"))


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    result = load_knowledge_base(SHIPPED_FAQ_DIR)
    assert result.knowledge_base is not None
    return Matcher(result.knowledge_base)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(question=st.text(max_size=MAX_INPUT_CHARS * 3))
def test_any_unicode_question_gets_a_valid_decision_quickly(
    matcher: Matcher, question: str
) -> None:
    start = time.perf_counter()
    result = matcher.match(question)
    elapsed = time.perf_counter() - start
    assert result.decision in set(Decision)
    assert len(result.candidates) <= THRESHOLDS.max_suggestions
    assert (result.entry is not None) == (result.decision is Decision.ANSWER)
    assert all(0.0 <= c.score <= 1.0 for c in result.candidates)
    # A generous bound that still catches pathological (super-linear) behaviour.
    assert elapsed < 0.5


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(partial=st.text(max_size=200))
def test_autocomplete_never_fails_and_respects_its_limit(matcher: Matcher, partial: str) -> None:
    choices = matcher.autocomplete(partial, limit=25)
    assert len(choices) <= 25
    assert all(len(e.question) <= 100 for e in choices)


# YAML-ish documents: nested mappings and lists of scalars, including FAQ-shaped keys.
_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=40)
)
_keys = st.one_of(
    st.sampled_from(["topic", "entries", "id", "question", "answer", "sources", "url"]),
    st.text(min_size=1, max_size=10),
)
_documents = st.recursive(
    _scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(_keys, children, max_size=4)
    ),
    max_leaves=30,
)


def assert_clean_outcome(directory: Path) -> None:
    result = load_knowledge_base(directory)
    if result.knowledge_base is None:
        assert result.errors
    for problem in result.problems:
        assert problem.path
        assert problem.line >= 1
        assert problem.column >= 1
        assert problem.message


@settings(max_examples=150, deadline=None)
@given(document=_documents)
def test_any_generated_yaml_document_loads_or_is_refused_with_located_errors(
    tmp_path_factory: pytest.TempPathFactory, document: object
) -> None:
    directory = tmp_path_factory.mktemp("faq")
    (directory / "topic.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    assert_clean_outcome(directory)


@settings(max_examples=150, deadline=None)
@given(
    index=st.integers(min_value=0, max_value=len(SHIPPED_FILES) - 1),
    cut=st.integers(min_value=0, max_value=10_000),
    junk=st.text(max_size=20),
)
def test_mutated_shipped_files_load_or_are_refused_with_located_errors(
    tmp_path_factory: pytest.TempPathFactory, index: int, cut: int, junk: str
) -> None:
    """An editor's half-typed change: text inserted at any point of a real FAQ file."""
    source = SHIPPED_FILES[index]
    text = source.read_text(encoding="utf-8")
    position = cut % (len(text) + 1)
    directory = tmp_path_factory.mktemp("faq")
    (directory / source.name).write_text(text[:position] + junk + text[position:], "utf-8")
    assert_clean_outcome(directory)


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=300))
def test_the_yaml_reader_never_raises(text: str) -> None:
    document, problems = parse_yaml_text(text, "f.yaml")
    assert document is not None or problems
