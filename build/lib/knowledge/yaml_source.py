"""Read one YAML file defensively, remembering where every value came from.

PyYAML's ``safe_load`` refuses arbitrary tags, but it still expands aliases without bound
("billion laughs"), recurses without a depth limit, keeps the last of two duplicate keys
silently, and forgets line numbers. Maintainers need all of those caught and every problem
located, so this module composes the node graph itself and converts it to plain values.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer, ComposerError
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner

from knowledge.problems import Problem, excerpt, format_count

# A topic file of a hundred long entries is about 100 KB; anything far larger is a mistake
# (a pasted dump, a binary) and is refused before parsing.
MAX_FILE_BYTES = 512 * 1024
# The FAQ format nests four levels deep (file > entries > entry > sources > source).
MAX_NESTING = 16

_COLLECTION_TAGS = frozenset({"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"})

Key = str | int
ValuePath = tuple[Key, ...]


@dataclass
class YamlDocument:
    """Plain Python data plus the (line, column) of each value and mapping key, 1-based."""

    data: Any
    value_positions: dict[ValuePath, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[ValuePath, tuple[int, int]] = field(default_factory=dict)

    def position(self, path: ValuePath) -> tuple[int, int]:
        """Where the value at ``path`` is, or its nearest enclosing value."""
        while path not in self.value_positions and path:
            path = path[:-1]
        return self.value_positions.get(path, (1, 1))

    def key_position(self, path: ValuePath) -> tuple[int, int]:
        """Where the key naming the value at ``path`` is written."""
        return self.key_positions.get(path) or self.position(path)


class _StrictComposer(Composer):
    """Composes nodes like PyYAML, but refuses aliases and bounds nesting."""

    _depth = 0

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        if self.check_event(yaml.AliasEvent):  # type: ignore[attr-defined]
            event = self.peek_event()  # type: ignore[attr-defined]
            raise ComposerError(
                None,
                None,
                "YAML aliases (*name) are not allowed in FAQ files; write the text out",
                event.start_mark,
            )
        self._depth += 1
        try:
            if self._depth > MAX_NESTING:
                raise ComposerError(
                    None,
                    None,
                    f"nesting deeper than {MAX_NESTING} levels; the FAQ format needs 4",
                    self.peek_event().start_mark,  # type: ignore[attr-defined]
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class PurePythonLoader(Reader, Scanner, Parser, _StrictComposer, Resolver):
    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        _StrictComposer.__init__(self)
        Resolver.__init__(self)


@functools.cache
def _loader_class() -> type:
    """libyaml's parser when PyYAML was built with it (about 20x faster), else pure Python.

    Only the event parser comes from libyaml: composing stays in ``_StrictComposer`` so the
    same alias and depth rules apply either way.
    """
    try:
        from yaml._yaml import CParser  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return PurePythonLoader

    class _LibyamlLoader(_StrictComposer, CParser, Resolver):  # type: ignore[misc,valid-type,unused-ignore]
        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            _StrictComposer.__init__(self)
            Resolver.__init__(self)

    return _LibyamlLoader


def read_yaml_file(path: Path, display: str) -> tuple[YamlDocument | None, list[Problem]]:
    """Parse ``path``; on failure return no document and the problems, each located."""
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        return None, [Problem(display, 1, 1, f"cannot read file: {exc.strerror or exc}")]
    if len(raw) > MAX_FILE_BYTES:
        return None, [
            Problem(
                display,
                1,
                1,
                f"file is larger than {format_count(MAX_FILE_BYTES)} bytes; split the topic "
                "or check that this is really a FAQ file",
            )
        ]
    text, problem = _decode(raw, display)
    if problem:
        return None, [problem]
    return parse_yaml_text(text, display)


def parse_yaml_text(
    text: str, display: str, loader: type | None = None
) -> tuple[YamlDocument | None, list[Problem]]:
    """Parse YAML text; ``loader`` picks a parser (tests run both) instead of the fastest."""
    tab_problems = _tab_indentation(text, display)
    if tab_problems:
        return None, tab_problems
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        return None, [Problem(display, line, 1, "file contains NUL bytes; is it binary?")]
    return _parse_with(_loader_class() if loader is None else loader, text, display)


_QUOTE_HINT = "is a closing quote missing?"


def _syntax_problem(text: str, display: str, exc: yaml.MarkedYAMLError) -> Problem:
    """One problem for a file that does not parse, placed at its likely cause.

    An unclosed quote is the usual mistake, and the parser notices it only where the quoted
    text finally ends: at the end of the file, or lines later where the next quote closes it
    and the rest no longer fits. So the problem is put where the quote opens.
    """
    what = " ".join(p for p in (exc.context, exc.problem) if p) or "invalid YAML"
    if exc.context == "while scanning a quoted scalar" and exc.context_mark is not None:
        opening = exc.context_mark
        return Problem(
            display,
            opening.line + 1,
            opening.column + 1,
            f"invalid YAML: this quoted value is never closed; {_QUOTE_HINT}",
        )
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    opened = _multi_line_quoted_value(text, line - 1)
    if opened is not None:
        return Problem(
            display,
            opened.line + 1,
            opened.column + 1,
            f"invalid YAML: this quoted value runs on over several lines, and the file stops "
            f"parsing at line {line} ({what}); {_QUOTE_HINT}",
        )
    return Problem(display, line, column, f"invalid YAML: {what}")


def _multi_line_quoted_value(text: str, stopped_line: int) -> yaml.Mark | None:
    """Where a quoted value starts that spans lines and ends just before the parser stopped
    (``stopped_line``, 0-based): the shape of an opening quote closed by the next value's.
    A FAQ writes long text as a block scalar (``>`` or ``|``), so a quoted value across lines
    that the parser chokes on right after is almost always a missing quote."""
    # Only the lines up to where the parser stopped can hold the culprit; without a quote
    # among them there is nothing to look for (and a 100,000-deep bracket bomb is not
    # scanned a second time).
    prefix = "".join(text.splitlines(keepends=True)[: stopped_line + 1])
    if '"' not in prefix and "'" not in prefix:
        return None
    found = None
    scanner = _loader_class()(prefix)
    try:
        while scanner.check_token():
            token = scanner.get_token()
            if (
                isinstance(token, yaml.ScalarToken)
                and token.style in {'"', "'"}
                and token.end_mark.line > token.start_mark.line
                and stopped_line - 1 <= token.end_mark.line <= stopped_line
            ):
                found = token.start_mark
    except yaml.YAMLError:
        pass  # the tokens before the error are the ones that count
    finally:
        scanner.dispose()
    return found


def _parse_with(
    loader_class: type, text: str, display: str
) -> tuple[YamlDocument | None, list[Problem]]:
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        return None, [_syntax_problem(text, display, exc)]
    except yaml.YAMLError as exc:
        return None, [Problem(display, 1, 1, f"invalid YAML: {exc}")]
    finally:
        loader.dispose()
    document = YamlDocument(data=None)
    if node is None:
        return document, []
    problems: list[Problem] = []
    document.data = _Converter(document, display, problems).convert(node, ())
    return document, problems


def _decode(raw: bytes, display: str) -> tuple[str, Problem | None]:
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        return "", Problem(
            display,
            line,
            column,
            f"file is not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save it as UTF-8",
        )


def _tab_indentation(text: str, display: str) -> list[Problem]:
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent:
            problems.append(
                Problem(display, number, indent.index("\t") + 1, "tab in indentation; use spaces")
            )
    return problems


class _Converter:
    def __init__(self, document: YamlDocument, display: str, problems: list[Problem]) -> None:
        self._document = document
        self._display = display
        self._problems = problems
        self._constructor = SafeConstructor()

    def convert(self, node: Node, path: ValuePath) -> Any:
        self._document.value_positions[path] = _position(node)
        if isinstance(node, MappingNode | SequenceNode) and node.tag not in _COLLECTION_TAGS:
            # A tagged collection (!!python/object, !!set, ...) means something other than
            # plain data; refuse it rather than quietly reading it as a list or mapping.
            self._problem(*_position(node), f"unsupported YAML tag {excerpt(node.tag)}")
            return None
        if isinstance(node, MappingNode):
            return self._mapping(node, path)
        if isinstance(node, SequenceNode):
            return [self.convert(item, (*path, i)) for i, item in enumerate(node.value)]
        return self._scalar(node)

    def _mapping(self, node: MappingNode, path: ValuePath) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            line, column = _position(key_node)
            if not isinstance(key_node, ScalarNode):
                self._problem(line, column, "a key must be plain text")
                continue
            key = self._scalar(key_node)
            if not isinstance(key, str | int):
                key = str(key)
            if key in result:
                first_line, _ = self._document.key_positions[(*path, key)]
                self._problem(
                    line, column, f"duplicate key {excerpt(key)} (first at line {first_line})"
                )
                continue
            self._document.key_positions[(*path, key)] = (line, column)
            result[key] = self.convert(value_node, (*path, key))
        return result

    def _scalar(self, node: Node) -> Any:
        if node.tag not in self._constructor.yaml_constructors:
            # Said here rather than by PyYAML, whose message quotes the whole tag.
            self._problem(*_position(node), f"unsupported YAML tag {excerpt(node.tag)}")
            return None
        try:
            return self._constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, TypeError, OverflowError) as exc:
            line, column = _position(node)
            reason = getattr(exc, "problem", None) or str(exc)
            self._problem(line, column, f"cannot read value {excerpt(node.value)}: {reason}")
            return None

    def _problem(self, line: int, column: int, message: str) -> None:
        self._problems.append(Problem(self._display, line, column, message))


def _position(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1
