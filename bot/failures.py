"""When a handler fails: the user gets a short reference, the log gets the traceback."""

from __future__ import annotations

import contextlib
import logging
import secrets
from collections.abc import AsyncIterator

import discord

from bot.i18n import ENGLISH, N_, Words
from bot.safety import NO_PINGS

log = logging.getLogger(__name__)


# Discord's answers when it no longer knows an interaction's token: 10062 Unknown
# interaction (a callback after the 3 s window) and 10015 Unknown Webhook (a follow-up after
# the token's 15 minutes).
TOKEN_GONE = frozenset({10062, 10015})
# "Interaction has already been acknowledged": a callback sent a second time (discord.py
# resends one answered with a 5xx that Discord had in fact carried out). discord.py raises
# InteractionResponded itself for its own double answers, so over HTTP this means the user
# already has the answer.
ALREADY_ACKNOWLEDGED = 40060
SOMETHING_WENT_WRONG = N_(
    "Sorry, something went wrong (ref `{ref}`). The maintainers can look it up."
)


def new_ref() -> str:
    """A short code a user can quote and a maintainer can find in the logs."""
    return secrets.token_hex(4)


def _refusal(error: discord.HTTPException) -> str | None:
    """What a refusal that no apology could get past means, or None for other errors."""
    if isinstance(error, discord.NotFound) and error.code in TOKEN_GONE:
        return "could not answer interaction %s: Discord no longer accepts its token"
    if error.code == ALREADY_ACKNOWLEDGED:
        return "interaction %s was already answered; Discord refused a second answer"
    return None


async def report_failure(
    interaction: discord.Interaction, error: BaseException, words: Words = ENGLISH
) -> None:
    if isinstance(error, discord.HTTPException) and (refusal := _refusal(error)):
        # An apology through the same token would be refused the same way (a second failed
        # request and log line for one interaction), and a traceback would only repeat
        # Discord's answer: one line says what happened.
        log.warning(
            refusal + " (error %s: %s)",
            interaction.id,
            error.code,
            error.text,
            extra={"interaction_id": interaction.id},
        )
        return
    ref = new_ref()
    log.error(
        "handler failed (ref %s, interaction %s)",
        ref,
        interaction.id,
        exc_info=error,
        extra={"ref": ref, "interaction_id": interaction.id},
    )
    text = words(SOMETHING_WENT_WRONG, ref=ref)
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_PINGS)
        else:
            await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)
    except discord.HTTPException as reply_error:
        # Name the interaction too, so that this line is found beside the error above.
        log.warning(
            "could not tell the user about failure %s (interaction %s): %s",
            ref,
            interaction.id,
            reply_error,
            extra={"ref": ref, "interaction_id": interaction.id},
        )


@contextlib.asynccontextmanager
async def guarded(interaction: discord.Interaction, words: Words = ENGLISH) -> AsyncIterator[None]:
    """Run a component or command body so that any exception becomes a ref-coded reply.

    discord.py logs and drops exceptions from event listeners (which answer components),
    which would leave the user looking at "This interaction failed"; this tells them
    something useful instead.
    """
    try:
        yield
    except Exception as error:
        await report_failure(interaction, error, words)
