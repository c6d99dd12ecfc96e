"""/ask and its autocomplete: the slash-command way in to the answering layer."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.answering import Answering, Asking, Way
from bot.features.rendering import help_text
from bot.features.replies import InteractionReplies, bot_name
from bot.i18n import N_, Words, locale_language
from bot.safety import MAX_QUESTION_LENGTH, NO_PINGS
from knowledge.language import answer_language
from knowledge.text import normalise, printable

AUTOCOMPLETE_LIMIT = 25  # Discord shows at most 25 choices
NOT_TEXT = N_(
    "I didn't receive your question as text. Type it after `/ask`, for example "
    "`/ask what is the TSUBAME project?`"
)
TOO_LONG = N_("Questions can be at most {limit} characters; please shorten yours.")


def is_blank(question: str) -> bool:
    """True when nothing is left to match: only spaces, punctuation, mentions or invisibles."""
    return not normalise(question)


def question_refusal(question: object, name: str | None, words: Words) -> str | None:
    """Why a raw /ask ``question`` option cannot be answered, or None when it can.

    Discord's own clients always send 1–300 characters of text, but an interaction is only
    JSON: a question that is missing, not text, too long or empty gets a private refusal
    rather than failing inside discord.py's conversion (a "something went wrong" for the
    user and an error with a traceback in the log) or being logged as an unanswered question.
    """
    if not isinstance(question, str):
        return words(NOT_TEXT)
    if len(question) > MAX_QUESTION_LENGTH:
        return words(TOO_LONG, limit=MAX_QUESTION_LENGTH)
    if is_blank(question):
        return help_text(words, name)
    return None


class Ask(commands.Cog):
    def __init__(self, answering: Answering, replies: InteractionReplies) -> None:
        self.answering = answering
        self.replies = replies

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Runs before discord.py converts the options of /ask, so it sees them raw.

        A refusal returns False, which the command tree treats as a failed check that has
        already told the user why (see FaqTree.on_error).
        """
        name = bot_name(interaction.guild, interaction.client)
        question = interaction.namespace.question
        typed = question if isinstance(question, str) else ""
        language = answer_language(typed, locale_language(interaction.locale))
        refusal = question_refusal(question, name, self.replies.words(language))
        if refusal is None:
            return True
        await interaction.response.send_message(refusal, ephemeral=True, allowed_mentions=NO_PINGS)
        return False

    @app_commands.command(name="ask", description="Ask the Japan–UK–ASEAN cyber cooperation FAQ")
    @app_commands.describe(question="Your question, e.g. 'what is the TSUBAME project?'")
    async def ask(
        self,
        interaction: discord.Interaction,
        question: app_commands.Range[str, 1, MAX_QUESTION_LENGTH],
    ) -> None:
        # Japanese for a question in Japanese, or for a member whose Discord is in Japanese.
        language = answer_language(question, locale_language(interaction.locale))
        asking = Asking(
            Way.SLASH,
            user_id=interaction.user.id,
            channel_id=interaction.channel_id or 0,
            guild_id=interaction.guild_id,
            # Newlines, tabs and invisible characters would otherwise glue or split words for
            # the matcher; the cleaned text is also what the log keeps.
            question=printable(question),
            in_dm=interaction.guild_id is None,
            language=language,
        )
        answering = self.answering.answer(asking)
        if self.answering.busy:
            # A burst: acknowledge now ("thinking…", privately) and answer by follow-up,
            # rather than have Discord refuse the answer as late.
            outcome = await self.replies.before_replying(
                interaction, answering, ephemeral=True, budget=0
            )
        else:
            outcome = await answering
        await self.replies.outcome(interaction, outcome, language)

    @ask.autocomplete("question")
    async def ask_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        # Discord sends the typed text as a string, but a malformed interaction may carry a
        # number there; treating that as nothing typed keeps the handler alive to answer.
        typed = current if isinstance(current, str) else ""
        entries = self.answering.snapshot.matcher.autocomplete(
            typed[:MAX_QUESTION_LENGTH], limit=AUTOCOMPLETE_LIMIT
        )
        # A Japanese member, or Japanese typed, is offered the Japanese questions; choosing
        # one sends it, and /ask answers the entry whose question it is, in Japanese.
        language = answer_language(typed, locale_language(interaction.locale))
        offered = [e.question_in(language) for e in entries]
        return [app_commands.Choice(name=q, value=q) for q in offered]
