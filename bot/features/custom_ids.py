"""What a component's custom id means, read strictly.

The custom id says what to do ("faq:related:<asker>:tsubame-status"), so nothing about the
message needs to be remembered in memory and buttons keep working after a restart. Anything
that is not exactly one of these forms is none of the bot's (``parse_custom_id`` -> None).

A component on a message in Japanese carries ``faq:ja:`` for ``faq:`` (``in_language``), so
the reply to it is in Japanese too; one without the mark is answered in the language of the
member's Discord.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import discord

from knowledge.language import Language

ID = r"[a-z0-9]+(?:-[a-z0-9]+)*"
# ASCII only: Python's \d and [a-z] with re.IGNORECASE would let other scripts' digits and
# letters through ("faq:pick:١٢٣:…"); a snowflake is at most 20 digits (2^64).
SNOWFLAKE = r"[1-9][0-9]{0,19}"
# Names a "did you mean" (bot/answering/memory.py's Suggested).
TOKEN = "[0-9a-f]{8}"
# Discord's limit for a custom id; a longer one cannot be the bot's, and is not parsed.
MAX_CUSTOM_ID_CHARS = 100
PREFIX = "faq:"
JAPANESE_PREFIX = "faq:ja:"


@dataclass(frozen=True)
class Related:
    entry_id: str
    # Whom the answer holding the button was for; None on buttons made before it was kept.
    asker_id: int | None = None


@dataclass(frozen=True)
class Vote:
    entry_id: str
    helpful: bool


@dataclass(frozen=True)
class Pick:
    asker_id: int
    entry_id: str
    # The "did you mean" it was made from; None on buttons made before it was kept, and when
    # a long entry id leaves no room for it.
    token: str | None = None


@dataclass(frozen=True)
class Sources:
    entry_id: str


@dataclass(frozen=True)
class Share:
    entry_id: str


@dataclass(frozen=True)
class Delete:
    asker_id: int


@dataclass(frozen=True)
class Miss:
    """ "Not what I asked" under an auto-answer: for the member it answered, and moderators."""

    asker_id: int


@dataclass(frozen=True)
class NoneOfThese:
    asker_id: int
    token: str


@dataclass(frozen=True)
class WhatWasWrong:
    """The menu under a 👎 that asks what was wrong with the answer."""

    entry_id: str


@dataclass(frozen=True)
class ShowIn:
    """ "English" / "日本語" under an answer: show it in ``language``."""

    entry_id: str
    language: Language


@dataclass(frozen=True)
class TopicChoice:
    pass


@dataclass(frozen=True)
class EntryChoice:
    pass


Action = (
    Related
    | Vote
    | Pick
    | Sources
    | Share
    | Delete
    | Miss
    | NoneOfThese
    | WhatWasWrong
    | ShowIn
    | TopicChoice
    | EntryChoice
)

BUTTON = discord.ComponentType.button.value
STRING_SELECT = discord.ComponentType.string_select.value
_BUTTON_ID = re.compile(
    rf"faq:(?:related:(?:(?P<for>{SNOWFLAKE}):)?(?P<related>{ID})"
    rf"|vote:(?P<vote>{ID}):(?P<helpful>[01])"
    rf"|pick:(?P<asker>{SNOWFLAKE}):(?P<pick>{ID})(?::(?P<pick_token>{TOKEN}))?"
    rf"|sources:(?P<sources>{ID})|share:(?P<share>{ID})|delete:(?P<deleter>{SNOWFLAKE})"
    rf"|miss:(?P<misser>{SNOWFLAKE})|in:(?P<show_in>en|ja):(?P<show_entry>{ID})"
    rf"|none:(?P<none_asker>{SNOWFLAKE}):(?P<token>{TOKEN}))",
    re.ASCII,
)
_SELECT_IDS: dict[str, Action] = {"faq:topics": TopicChoice(), "faq:entry": EntryChoice()}
_WHY_ID = re.compile(rf"faq:why:(?P<entry>{ID})", re.ASCII)


def related_id(entry_id: str, asker_id: int) -> str:
    return f"faq:related:{asker_id}:{entry_id}"


def vote_id(entry_id: str, *, helpful: bool) -> str:
    return f"faq:vote:{entry_id}:{int(helpful)}"


def pick_id(asker_id: int, entry_id: str, token: str = "") -> str:
    plain = f"faq:pick:{asker_id}:{entry_id}"
    with_token = f"{plain}:{token}"
    return with_token if token and len(with_token) <= MAX_CUSTOM_ID_CHARS else plain


def sources_id(entry_id: str) -> str:
    return f"faq:sources:{entry_id}"


def share_id(entry_id: str) -> str:
    return f"faq:share:{entry_id}"


def delete_id(asker_id: int) -> str:
    return f"faq:delete:{asker_id}"


MISS_PREFIX = "faq:miss:"


def miss_id(asker_id: int) -> str:
    return f"{MISS_PREFIX}{asker_id}"


def none_id(asker_id: int, token: str) -> str:
    return f"faq:none:{asker_id}:{token}"


def why_id(entry_id: str) -> str:
    return f"faq:why:{entry_id}"


def show_in_id(entry_id: str, language: Language) -> str:
    return f"faq:in:{language}:{entry_id}"


def in_language(custom_id: str, language: Language) -> str:
    """``custom_id`` for a component on a message in ``language``: marked when Japanese
    (an id with no room left for the mark stays as it is)."""
    if language != "ja":
        return custom_id
    marked = JAPANESE_PREFIX + custom_id.removeprefix(PREFIX)
    return marked if len(marked) <= MAX_CUSTOM_ID_CHARS else custom_id


def marked_japanese(custom_id: object) -> bool:
    """True when the component was on a message in Japanese."""
    return isinstance(custom_id, str) and custom_id.startswith(JAPANESE_PREFIX)


def parse_custom_id(custom_id: object, component_type: object) -> Action | None:
    """What a component interaction asks for, or None when it is none of the bot's."""
    if not isinstance(custom_id, str) or len(custom_id) > MAX_CUSTOM_ID_CHARS:
        return None
    if marked_japanese(custom_id):
        custom_id = PREFIX + custom_id.removeprefix(JAPANESE_PREFIX)
    if component_type == STRING_SELECT:
        if (why := _WHY_ID.fullmatch(custom_id)) is not None:
            return WhatWasWrong(why["entry"])
        return _SELECT_IDS.get(custom_id)
    if component_type != BUTTON or (found := _BUTTON_ID.fullmatch(custom_id)) is None:
        return None
    if found["related"]:
        return Related(found["related"], int(found["for"]) if found["for"] else None)
    if found["vote"]:
        return Vote(found["vote"], helpful=found["helpful"] == "1")
    if found["sources"]:
        return Sources(found["sources"])
    if found["share"]:
        return Share(found["share"])
    if found["deleter"]:
        return Delete(int(found["deleter"]))
    if found["misser"]:
        return Miss(int(found["misser"]))
    if found["show_in"]:
        return ShowIn(found["show_entry"], "ja" if found["show_in"] == "ja" else "en")
    if found["none_asker"]:
        return NoneOfThese(int(found["none_asker"]), found["token"])
    return Pick(int(found["asker"]), found["pick"], found["pick_token"])
