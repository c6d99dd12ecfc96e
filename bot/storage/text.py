"""Making users' text safe to keep in the question log and to show to maintainers again."""

from __future__ import annotations

import unicodedata

from knowledge.text import strip_discord_markup

# Invisible format characters (zero-width spaces and joiners, direction overrides such as
# U+202E, which reorder what a maintainer reads) and lone surrogates (which cannot be
# encoded as UTF-8, so SQLite cannot store them) are dropped.
_DROPPED = frozenset({"Cf", "Cs"})


def printable(text: str, limit: int | None = None) -> str:
    """``text`` as the question log keeps it: on one line, at most ``limit`` characters.

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
        if (category := unicodedata.category(ch)) not in _DROPPED
    )
    cleaned = " ".join("".join(kept).split())
    return cleaned if limit is None else cleaned[:limit]
