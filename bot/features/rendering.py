"""How FAQ content looks in Discord: answer embeds and the short texts around them."""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.answering import Reason, Refused
from knowledge.model import Entry

EMBED_COLOUR = discord.Colour.from_rgb(0, 102, 153)
FIELD_LIMIT = 1024  # Discord's limit for an embed field value
BUTTON_LABEL_LIMIT = 80  # Discord's limit for a button label
SELECT_LABEL_LIMIT = 100
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


def help_text(name: str | None) -> str:
    if not name:
        return HELP_TEXT
    return HELP_TEMPLATE.format(name=discord.utils.escape_markdown(name))


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def answer_embed(entry: Entry) -> discord.Embed:
    embed = discord.Embed(
        title=clip(entry.question, 256), description=entry.answer, colour=EMBED_COLOUR
    )
    embed.add_field(name="Sources", value=sources_text(entry), inline=False)
    embed.set_footer(text=f"{entry.id} · checked {entry.updated.isoformat()}")
    return embed


def sources_text(entry: Entry) -> str:
    lines: list[str] = []
    for source in entry.sources:
        title = discord.utils.escape_markdown(source.title).replace("[", "(").replace("]", ")")
        # A ")" inside the URL would end the Markdown link early.
        line = f"• [{title}]({source.url.replace(')', '%29')})"
        if len("\n".join([*lines, line])) > FIELD_LIMIT:
            break
        lines.append(line)
    return "\n".join(lines) or "—"


def not_covered_text(topics: Sequence[str], *, noted: bool) -> str:
    """The reply to a question the FAQ does not cover.

    ``noted`` says whether the question log has stored it: the reply only says so once the
    write is done, so a full disk or a crash a moment later never makes it untrue.
    """
    listed = ", ".join(f"`{t}`" for t in topics)
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
