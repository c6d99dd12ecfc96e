"""How FAQ content looks in Discord: answer embeds and the short texts around them."""

from __future__ import annotations

import discord

from knowledge.matching import Matcher
from knowledge.model import Entry

EMBED_COLOUR = discord.Colour.from_rgb(0, 102, 153)
FIELD_LIMIT = 1024  # Discord's limit for an embed field value
BUTTON_LABEL_LIMIT = 80  # Discord's limit for a button label
SELECT_LABEL_LIMIT = 100

HELP_TEXT = (
    "Ask me about Japan–UK–ASEAN cybersecurity cooperation: mention me with a question "
    "(for example *@me what is the TSUBAME project?*), use `/ask`, or browse with `/topics`."
)


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


def not_covered_text(matcher: Matcher, *, noted: bool) -> str:
    """The reply to a question the FAQ does not cover.

    ``noted`` says whether the question log has stored it: the reply only says so once the
    write is done, so a full disk or a crash a moment later never makes it untrue.
    """
    topics = ", ".join(f"`{t}`" for t in matcher.knowledge_base.topics)
    text = (
        "I couldn't find that in the FAQ, and I'd rather not guess. "
        f"I can answer questions on: {topics}. Try `/topics` to browse."
    )
    if noted:
        text += "\nYour question was noted (without your name) so the maintainers can add it."
    return text


def suggestion_text() -> str:
    return "I'm not sure which of these you mean. Did you mean…"
