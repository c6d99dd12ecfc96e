"""The FAQ's small-talk file (``_smalltalk.yaml``): messages that must never get an FAQ answer.

Data, like the synonyms, so maintainers can add the greetings and one-word replies their
community actually sends without touching code.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from knowledge.entry_schema import KEBAB_CASE
from knowledge.model import SmallTalk
from knowledge.problems import Problem, excerpt
from knowledge.text import strip_discord_markup
from knowledge.yaml_source import ValuePath, YamlDocument

SMALL_TALK_FILE = "_smalltalk.yaml"
KIND_KEYS = ("id", "reply", "help", "phrases", "ja")
MAX_PHRASE_CHARS = 100
# A reply is sent as a short message; a paragraph would read as an answer.
MAX_REPLY_CHARS = 300

_EDGE_PUNCTUATION = " .!?,~…。！？、"
_SPACES = re.compile(r"\s+")


def surface(text: str) -> str:
    """A message as typed, folded only enough to compare whole messages.

    Unlike ``knowledge.text.normalise`` this keeps emoji and punctuation inside the message,
    so "👍" and "?" can be listed; it drops the punctuation people add at the ends ("thanks!!").
    """
    folded = unicodedata.normalize("NFKC", strip_discord_markup(text)).casefold()
    folded = _SPACES.sub(" ", folded).strip()
    return folded.strip(_EDGE_PUNCTUATION) or folded


def read_small_talk(
    document: YamlDocument, display: str
) -> tuple[tuple[SmallTalk, ...], list[Problem]]:
    problems: list[Problem] = []

    def error(path: ValuePath, message: str) -> None:
        line, column = document.position(path)
        problems.append(Problem(display, line, column, message))

    data = document.data
    if not isinstance(data, dict) or set(data) != {"smalltalk"}:
        error((), "expected one key, 'smalltalk': a list of kinds of message with their reply")
        return (), problems
    kinds = data["smalltalk"]
    if not isinstance(kinds, list):
        error(("smalltalk",), "'smalltalk' must be a list")
        return (), problems
    result: list[SmallTalk] = []
    seen_ids: set[str] = set()
    owner: dict[str, str] = {}
    for index, item in enumerate(kinds):
        path: ValuePath = ("smalltalk", index)
        kind = _read_kind(item, path, error)
        if kind is None:
            continue
        if kind.id in seen_ids:
            error((*path, "id"), f"duplicate small-talk id '{kind.id}'")
            continue
        seen_ids.add(kind.id)
        for number, phrase in enumerate(kind.phrases):
            key = surface(phrase)
            if owner.setdefault(key, kind.id) != kind.id:
                error(
                    (*path, "phrases", number),
                    f"small-talk phrase {excerpt(phrase)} is also listed under '{owner[key]}'",
                )
        result.append(kind)
    return tuple(result), problems


def _read_kind(item: Any, path: ValuePath, error: Any) -> SmallTalk | None:
    if not isinstance(item, dict):
        error(path, "each small-talk kind is a mapping with 'id', 'phrases' and 'reply'")
        return None
    unknown = [key for key in item if key not in KIND_KEYS]
    if unknown:
        error((*path, unknown[0]), f"unknown key {unknown[0]!r}; allowed: {', '.join(KIND_KEYS)}")
        return None
    kind_id = item.get("id")
    if not isinstance(kind_id, str) or not KEBAB_CASE.match(kind_id):
        error((*path, "id") if "id" in item else path, "'id' must be lower-case-with-hyphens")
        return None
    shows_help = item.get("help", False)
    reply = item.get("reply", "")
    if not isinstance(shows_help, bool):
        error((*path, "help"), "'help' must be true or false")
        return None
    if shows_help == bool(reply):
        error(path, f"small talk '{kind_id}' needs either a 'reply' or 'help: true', not both")
        return None
    if not isinstance(reply, str) or len(reply) > MAX_REPLY_CHARS:
        error((*path, "reply"), f"'reply' must be text of at most {MAX_REPLY_CHARS} characters")
        return None
    reply_ja = _japanese_reply(item, path, kind_id, error)
    if reply_ja is None:
        return None
    phrases = item.get("phrases")
    if not isinstance(phrases, list) or not phrases:
        error(
            (*path, "phrases") if "phrases" in item else path, "'phrases' must be a non-empty list"
        )
        return None
    for number, phrase in enumerate(phrases):
        if not isinstance(phrase, str) or not phrase.strip() or len(phrase) > MAX_PHRASE_CHARS:
            error(
                (*path, "phrases", number),
                f"a phrase must be text of 1 to {MAX_PHRASE_CHARS} characters (quote numbers)",
            )
            return None
    return SmallTalk(kind_id, tuple(phrases), reply, shows_help, reply_ja)


def _japanese_reply(item: dict[str, Any], path: ValuePath, kind_id: str, error: Any) -> str | None:
    """The kind's ``ja: {reply}``: "" when it has none, None after reporting a mistake."""
    if "ja" not in item:
        return ""
    block = item["ja"]
    if not isinstance(block, dict) or set(block) != {"reply"}:
        error((*path, "ja"), "'ja' must be a mapping with one key, 'reply'")
        return None
    if item.get("help", False):
        error(
            (*path, "ja"),
            f"small talk '{kind_id}' shows the help text; it has no reply to translate",
        )
        return None
    reply = block["reply"]
    if not isinstance(reply, str) or not reply.strip() or len(reply) > MAX_REPLY_CHARS:
        error(
            (*path, "ja", "reply"),
            f"'ja.reply' must be text of 1 to {MAX_REPLY_CHARS} characters",
        )
        return None
    return reply.strip()
