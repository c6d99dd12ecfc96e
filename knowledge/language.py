"""The languages the FAQ answers in, and which one a question is asked in."""

from __future__ import annotations

import re
from typing import Literal

Language = Literal["en", "ja"]
LANGUAGES: tuple[Language, ...] = ("en", "ja")

HIRAGANA = "\u3041-\u309f"
KATAKANA = "\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f"
# CJK ideographs, with 々 (the repetition mark) and 〆, which are written as kanji.
KANJI = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3005\u3006"
_JAPANESE_CHARS = re.compile(f"[{HIRAGANA}{KATAKANA}{KANJI}]")


def has_japanese(text: str) -> bool:
    """Whether ``text`` has kana or kanji in it: a question written in Japanese.

    One such character is enough: "TSUBAMEとは" is Japanese, and nobody writes English with
    kana in it.
    """
    return _JAPANESE_CHARS.search(text) is not None


def answer_language(question: str, locale: Language | None = None) -> Language:
    """Japanese for a question written in Japanese or an asker whose locale is Japanese;
    English otherwise (a Japanese reader who asks in English still reads Japanese best)."""
    return "ja" if locale == "ja" or has_japanese(question) else "en"
