from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from knowledge.yaml_source import MAX_FILE_BYTES, PurePythonLoader, parse_yaml_text, read_yaml_file

OnlyProblem = Callable[[str], str]


@pytest.fixture(params=["fastest", "pure-python"])
def only_problem(request: pytest.FixtureRequest) -> OnlyProblem:
    """Runs each check with libyaml's parser (when built in) and with the pure-Python one."""
    loader = PurePythonLoader if request.param == "pure-python" else None

    def parse(text: str) -> str:
        _, problems = parse_yaml_text(text, "f.yaml", loader)
        assert len(problems) == 1, problems
        return str(problems[0])

    return parse


def test_values_remember_their_line_and_column() -> None:
    document, problems = parse_yaml_text("topic: t\nentries:\n  - id: x\n    answer: y\n", "f")
    assert not problems
    assert document is not None
    assert document.position(("entries", 0, "answer")) == (4, 13)
    assert document.key_position(("entries", 0, "answer")) == (4, 5)


def test_duplicate_keys_are_reported_at_the_second_one(only_problem: OnlyProblem) -> None:
    assert only_problem("a: 1\nb: 2\na: 3\n") == "f.yaml:3:1: duplicate key 'a' (first at line 1)"


def test_aliases_are_refused_so_alias_bombs_cannot_expand(only_problem: OnlyProblem) -> None:
    bomb = 'a: &a ["x","x"]\nb: &b [*a,*a]\nc: &c [*b,*b]\n'
    assert "aliases (*name) are not allowed" in only_problem(bomb)


def test_deep_nesting_is_refused_without_recursion_errors(only_problem: OnlyProblem) -> None:
    # Both our limit and libyaml's own (about 1,000 levels) refuse with a located error.
    assert "nesting deeper than" in only_problem("a: " + "[" * 40 + "]" * 40)
    assert "nesting" in only_problem("a: " + "[" * 5000 + "]" * 5000)


def test_tab_indentation_is_reported_with_its_position(only_problem: OnlyProblem) -> None:
    assert only_problem("a:\n\t- b\n") == "f.yaml:2:1: tab in indentation; use spaces"


def test_python_tags_are_refused_not_executed(only_problem: OnlyProblem) -> None:
    assert "unsupported YAML tag" in only_problem("a: !!python/object/apply:os.system ['true']\n")


def test_syntax_errors_carry_line_and_column(only_problem: OnlyProblem) -> None:
    assert only_problem("a: b: c\n").startswith("f.yaml:1:5: invalid YAML")


ENTRIES = (
    "topic: t\n"
    "entries:\n"
    "  - id: a\n"
    "    question: {first}\n"
    "    answer: one\n"
    "  - id: b\n"
    "    question: {second}\n"
    "    answer: two\n"
)


def test_an_unclosed_quote_is_reported_where_it_opens_not_where_the_file_ends(
    only_problem: OnlyProblem,
) -> None:
    text = ENTRIES.format(first='"What is a?', second="What is b?")
    assert only_problem(text) == (
        "f.yaml:4:15: invalid YAML: this quoted value is never closed; is a closing quote missing?"
    )


@pytest.mark.parametrize("quote", ['"', "'"])
def test_an_unclosed_quote_closed_by_a_later_value_is_reported_where_it_opens(
    only_problem: OnlyProblem, quote: str
) -> None:
    text = ENTRIES.format(first=f"{quote}What is a?", second=f"{quote}What is b?{quote}")
    problem = only_problem(text)
    assert problem.startswith("f.yaml:4:15: invalid YAML: this quoted value runs on")
    assert problem.endswith("is a closing quote missing?")


def test_a_quoted_value_over_two_lines_is_not_blamed_for_a_later_error(
    only_problem: OnlyProblem,
) -> None:
    text = ENTRIES.format(first='"What is\n      a?"', second="[What is b?")
    assert "closing quote" not in only_problem(text)


def test_several_documents_in_one_file_are_refused(only_problem: OnlyProblem) -> None:
    assert "single document" in only_problem("a: 1\n---\nb: 2\n")


def test_impossible_dates_are_reported_not_raised(only_problem: OnlyProblem) -> None:
    assert "cannot read value '2026-02-30'" in only_problem("updated: 2026-02-30\n")


def test_non_utf8_bytes_are_located(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(b"topic: t\nentries: caf\xe9\n")
    document, problems = read_yaml_file(path, "bad.yaml")
    assert document is None
    assert (
        str(problems[0]) == "bad.yaml:2:13: file is not valid UTF-8 (byte 0xe9); save it as UTF-8"
    )


def test_binary_junk_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "junk.yaml"
    path.write_bytes(bytes(range(256)) * 4)
    document, problems = read_yaml_file(path, "junk.yaml")
    assert document is None
    assert len(problems) == 1


def test_files_over_the_size_limit_are_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_bytes(b"# x\n" * (MAX_FILE_BYTES // 4 + 1))
    document, problems = read_yaml_file(path, "huge.yaml")
    assert document is None
    assert "larger than 524,288 bytes" in str(problems[0])


@pytest.mark.parametrize("text", ["", "# only a comment\n"])
def test_empty_documents_parse_to_nothing(text: str) -> None:
    document, problems = parse_yaml_text(text, "f")
    assert document is not None
    assert document.data is None
    assert problems == []
