"""The FAQ's synonym list (``_vocabulary.yaml``): data, so maintainers can extend it."""

from __future__ import annotations

from knowledge.model import Vocabulary
from knowledge.problems import Problem, excerpt
from knowledge.text import words
from knowledge.yaml_source import YamlDocument

VOCABULARY_FILE = "_vocabulary.yaml"


def read_vocabulary(document: YamlDocument, display: str) -> tuple[Vocabulary, list[Problem]]:
    problems: list[Problem] = []

    def error(path: tuple[str | int, ...], message: str) -> None:
        line, column = document.position(path)
        problems.append(Problem(display, line, column, message))

    data = document.data
    if not isinstance(data, dict) or set(data) != {"synonyms"}:
        error((), "expected one key, 'synonyms': a list of lists of words that mean the same")
        return Vocabulary(), problems
    groups = data["synonyms"]
    if not isinstance(groups, list):
        error(("synonyms",), "'synonyms' must be a list of lists")
        return Vocabulary(), problems
    owner: dict[str, int] = {}
    result: list[tuple[str, ...]] = []
    for index, group in enumerate(groups):
        path = ("synonyms", index)
        if not isinstance(group, list) or len(group) < 2:
            error(path, "a synonym group must list at least two words or phrases")
            continue
        bad = [w for w in group if not isinstance(w, str) or not words(w)]
        if bad:
            error(path, f"synonym {excerpt(bad[0])} is not text with a word in it (quote numbers)")
            continue
        for form in group:
            key = " ".join(words(form))
            if key in owner and owner[key] != index:
                first_line, _ = document.position(("synonyms", owner[key]))
                error(path, f"{excerpt(form)} is already in the synonym group at line {first_line}")
            owner.setdefault(key, index)
        result.append(tuple(group))
    return Vocabulary(synonym_groups=tuple(result)), problems
