"""Validate one parsed topic file against the FAQ format, entry by entry.

The rules here and ``knowledge/schema/faq.schema.json`` describe the same format; a test
runs both over the same samples so they cannot drift apart.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from rapidfuzz import process

from knowledge.model import Entry, Source, Translation
from knowledge.problems import Problem, excerpt, format_count
from knowledge.text import normalise
from knowledge.yaml_source import ValuePath, YamlDocument

KEBAB_CASE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_KEBAB_GAPS = re.compile(r"[^a-z0-9]+")
MAX_ID_CHARS = 64
# Discord shows the question as an autocomplete choice, whose name allows 100 characters.
MAX_FAQ_QUESTION_CHARS = 100
MAX_ALTERNATE_CHARS = 200
# The answer is an embed description; 1,500 leaves room for the sources and footer.
MAX_ANSWER_CHARS = 1500
MAX_SOURCE_TITLE_CHARS = 200
MAX_URL_CHARS = 500
# Shown as a select-menu option in Discord, whose label allows 100 characters.
MAX_TOPIC_TITLE_CHARS = 100

# A Japanese entry's other ways of asking: enough for Japanese questions to find it by its
# own words, the way the English alternates do.
MIN_JA_ALTERNATES = 3

FILE_KEYS = ("topic", "entries")
OPTIONAL_FILE_KEYS = ("topic_title", "ja")
FILE_JA_KEYS = ("topic_title",)
ENTRY_KEYS = ("id", "question", "alternates", "answer", "sources", "tags", "related", "updated")
OPTIONAL_ENTRY_KEYS = ("ja",)
JA_KEYS = ("question", "answer")
OPTIONAL_JA_KEYS = ("alternates",)
SOURCE_KEYS = ("title", "url")


class TopicFileValidator:
    """Collects every problem in one topic file rather than stopping at the first."""

    def __init__(self, document: YamlDocument, display: str, stem: str) -> None:
        self._doc = document
        self._display = display
        self._stem = stem
        self.problems: list[Problem] = []
        # Ids of every entry written in the file, valid or not: another entry's `related`
        # pointing at an entry with a mistake is not a second mistake.
        self.declared_ids: set[str] = set()
        # The topic's display name (``topic_title``), when the file gives a valid one, and
        # its Japanese one (``ja: {topic_title}``).
        self.topic_title: str | None = None
        self.topic_title_ja: str | None = None

    def entries(self) -> list[tuple[int, Entry]]:
        """The valid entries, each with its position in the file's `entries` list."""
        data = self._doc.data
        if data is None:
            self._error((), "file is empty; expected 'topic' and 'entries' keys")
            return []
        if not isinstance(data, dict):
            self._error((), f"expected a mapping with 'topic' and 'entries', found {_kind(data)}")
            return []
        self._check_keys(data, (), FILE_KEYS, "", optional=OPTIONAL_FILE_KEYS)
        self.topic_title = self._topic_title(data, ("topic_title",), "'topic_title'")
        self.topic_title_ja = self._topic_title_ja(data)
        topic = data.get("topic")
        if topic != self._stem:
            self._error(
                ("topic",),
                f"'topic' must equal the file name '{self._stem}', found {excerpt(topic)}",
            )
        if "entries" not in data:
            return []
        raw_entries = data["entries"]
        if not isinstance(raw_entries, list) or not raw_entries:
            self._error(("entries",), "'entries' must be a non-empty list of entries")
            return []
        entries = []
        for index, raw in enumerate(raw_entries):
            if isinstance(raw, dict) and isinstance(raw.get("id"), str):
                self.declared_ids.add(raw["id"])
                # A malformed id ("Swallow Migration") is one mistake: the entries whose
                # `related` name it as intended ("swallow-migration") are not more.
                self.declared_ids.add(_KEBAB_GAPS.sub("-", raw["id"].lower()).strip("-"))
            entry = self._entry(raw, ("entries", index))
            if entry is not None:
                entries.append((index, entry))
        return entries

    def _topic_title(self, data: dict[str, Any], path: ValuePath, name: str) -> str | None:
        if "topic_title" not in data:
            return None
        value = data["topic_title"]
        if not isinstance(value, str) or not value.strip() or "\n" in value or "\r" in value:
            self._error(path, f"{name} must be one line of non-empty text")
            return None
        if len(value.strip()) > MAX_TOPIC_TITLE_CHARS:
            self._error(
                path,
                f"{name} is {format_count(len(value.strip()))} characters; "
                f"the limit is {MAX_TOPIC_TITLE_CHARS}",
            )
            return None
        return value.strip()

    def _topic_title_ja(self, data: dict[str, Any]) -> str | None:
        if "ja" not in data:
            return None
        block = data["ja"]
        if not isinstance(block, dict):
            self._error(("ja",), f"'ja' must be a mapping with 'topic_title', found {_kind(block)}")
            return None
        self._check_keys(block, ("ja",), FILE_JA_KEYS, "'ja'")
        return self._topic_title(block, ("ja", "topic_title"), "'ja.topic_title'")

    def _entry(self, raw: Any, path: ValuePath) -> Entry | None:
        if not isinstance(raw, dict):
            self._error(path, f"an entry must be a mapping, found {_kind(raw)}")
            return None
        entry_id = raw.get("id")
        label = (
            f"entry {excerpt(entry_id)}"
            if isinstance(entry_id, str)
            else f"entry #{int(path[-1]) + 1}"
        )
        before = len(self.problems)
        self._check_keys(raw, path, ENTRY_KEYS, label, optional=OPTIONAL_ENTRY_KEYS)

        if not isinstance(entry_id, str) or not KEBAB_CASE.match(entry_id):
            self._error((*path, "id"), f"{label}: 'id' must be kebab-case (a-z, 0-9, hyphens)")
        elif len(entry_id) > MAX_ID_CHARS:
            self._error((*path, "id"), f"{label}: 'id' is longer than {MAX_ID_CHARS} characters")
        question = self._text(raw, path, "question", label, MAX_FAQ_QUESTION_CHARS)
        answer = self._text(raw, path, "answer", label, MAX_ANSWER_CHARS)
        alternates = self._list(raw, path, "alternates", label, self._alternate)
        sources = self._list(raw, path, "sources", label, self._source, minimum=1)
        tags = self._list(raw, path, "tags", label, self._kebab)
        related = self._list(raw, path, "related", label, self._kebab)
        updated = self._date(raw, path, label)
        japanese = self._translation(raw, path, label)
        if len(self.problems) > before:
            return None
        return Entry(
            id=str(entry_id),
            topic=self._stem,
            question=question.strip(),
            alternates=tuple(a.strip() for a in alternates),
            answer=answer.strip(),
            sources=tuple(sources),
            tags=tuple(tags),
            related=tuple(related),
            updated=updated or dt.date.min,
            ja=japanese,
        )

    def _translation(self, raw: dict[str, Any], path: ValuePath, label: str) -> Translation | None:
        """The entry's ``ja`` block, checked like the English fields it translates."""
        if "ja" not in raw:
            return None
        block = raw["ja"]
        path = (*path, "ja")
        label = f"{label}: 'ja'"
        if not isinstance(block, dict):
            self._error(path, f"{label} must be a mapping with 'question' and 'answer'")
            return None
        before = len(self.problems)
        self._check_keys(block, path, JA_KEYS, label, optional=OPTIONAL_JA_KEYS)
        question = self._text(block, path, "question", label, MAX_FAQ_QUESTION_CHARS)
        answer = self._text(block, path, "answer", label, MAX_ANSWER_CHARS)
        alternates = self._list(
            block, path, "alternates", label, self._alternate, minimum=MIN_JA_ALTERNATES
        )
        if len(self.problems) > before:
            return None
        return Translation(
            question=question.strip(),
            alternates=tuple(a.strip() for a in alternates),
            answer=answer.strip(),
        )

    def _text(self, raw: dict[str, Any], path: ValuePath, key: str, label: str, limit: int) -> str:
        value = raw.get(key)
        if key not in raw:
            return ""
        if not isinstance(value, str) or not value.strip():
            self._error((*path, key), f"{label}: '{key}' must be non-empty text")
            return ""
        length = len(value.strip())
        if length > limit:
            self._error(
                (*path, key),
                f"{label}: '{key}' is {format_count(length)} characters; "
                f"the limit is {format_count(limit)}",
            )
        elif key == "question" and not normalise(value):
            self._error((*path, key), f"{label}: 'question' has no words to match on")
        return value

    def _list(
        self,
        raw: dict[str, Any],
        path: ValuePath,
        key: str,
        label: str,
        check_item: Callable[[Any, ValuePath, str], Any],
        minimum: int = 0,
    ) -> list[Any]:
        if key not in raw:
            return []
        value = raw[key]
        if not isinstance(value, list):
            self._error((*path, key), f"{label}: '{key}' must be a list, found {_kind(value)}")
            return []
        if len(value) < minimum:
            noun = "item" if minimum == 1 else "items"
            self._error((*path, key), f"{label}: '{key}' needs at least {minimum} {noun}")
        items = [
            check_item(item, (*path, key, i), f"{label}: '{key}'") for i, item in enumerate(value)
        ]
        return [item for item in items if item is not None]

    def _alternate(self, value: Any, path: ValuePath, label: str) -> str | None:
        if not isinstance(value, str) or not normalise(value):
            self._error(path, f"{label} item must be text with at least one word")
            return None
        if len(value) > MAX_ALTERNATE_CHARS:
            self._error(
                path,
                f"{label} item is {format_count(len(value))} characters; "
                f"the limit is {MAX_ALTERNATE_CHARS}",
            )
            return None
        return value

    def _kebab(self, value: Any, path: ValuePath, label: str) -> str | None:
        if not isinstance(value, str) or not KEBAB_CASE.match(value):
            self._error(
                path, f"{label} item {excerpt(value)} must be kebab-case (a-z, 0-9, hyphens)"
            )
            return None
        return value

    def _source(self, value: Any, path: ValuePath, label: str) -> Source | None:
        if not isinstance(value, dict):
            self._error(path, f"{label} item must be a mapping with 'title' and 'url'")
            return None
        before = len(self.problems)
        self._check_keys(value, path, SOURCE_KEYS, f"{label} item")
        title, url = value.get("title"), value.get("url")
        if not isinstance(title, str) or not title.strip():
            self._error((*path, "title"), f"{label} item needs a non-empty 'title'")
        elif len(title) > MAX_SOURCE_TITLE_CHARS:
            self._error(
                (*path, "title"),
                f"{label} title is longer than {MAX_SOURCE_TITLE_CHARS} characters",
            )
        if not isinstance(url, str) or not is_web_url(url):
            self._error(
                (*path, "url"), f"{label} item needs an http(s) 'url', found {excerpt(url)}"
            )
        elif len(url) > MAX_URL_CHARS:
            self._error((*path, "url"), f"{label} url is longer than {MAX_URL_CHARS} characters")
        if len(self.problems) > before:
            return None
        return Source(title=str(title).strip(), url=str(url).strip())

    def _date(self, raw: dict[str, Any], path: ValuePath, label: str) -> dt.date | None:
        value = raw.get("updated")
        if "updated" not in raw:
            return None
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = dt.date.fromisoformat(value)
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            self._error(
                (*path, "updated"),
                f"{label}: 'updated' must be a date YYYY-MM-DD, found {excerpt(value)}",
            )
            return None
        return value

    def _check_keys(
        self,
        mapping: dict[Any, Any],
        path: ValuePath,
        required: tuple[str, ...],
        label: str,
        *,
        optional: tuple[str, ...] = (),
    ) -> None:
        allowed = required + optional
        # A misspelt key ("answr") is one mistake, reported with its likely meaning; the key
        # it meant is then not reported missing as well.
        meant: set[str] = set()
        for key in mapping:
            if key not in allowed:
                hint = process.extractOne(str(key), allowed, score_cutoff=60)
                suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
                if hint and hint[0] not in mapping:
                    meant.add(hint[0])
                line, column = self._doc.key_position((*path, key))
                self.problems.append(
                    Problem(
                        self._display,
                        line,
                        column,
                        f"{_prefix(label)}unknown key {excerpt(key)}{suggestion} "
                        f"(allowed: {', '.join(allowed)})",
                    )
                )
        for key in required:
            if key not in mapping and key not in meant:
                self._error(path, f"{_prefix(label)}missing key '{key}'")

    def _error(self, path: ValuePath, message: str) -> None:
        line, column = self._doc.position(path)
        self.problems.append(Problem(self._display, line, column, message))


def is_web_url(url: str) -> bool:
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018  (raises ValueError on a malformed port)
    except ValueError:
        return False
    return parts.scheme in {"http", "https"} and bool(parts.hostname) and " " not in url.strip()


def _prefix(label: str) -> str:
    return f"{label}: " if label else ""


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if value is None:
        return "nothing"
    return f"{type(value).__name__} {excerpt(value)}"
