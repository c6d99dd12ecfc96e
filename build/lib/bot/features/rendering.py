"""How FAQ content looks in Discord: answer embeds and the short texts around them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import discord

from bot.answering import Reason, Refused
from knowledge.model import Entry
from knowledge.presentation import lay_out_sources, listable_sources, source_line, split_lead

EMBED_COLOUR = discord.Colour.from_rgb(0, 102, 153)
SELECT_LABEL_LIMIT = 100
# Discord allows 80 characters on a button, but a phone shows about this many on a button
# that has a row to itself: longer questions are shortened at a word.
BUTTON_LABEL_CHARS = 45
ALL_SOURCES = "All sources"
NONE_OF_THESE = "None of these"
POST_HERE = "Post here"
# A did-you-mean whose buttons were used: what the message says instead.
PICKED = "You picked: **{question}**"
# The bot's name as members see it stands in for this in the help text.
HELP_TEMPLATE = (
    "Ask me about Japan–UK–ASEAN cybersecurity cooperation: mention me with a question "
    "(for example *@{name} what is the TSUBAME project?*), use `/ask`, or browse with `/topics`."
)
# Where the bot's name is unknown (it has not logged in yet), the help text says "the bot".
HELP_TEXT = HELP_TEMPLATE.format(name="FAQ bot")
ONLY_THE_ASKER = "Only the person who asked can pick from these. Use `/ask` to ask your own."
ALREADY_PICKED = "You've already picked from these; ask again with `/ask` for other choices."
ENTRY_GONE = "That question is no longer in the FAQ. Try `/ask` again."


def shown_name(name: str) -> str:
    """A member's or the bot's name inside a message: it can neither format the message nor
    read as a mention (nobody would be pinged anyway: see NO_PINGS)."""
    return discord.utils.escape_mentions(discord.utils.escape_markdown(name))


def help_text(name: str | None) -> str:
    if not name:
        return HELP_TEXT
    return HELP_TEMPLATE.format(name=shown_name(name))


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


def checked_on(day: dt.date) -> str:
    return f"Last checked {day.day} {day:%b %Y}"


def answer_embed(entry: Entry) -> discord.Embed:
    """The answer: its question, a short lead paragraph, the rest, and every source."""
    lead, rest = split_lead(entry.answer)
    description = f"{lead}\n\n{rest}" if rest else lead
    embed = discord.Embed(
        title=clip(entry.question, 256), description=description, colour=EMBED_COLOUR
    )
    layout = lay_out_sources(entry.sources)
    blocks = list(layout.blocks) or ["—"]
    if layout.hidden:
        blocks[-1] += f"\n{more_sources_line(layout.hidden)}"
    for index, block in enumerate(blocks):
        embed.add_field(name="Sources" if index == 0 else "More sources", value=block, inline=False)
    embed.set_footer(text=checked_on(entry.updated))
    return embed


def more_sources_line(hidden: int) -> str:
    return f"+{hidden} more: press **{ALL_SOURCES}**"


def all_sources_embed(entry: Entry) -> discord.Embed:
    """Every source of an entry, for the member who asked to see them all (privately)."""
    listed = listable_sources(entry.sources)
    text = "\n".join(source_line(s) for s in entry.sources[:listed])
    if listed < len(entry.sources):
        text += f"\n… and {len(entry.sources) - listed} more"
    return discord.Embed(
        title=clip(f"Sources: {entry.question}", 256), description=text, colour=EMBED_COLOUR
    )


def not_covered_text(topics: Sequence[str], *, noted: bool) -> str:
    """The reply to a question the FAQ does not cover.

    ``noted`` says whether the question log has stored it: the reply only says so once the
    write is done, so a full disk or a crash a moment later never makes it untrue.
    """
    listed = "; ".join(discord.utils.escape_markdown(t) for t in topics)
    text = (
        "I couldn't find that in the FAQ, and I'd rather not guess. "
        f"I can answer questions on: {listed}. Try `/topics` to browse."
    )
    if noted:
        text += "\nYour question was noted (without your name) so the maintainers can add it."
    return text


def suggestion_text() -> str:
    return "I'm not sure which of these you mean. Did you mean…"


def refusal_text(refused: Refused) -> str:
    if refused.reason is Reason.TOO_FAST:
        return f"You're asking quickly! Try again in {refused.retry_after:.0f} s."
    if refused.reason is Reason.JUST_ANSWERED:
        if refused.earlier_link:
            return f"That was just answered in this channel: {refused.earlier_link}"
        return "That is being answered in this channel right now; see the answer above."
    if refused.reason is Reason.NOT_YOURS:
        return ONLY_THE_ASKER
    if refused.reason is Reason.ALREADY_PICKED:
        return ALREADY_PICKED
    return ENTRY_GONE
