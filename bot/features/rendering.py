"""How FAQ content looks in Discord: answer embeds and the short texts around them.

Each takes the ``Words`` of the language the reply is in (bot/i18n.py); the texts are the
catalog's English message ids.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import discord

from bot.answering import Reason, Refused
from bot.i18n import N_, Words
from knowledge.model import Entry
from knowledge.presentation import lay_out_sources, listable_sources, source_line, split_lead

EMBED_COLOUR = discord.Colour.from_rgb(0, 102, 153)
SELECT_LABEL_LIMIT = 100
# Discord allows 80 characters on a button, but a phone shows about this many on a button
# that has a row to itself: longer questions are shortened at a word.
BUTTON_LABEL_CHARS = 45
ALL_SOURCES = N_("All sources")
NONE_OF_THESE = N_("None of these")
POST_HERE = N_("Post here")
# The language switch under an answer, each in its own language.
SHOW_IN_ENGLISH = "English"
SHOW_IN_JAPANESE = "日本語"
# A did-you-mean whose buttons were used: what the message says instead.
PICKED = N_("You picked: **{question}**")
# The bot's name as members see it stands in for this in the help text.
HELP_TEMPLATE = N_(
    "Ask me about Japan–UK–ASEAN cybersecurity cooperation: mention me with a question "
    "(for example *@{name} what is the TSUBAME project?*), use `/ask`, or browse with `/topics`."
)
# Where the bot's name is unknown (it has not logged in yet), the help text says this.
UNKNOWN_BOT_NAME = "FAQ bot"
ONLY_THE_ASKER = N_("Only the person who asked can pick from these. Use `/ask` to ask your own.")
ALREADY_PICKED = N_("You've already picked from these; ask again with `/ask` for other choices.")
ENTRY_GONE = N_("That question is no longer in the FAQ. Try `/ask` again.")
NOT_WHAT_I_ASKED = N_("Not what I asked")
# Above an answer given unasked in an auto-answer channel.
AUTO_ANSWER_HEADING = N_(
    "An automatic answer from the FAQ. Not what you asked? Press **{button}**."
)
MISS_NOTED = N_("Removed, and noted as a miss so the maintainers can improve the FAQ. Thanks!")
# Above an answer shown in English to a member who asked in Japanese.
NOT_TRANSLATED = N_("This answer has not been translated yet, so it is shown in English.")
SOURCES = N_("Sources")
MORE_SOURCES = N_("More sources")
CHECKED_ON = N_("Last checked {date}")
MORE_HIDDEN = N_("+{count} more: press **{button}**")
AND_MORE = N_("… and {count} more")
SOURCES_OF = N_("Sources: {question}")
NOT_COVERED = N_(
    "I couldn't find that in the FAQ, and I'd rather not guess. "
    "I can answer questions on: {topics}. Try `/topics` to browse."
)
NOTED = N_("Your question was noted (without your name) so the maintainers can add it.")
DID_YOU_MEAN = N_("I'm not sure which of these you mean. Did you mean…")
TOO_FAST = N_("You're asking quickly! Try again in {seconds} s.")
JUST_ANSWERED = N_("That was just answered in this channel: {link}")
BEING_ANSWERED = N_("That is being answered in this channel right now; see the answer above.")


def shown_name(name: str) -> str:
    """A member's or the bot's name inside a message: it can neither format the message nor
    read as a mention (nobody would be pinged anyway: see NO_PINGS)."""
    return discord.utils.escape_mentions(discord.utils.escape_markdown(name))


def help_text(words: Words, name: str | None) -> str:
    return words(HELP_TEMPLATE, name=shown_name(name) if name else UNKNOWN_BOT_NAME)


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def shorten(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters, cut at a word boundary where it must be cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut.strip():
        cut = cut[: cut.rstrip().rfind(" ")]
    return cut.rstrip(" ,;:–—-") + "…"


def checked_on(words: Words, day: dt.date) -> str:
    if words.language == "ja":
        return words(CHECKED_ON, date=f"{day.year}年{day.month}月{day.day}日")
    return words(CHECKED_ON, date=f"{day.day} {day:%b %Y}")


def answer_embed(entry: Entry, words: Words) -> discord.Embed:
    """The answer in the words' language: its question, a short lead paragraph, the rest,
    and every source. An entry not yet written in that language is shown in English, under a
    line that says so."""
    answer = entry.answer_in(words.language)
    question = entry.question_in(words.language)
    note = ""
    if answer is None:
        answer, note = entry.answer, f"*{words(NOT_TRANSLATED)}*\n\n"
    lead, rest = split_lead(answer)
    description = note + (f"{lead}\n\n{rest}" if rest else lead)
    embed = discord.Embed(title=clip(question, 256), description=description, colour=EMBED_COLOUR)
    layout = lay_out_sources(entry.sources)
    blocks = list(layout.blocks) or ["—"]
    if layout.hidden:
        blocks[-1] += f"\n{words(MORE_HIDDEN, count=layout.hidden, button=words(ALL_SOURCES))}"
    for index, block in enumerate(blocks):
        name = words(SOURCES) if index == 0 else words(MORE_SOURCES)
        embed.add_field(name=name, value=block, inline=False)
    embed.set_footer(text=checked_on(words, entry.updated))
    return embed


def all_sources_embed(entry: Entry, words: Words) -> discord.Embed:
    """Every source of an entry, for the member who asked to see them all (privately)."""
    listed = listable_sources(entry.sources)
    text = "\n".join(source_line(s) for s in entry.sources[:listed])
    if listed < len(entry.sources):
        text += "\n" + words(AND_MORE, count=len(entry.sources) - listed)
    title = words(SOURCES_OF, question=entry.question_in(words.language))
    return discord.Embed(title=clip(title, 256), description=text, colour=EMBED_COLOUR)


def not_covered_text(words: Words, topics: Sequence[str], *, noted: bool) -> str:
    """The reply to a question the FAQ does not cover.

    ``noted`` says whether the question log has stored it: the reply only says so once the
    write is done, so a full disk or a crash a moment later never makes it untrue.
    """
    listed = "; ".join(discord.utils.escape_markdown(t) for t in topics)
    text = words(NOT_COVERED, topics=listed)
    if noted:
        text += "\n" + words(NOTED)
    return text


def suggestion_text(words: Words) -> str:
    return words(DID_YOU_MEAN)


def refusal_text(words: Words, refused: Refused) -> str:
    if refused.reason is Reason.TOO_FAST:
        return words(TOO_FAST, seconds=f"{refused.retry_after:.0f}")
    if refused.reason is Reason.JUST_ANSWERED:
        if refused.earlier_link:
            return words(JUST_ANSWERED, link=refused.earlier_link)
        return words(BEING_ANSWERED)
    if refused.reason is Reason.NOT_YOURS:
        return words(ONLY_THE_ASKER)
    if refused.reason is Reason.ALREADY_PICKED:
        return words(ALREADY_PICKED)
    return words(ENTRY_GONE)
