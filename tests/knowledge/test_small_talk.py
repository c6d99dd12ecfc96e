"""The small-talk file: how it is validated and what the matcher reads from it."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from knowledge.loader import SHIPPED_FAQ_DIR, load_knowledge_base
from knowledge.small_talk import surface

TOPIC = """\
topic: a
entries:
  - id: first-entry
    question: What is the first entry?
    alternates: [another way to ask]
    answer: An answer.
    sources:
      - title: A source
        url: https://example.org/a
    tags: []
    related: []
    updated: 2026-01-01
"""


@pytest.fixture
def faq(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    directory = tmp_path / "faq"
    directory.mkdir()
    (directory / "a.yaml").write_text(TOPIC, encoding="utf-8")
    return directory


def errors_with(faq: Path, body: str) -> list[str]:
    (faq / "_smalltalk.yaml").write_text(body, encoding="utf-8")
    result = load_knowledge_base(faq)
    assert result.knowledge_base is None, "expected the FAQ to be refused"
    return [str(p) for p in result.errors]


def test_the_shipped_small_talk_loads_with_a_help_kind() -> None:
    knowledge_base = load_knowledge_base(SHIPPED_FAQ_DIR).knowledge_base
    assert knowledge_base is not None
    kinds = {kind.id: kind for kind in knowledge_base.small_talk}
    assert {"greeting", "thanks", "help"} <= set(kinds)
    assert kinds["help"].shows_help
    assert not kinds["help"].reply
    assert all(kind.reply for kind in kinds.values() if not kind.shows_help)


def test_a_valid_small_talk_file_is_read(faq: Path) -> None:
    (faq / "_smalltalk.yaml").write_text(
        "smalltalk:\n  - id: thanks\n    reply: Glad it helped!\n    phrases: [thanks, ty]\n",
        encoding="utf-8",
    )
    knowledge_base = load_knowledge_base(faq).knowledge_base
    assert knowledge_base is not None
    (kind,) = knowledge_base.small_talk
    assert (kind.id, kind.reply, kind.phrases) == ("thanks", "Glad it helped!", ("thanks", "ty"))


def test_a_japanese_reply_is_read_and_the_english_one_stands_in_without_it(faq: Path) -> None:
    (faq / "_smalltalk.yaml").write_text(
        "smalltalk:\n"
        "  - id: thanks\n    reply: Glad it helped!\n"
        "    ja:\n      reply: お役に立ててよかったです。\n"
        "    phrases: [thanks, ありがとう]\n"
        "  - id: greeting\n    reply: Hello!\n    phrases: [hi]\n",
        encoding="utf-8",
    )
    knowledge_base = load_knowledge_base(faq).knowledge_base
    assert knowledge_base is not None
    thanks, greeting = knowledge_base.small_talk
    assert thanks.reply_in("ja") == "お役に立ててよかったです。"
    assert thanks.reply_in("en") == "Glad it helped!"
    assert greeting.reply_in("ja") == "Hello!"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "smalltalk:\n  - id: thanks\n    reply: Hi\n    phrases: [thanks]\n    emoji: x\n",
            "faq/_smalltalk.yaml:5:12: unknown key 'emoji'; allowed: id, reply, help, phrases, ja",
        ),
        (
            "smalltalk:\n  - id: help\n    help: true\n    reply: Hi\n    phrases: [help]\n",
            "faq/_smalltalk.yaml:2:5: small talk 'help' needs either a 'reply' or 'help: true', "
            "not both",
        ),
        (
            # An unquoted no is YAML's false, not the word "no".
            "smalltalk:\n  - id: ack\n    reply: Ok\n    phrases:\n      - ok\n      - no\n",
            "faq/_smalltalk.yaml:6:9: a phrase must be text of 1 to 100 characters (quote numbers)",
        ),
        (
            "smalltalk:\n  - id: Thanks!\n    reply: Hi\n    phrases: [thanks]\n",
            "faq/_smalltalk.yaml:2:9: 'id' must be lower-case-with-hyphens",
        ),
        ("greetings: [hi]\n", "faq/_smalltalk.yaml:1:1: expected one key, 'smalltalk': a list"),
    ],
)
def test_mistakes_are_reported_at_their_line(faq: Path, body: str, expected: str) -> None:
    errors = errors_with(faq, body)
    assert len(errors) == 1
    assert errors[0].startswith(expected)


def test_a_phrase_listed_under_two_kinds_is_an_error(faq: Path) -> None:
    body = (
        "smalltalk:\n"
        "  - id: thanks\n    reply: a\n    phrases: [cheers]\n"
        "  - id: goodbye\n    reply: b\n    phrases: [bye, Cheers!]\n"
    )
    assert errors_with(faq, body) == [
        "faq/_smalltalk.yaml:7:20: small-talk phrase 'Cheers!' is also listed under 'thanks'"
    ]


def test_surface_folds_case_width_and_end_punctuation_but_keeps_emoji() -> None:
    assert surface("  THANKS!! ") == "thanks"
    assert surface("ｔｈａｎｋｓ") == "thanks"
    assert surface("👍") == "👍"
    assert surface("?") == "?"


SCHEMA = json.loads(
    (Path(__file__).parents[2] / "knowledge/schema/smalltalk.schema.json").read_text("utf-8")
)


def test_the_shipped_small_talk_file_passes_the_editors_schema() -> None:
    data = yaml.safe_load((SHIPPED_FAQ_DIR / "_smalltalk.yaml").read_text("utf-8"))
    jsonschema.validate(data, SCHEMA)


@pytest.mark.parametrize(
    "kind",
    [
        {"id": "a", "phrases": ["x"]},  # neither reply nor help
        {"id": "a", "reply": "r", "help": True, "phrases": ["x"]},  # both
        {"id": "a", "reply": "r", "phrases": [False]},  # an unquoted no
        {"id": "A!", "reply": "r", "phrases": ["x"]},
        {"id": "a", "reply": "r", "phrases": ["x"], "emoji": "y"},
        {"id": "a", "help": True, "phrases": ["x"], "ja": {"reply": "返事"}},  # help: no reply
        {"id": "a", "reply": "r", "phrases": ["x"], "ja": {"reply": "返事", "emoji": "y"}},
        {"id": "a", "reply": "r", "phrases": ["x"], "ja": {"reply": "返" * 301}},
        {"id": "a", "reply": "r", "phrases": ["x"], "ja": "返事"},
    ],
)
def test_the_schema_and_the_loader_refuse_the_same_kinds(
    faq: Path, kind: dict[str, object]
) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"smalltalk": [kind]}, SCHEMA)
    assert errors_with(faq, yaml.safe_dump({"smalltalk": [kind]}))
