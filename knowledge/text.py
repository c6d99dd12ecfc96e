"""Text normalisation shared by the FAQ index and incoming questions, and question cleaning.

Phrases are normalised once when the FAQ loads and each question once per query, with the
same function, so both sides always agree on what a "word" is. ``printable`` is the one
cleaning an incoming question gets before it is matched, logged or shown to maintainers.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from knowledge.japanese import fold_variants, is_japanese_run, run_tokens, split_scripts

# Questions longer than this are cut before any work: nobody asks a FAQ question in more
# than a few sentences, and the cap bounds the cost of hostile input (10,000-character pastes).
MAX_INPUT_CHARS = 500
# A second bound after tokenising, so a 500-character run of one-letter words stays cheap.
MAX_QUESTION_TOKENS = 64
# Loading the FAQ and indexing it normalise the same phrases again on every start and reload
# (about 1,500 of them, a third of the time a load takes); both functions below are pure, so
# the results for this many recent texts are kept (at most ~16 MB, were they all 500-character
# questions).
KEPT_NORMALISATIONS = 8192

# Discord markup that carries no meaning for matching: user, role and channel mentions,
# custom emoji, timestamps and slash-command mentions.
_DISCORD_MARKUP = re.compile(r"<(?:@[!&]?\d+|#\d+|a?:\w+:\d+|t:\d+(?::\w)?|/[\w -]+:\d+)>")
_WHITESPACE = re.compile(r"\s")
_INVISIBLE = frozenset({"Cf", "Cc", "Co", "Cs", "Cn"})
_COMBINING = frozenset({"Mn", "Me"})
_END_OF_LATIN = 0x0250
_NON_WORD = re.compile(r"[\W_]+")
# "tokyo2020" and "tokyo 2020" must be the same words; so must "sechack365" and "sechack 365".
# Short codes such as "g7" or "5g" stay whole: the split needs three letters on the word side.
_LETTER_DIGIT_BOUNDARY = re.compile(r"(?<=[^\W\d_]{3})(?=\d)|(?<=\d)(?=[^\W\d_]{3})")


def strip_discord_markup(text: str) -> str:
    """Remove mentions, custom emoji and similar markup, keeping the words around them."""
    return _DISCORD_MARKUP.sub(" ", text)


@functools.lru_cache(maxsize=KEPT_NORMALISATIONS)
def normalise(text: str) -> str:
    """Fold a question or FAQ phrase to lower-case words separated by single spaces.

    Compatibility forms (full-width letters, ligatures) fold to plain ones, accents and
    other combining marks and invisible format characters (zero-width spaces, direction
    marks) are dropped, and punctuation becomes a word break. Katakana loanwords are
    spelled one way (``knowledge.japanese.fold_variants``).
    """
    # Line breaks and tabs separate words; they must not vanish with the other controls.
    text = _WHITESPACE.sub(" ", strip_discord_markup(text[:MAX_INPUT_CHARS]))
    kept: list[str] = []
    for ch in unicodedata.normalize("NFKD", text):
        category = unicodedata.category(ch)
        if category in _INVISIBLE:
            continue
        # Accents are dropped from Latin letters only ("café" is "cafe"); in other scripts a
        # combining mark changes the letter (Japanese dakuten), so it stays.
        if category in _COMBINING and (not kept or ord(kept[-1]) < _END_OF_LATIN):
            continue
        kept.append(ch)
    folded = fold_variants(unicodedata.normalize("NFC", "".join(kept)).casefold())
    folded = _LETTER_DIGIT_BOUNDARY.sub(" ", folded)
    return " ".join(_NON_WORD.sub(" ", folded).split())


def stem(word: str) -> str:
    """A deliberately small English stemmer: plurals and possessives only.

    Heavier stemmers merge words this FAQ must keep apart (``united``/``unit``,
    ``training``/``train``); other word families are listed as synonyms in the FAQ data.
    """
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is", "os")):
        return word[:-1]
    return word


def words(text: str) -> list[str]:
    """Normalised, stemmed words of ``text``, at most ``MAX_QUESTION_TOKENS`` of them.

    Japanese, written without spaces, gives the tokens of ``knowledge.japanese.run_tokens``;
    a Latin word inside it is a word of its own ("tsubameとは" has the word "tsubame").
    """
    return list(_words(text))


@functools.lru_cache(maxsize=KEPT_NORMALISATIONS)
def _words(text: str) -> tuple[str, ...]:
    tokens: list[str] = []
    for word in normalise(text).split():
        for run in split_scripts(word):
            if is_japanese_run(run):
                tokens.extend(run_tokens(run))
            # Lone letters are what is left of possessives ("uk's") and initials: noise.
            elif len(run) > 1 or run.isdigit():
                tokens.append(stem(run))
        if len(tokens) >= MAX_QUESTION_TOKENS:
            break
    return tuple(tokens[:MAX_QUESTION_TOKENS])


# Invisible format characters (zero-width spaces and joiners, direction overrides such as
# U+202E, which reorder what a maintainer reads) and lone surrogates (which cannot be
# encoded as UTF-8, so SQLite cannot store them) are dropped.
_UNSHOWN = frozenset({"Cf", "Cs"})


def printable(text: str, limit: int | None = None) -> str:
    """``text`` cleaned of what would garble it when shown again: on one line, at most
    ``limit`` characters. The bot answers and logs questions in this form.

    Control characters (newlines, NUL, ANSI escape sequences that would drive the terminal
    of whoever runs ``faqbot report``) become spaces, the characters above are dropped and
    runs of whitespace collapse. Discord mentions are removed too: the log promises to keep
    no names, and ``<@123>`` is someone's user id.
    """
    # Cut before the per-character work so a 100,000-character paste costs no more than a
    # short one; four times the limit leaves room for what cleaning removes.
    if limit is not None:
        text = text[: limit * 4]
    text = strip_discord_markup(text)
    kept = (
        " " if category == "Cc" else ch
        for ch in text
        if (category := unicodedata.category(ch)) not in _UNSHOWN
    )
    cleaned = " ".join("".join(kept).split())
    return cleaned if limit is None else cleaned[:limit]
