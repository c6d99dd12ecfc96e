"""Japanese words as matching tokens.

Japanese is written without spaces, so the FAQ index needs another idea of a "word". This
module uses character bigrams, as search engines' CJK analysers do, instead of a
morphological analyser: the smallest analyser dictionaries are 100 MB and more installed
(Janome 113 MB, unidic-lite 249 MB), and the container image has 3 MB to spare. Bigrams
never straddle a change of script (kanji, katakana, hiragana), so "能動的サイバー防御" gives
能動 動的 | サイ イバ バー | 防御, without noise pairs such as 的サ.

Hiragana carries grammar far more than meaning (は, ですか, について), so ``matching``
weighs hiragana-only tokens as function words; the question words among them (どこ, いつ)
are read as the English question word they are, which the matcher already weighs.
"""

from __future__ import annotations

import re

from knowledge.language import HIRAGANA, KANJI, KATAKANA

_JAPANESE = f"{HIRAGANA}{KATAKANA}{KANJI}"
# One run of one script; the long-vowel mark ー joins the run it lengthens, whatever it is.
_SCRIPT_RUN = re.compile(f"[{KANJI}]+ー*|[{KATAKANA}]+|[{HIRAGANA}]+ー*|[^{_JAPANESE}]+")
_HIRAGANA_ONLY = re.compile(f"^[{HIRAGANA}ー]+$")
_JAPANESE_START = re.compile(f"^[{_JAPANESE}]")

# The spellings people mix up when typing katakana loanwords: ヴ for ブ (ヴィザ/ビザ), and
# long-vowel marks, which writers drop or keep (センター/センタ, セキュリティー). The marks
# go altogether, not only at a word's end, so サイバー reads the same alone and inside
# サイバーセキュリティ, where no space says where the first word ends.
_VU = {"ヴァ": "バ", "ヴィ": "ビ", "ヴェ": "ベ", "ヴォ": "ボ", "ヴ": "ブ"}
_VU_PATTERN = re.compile("|".join(sorted(_VU, key=len, reverse=True)))
_LONG_VOWEL = re.compile(f"(?<=[{KATAKANA}])ー+")

# Question words in their common spellings, read as the English question word, so a
# Japanese question weighs them as the matcher weighs "where" or "when".
QUESTION_WORDS = {
    "どこ": "where",
    "何処": "where",
    "いつ": "when",
    "何時": "when",
    "だれ": "who",
    "誰": "who",
    "なぜ": "why",
    "何故": "why",
    "どうして": "why",
    "なんで": "why",
    "どのように": "how",
    "どうやって": "how",
    "いくら": "much",
    "いくつ": "many",
    "何人": "many",
    "何": "what",
    "なに": "what",
    "なん": "what",
}
_QUESTION_WORD_PATTERN = re.compile("|".join(sorted(QUESTION_WORDS, key=len, reverse=True)))


def is_function_token(token: str) -> bool:
    """A token of hiragana only: grammar (particles, endings), not what is asked about."""
    return _HIRAGANA_ONLY.match(token) is not None


def fold_variants(text: str) -> str:
    """Katakana spelled one way: ヴ as ブ, and no long-vowel marks."""
    return _LONG_VOWEL.sub("", _VU_PATTERN.sub(lambda m: _VU[m.group()], text))


def split_scripts(word: str) -> list[str]:
    """A normalised word cut where the script changes: "tsubameとは" -> ["tsubame", "とは"]."""
    return _SCRIPT_RUN.findall(word)


def is_japanese_run(run: str) -> bool:
    return _JAPANESE_START.match(run) is not None


def run_tokens(run: str) -> list[str]:
    """The tokens of one run of Japanese script: its question words, then its bigrams.

    A run that is a question word (誰, 何人) is that word alone; a run of one other character
    is its own token (日 in 日ASEAN), except a lone hiragana (は, の, を), only a particle.
    """
    if run in QUESTION_WORDS:
        return [QUESTION_WORDS[run]]
    found = [QUESTION_WORDS[m.group()] for m in _QUESTION_WORD_PATTERN.finditer(run)]
    if len(run) == 1:
        return found if is_function_token(run) else [*found, run]
    return found + [run[i : i + 2] for i in range(len(run) - 1)]
