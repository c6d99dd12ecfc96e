"""The JSON Schema that editors use and the loader must accept and refuse the same files."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from knowledge.entry_schema import TopicFileValidator
from knowledge.yaml_source import parse_yaml_text

SCHEMA = json.loads(
    (Path(__file__).parents[2] / "knowledge" / "schema" / "faq.schema.json").read_text()
)

VALID = """\
topic: sample
entries:
  - id: sample-entry
    question: What is a sample?
    alternates: [a sample, example of a sample]
    answer: A sample is a small part that shows what the whole is like.
    sources:
      - title: Example
        url: https://example.org/sample
    tags: [samples]
    related: []
    updated: 2026-01-01
"""

MUTATIONS = {
    "unknown entry key": ("    tags:", "    tag: [x]\n    tags:"),
    "unknown top-level key": ("entries:", "topics: sample\nentries:"),
    "missing answer": (
        "    answer: A sample is a small part that shows what the whole is like.\n",
        "",
    ),
    "question too long": ("What is a sample?", "Why" + " why" * 30 + "?"),
    "answer too long": ("A sample is a small", "A sample " + "is " * 600),
    "id not kebab-case": ("id: sample-entry", "id: Sample_Entry"),
    "no sources": (
        "    sources:\n      - title: Example\n        url: https://example.org/sample\n",
        "    sources: []\n",
    ),
    "ftp url": ("https://example.org/sample", "ftp://example.org/sample"),
    "source without title": ("      - title: Example\n        url:", "      - url:"),
    "tag with spaces": ("[samples]", "[two words]"),
    "updated not a date": ("2026-01-01", "soon"),
    "alternates not a list": ("[a sample, example of a sample]", "a sample"),
    "entries empty": (VALID[VALID.index("  - id") :], "  []\n"),
    "related not kebab-case": ("related: []", "related: [Not An Id]"),
    "empty topic title": ("entries:", 'topic_title: "  "\nentries:'),
    "topic title on two lines": ("entries:", 'topic_title: "Two\\nlines"\nentries:'),
    "topic title too long": ("entries:", f"topic_title: {'T' * 101}\nentries:"),
    "topic title not text": ("entries:", "topic_title: [a, b]\nentries:"),
}

JA_BLOCK = """\
    ja:
      question: サンプルとは何ですか？
      alternates: [サンプルの意味, サンプルって何, 見本とは]
      answer: サンプルは、全体がどのようなものかを示す小さな部分です。
"""
JA_TOPIC = "ja:\n  topic_title: サンプルと例\nentries:"
BILINGUAL = VALID.replace("    sources:", JA_BLOCK + "    sources:", 1).replace(
    "entries:", JA_TOPIC, 1
)

JA_MUTATIONS = {
    "ja question missing": ("      question: サンプルとは何ですか？\n", ""),
    "ja answer missing": (
        "      answer: サンプルは、全体がどのようなものかを示す小さな部分です。\n",
        "",
    ),
    "ja question too long": ("サンプルとは何ですか？", "サ" * 101),
    "ja answer too long": ("全体がどのような", "全体が" * 501),
    "ja alternate too long": ("見本とは", "見" * 201),
    "ja with two alternates": (
        "[サンプルの意味, サンプルって何, 見本とは]",
        "[サンプルの意味, 見本とは]",
    ),
    "ja unknown key": ("      answer: サンプル", "      sources: []\n      answer: サンプル"),
    "ja not a mapping": (JA_BLOCK, "    ja: サンプル\n"),
    "ja topic title too long": ("サンプルと例", "例" * 101),
    "ja topic title missing": (JA_TOPIC, "ja: {}\nentries:"),
    "ja topic unknown key": (JA_TOPIC, "ja:\n  title: 例\nentries:"),
}


def schema_accepts(text: str) -> bool:
    data = yaml.safe_load(text)
    return jsonschema.Draft202012Validator(
        SCHEMA, format_checker=jsonschema.FormatChecker()
    ).is_valid(_dates_as_text(data))


def loader_accepts(text: str) -> bool:
    document, problems = parse_yaml_text(text, "sample.yaml")
    assert document is not None
    validator = TopicFileValidator(document, "sample.yaml", "sample")
    validator.entries()
    return not problems and not validator.problems


def _dates_as_text(value: Any) -> Any:
    # Editors see YAML dates as strings; PyYAML turns them into date objects.
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _dates_as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dates_as_text(v) for v in value]
    return value


def test_both_accept_the_valid_sample() -> None:
    assert schema_accepts(VALID)
    assert loader_accepts(VALID)


def test_both_accept_a_topic_title() -> None:
    titled = VALID.replace("entries:", "topic_title: Samples and examples\nentries:", 1)
    assert schema_accepts(titled)
    assert loader_accepts(titled)


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_both_refuse_each_invalid_sample(name: str) -> None:
    old, new = MUTATIONS[name]
    assert old in VALID
    text = VALID.replace(old, new, 1)
    assert not schema_accepts(text), f"schema accepted: {name}"
    assert not loader_accepts(text), f"loader accepted: {name}"


def test_both_accept_japanese_blocks() -> None:
    assert schema_accepts(BILINGUAL)
    assert loader_accepts(BILINGUAL)


def test_both_accept_a_japanese_block_without_alternates() -> None:
    text = BILINGUAL.replace("      alternates: [サンプルの意味, サンプルって何, 見本とは]\n", "")
    assert schema_accepts(text)
    assert loader_accepts(text)


@pytest.mark.parametrize("name", sorted(JA_MUTATIONS))
def test_both_refuse_each_invalid_japanese_block(name: str) -> None:
    old, new = JA_MUTATIONS[name]
    assert old in BILINGUAL
    text = BILINGUAL.replace(old, new, 1)
    assert not schema_accepts(text), f"schema accepted: {name}"
    assert not loader_accepts(text), f"loader accepted: {name}"


def test_every_shipped_faq_file_passes_the_schema() -> None:
    for path in sorted((Path(__file__).parents[2] / "knowledge" / "faq").glob("[!_]*.yaml")):
        text = path.read_text(encoding="utf-8")
        assert text.startswith("# yaml-language-server: $schema=../schema/faq.schema.json\n")
        assert schema_accepts(text), path.name
